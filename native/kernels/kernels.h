// The table of kernel pointers, one per ISA, filled once at load.
// Each family of kernels has its own struct in its own header, filled by
// `simdnn::<isa>::fill_<family>()` defined in native/kernels/<isa>/.
#pragma once
#include <cstddef>

#include "basic_kernels.h"
#include "conv_kernels.h"
#include "gemm_kernels.h"
#include "math_kernels.h"
#include "norm_kernels.h"
#include "optim_kernels.h"

namespace simdnn {

enum class Isa : int { Scalar = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

struct Kernels {
  Isa isa;
  const char* name;
  BasicKernels basic;
  GemmKernels gemm;
  MathKernels math;
  OptimKernels optim;
  NormKernels norm;
  ConvKernels conv;
};

#define SIMDNN_DECLARE_ISA(ns)      \
  namespace ns {                    \
  void fill_basic(BasicKernels& k); \
  void fill_gemm(GemmKernels& k);   \
  void fill_math(MathKernels& k);   \
  void fill_optim(OptimKernels& k); \
  void fill_norm(NormKernels& k);   \
  void fill_conv(ConvKernels& k);   \
  }
SIMDNN_DECLARE_ISA(scalar)
#if defined(__x86_64__) || defined(_M_X64)
SIMDNN_DECLARE_ISA(avx2)
SIMDNN_DECLARE_ISA(avx512)
#endif
#if defined(__aarch64__)
SIMDNN_DECLARE_ISA(neon)
#endif
#undef SIMDNN_DECLARE_ISA

// The table for one ISA; nullptr when this build or this CPU lacks it.
const Kernels* kernels_for(Isa isa);
// The active table: chosen once (fastest supported, or SIMDNN_ISA), then fixed.
const Kernels& kernels();
// Switches the active table (tests use it to run every path in one process).
// Returns false when the ISA is unavailable. Not meant for use during a job.
bool select_isa(Isa isa);
// Error text when SIMDNN_ISA asked for something this CPU cannot run; empty if fine.
const char* dispatch_error();
// Whether this CPU (and OS) can run the given ISA.
bool cpu_supports(Isa isa);
const char* isa_name(Isa isa);

}  // namespace simdnn
