// GEMM micro-kernels and packing routines of one ISA (filled by fill_gemm).
#pragma once
#include <cstddef>

namespace simdnn {

struct GemmKernels {
  int placeholder_until_gemm_lands;
};

}  // namespace simdnn
