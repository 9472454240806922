// CPU feature detection and the choice of kernel table, done once at load.
// Built without ISA flags: nothing here may execute an AVX instruction.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../core/cache_blocking.h"
#include "kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace simdnn {
namespace {

#if defined(__x86_64__)
struct X86Features {
  bool avx2_fma = false;
  bool avx512 = false;  // F + BW + DQ + VL, with the OS saving zmm state
};

uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((uint64_t)edx << 32) | eax;
}

X86Features detect_x86() {
  X86Features f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;    // SSE and AVX state
  const bool os_zmm = (xcr0 & 0xe6) == 0xe6;  // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  f.avx2_fma = os_ymm && avx2 && fma;
  f.avx512 = f.avx2_fma && os_zmm && avx512f && avx512dq && avx512bw && avx512vl;
  return f;
}
#endif

struct Registry {
  Kernels tables[4];
  bool available[4] = {false, false, false, false};
  std::atomic<const Kernels*> active{nullptr};
  std::string error;

  template <typename FillFn>
  void add(Isa isa, const char* name, FillFn fill) {
    Kernels& k = tables[(int)isa];
    std::memset(&k, 0, sizeof k);
    k.isa = isa;
    k.name = name;
    fill(k);
    // The cache blocking of this machine (an error only for a malformed
    // SIMDNN_GEMM_BLOCKING, reported like a bad SIMDNN_ISA).
    const std::string blocking_error = apply_gemm_blocking(k.gemm, name, machine_caches());
    if (!blocking_error.empty() && error.empty()) error = blocking_error;
    available[(int)isa] = true;
  }

  Registry() {
    add(Isa::Scalar, "scalar", [](Kernels& k) {
      scalar::fill_basic(k.basic);
      scalar::fill_gemm(k.gemm);
      scalar::fill_math(k.math);
      scalar::fill_optim(k.optim);
      scalar::fill_norm(k.norm);
      scalar::fill_conv(k.conv);
    });
#if defined(__x86_64__)
    X86Features f = detect_x86();
    if (f.avx2_fma)
      add(Isa::Avx2, "avx2", [](Kernels& k) {
        avx2::fill_basic(k.basic);
        avx2::fill_gemm(k.gemm);
        avx2::fill_math(k.math);
        avx2::fill_optim(k.optim);
        avx2::fill_norm(k.norm);
        avx2::fill_conv(k.conv);
      });
#ifdef SIMDNN_EMULATED_AVX512
    f.avx512 = true;  // test builds whose AVX-512 kernels are emulated (see vec_avx512.h)
#endif
    if (f.avx512)
      add(Isa::Avx512, "avx512", [](Kernels& k) {
        avx512::fill_basic(k.basic);
        avx512::fill_gemm(k.gemm);
        avx512::fill_math(k.math);
        avx512::fill_optim(k.optim);
        avx512::fill_norm(k.norm);
        avx512::fill_conv(k.conv);
      });
#endif
#if defined(__aarch64__)
    add(Isa::Neon, "neon", [](Kernels& k) {
      neon::fill_basic(k.basic);
      neon::fill_gemm(k.gemm);
      neon::fill_math(k.math);
      neon::fill_optim(k.optim);
      neon::fill_norm(k.norm);
      neon::fill_conv(k.conv);
    });
#endif
    // Fastest available first.
    for (Isa isa : {Isa::Avx512, Isa::Neon, Isa::Avx2, Isa::Scalar})
      if (available[(int)isa]) {
        active = &tables[(int)isa];
        break;
      }
    const char* forced = std::getenv("SIMDNN_ISA");
    if (forced && *forced && std::strcmp(forced, "auto") != 0) {
      int found = -1;
      for (int i = 0; i < 4; ++i)
        if (std::strcmp(forced, isa_name((Isa)i)) == 0) found = i;
      if (found < 0) {
        error =
            std::string("SIMDNN_ISA must be one of auto, scalar, avx2, avx512, neon, but received '") + forced + "'";
      } else if (!available[found]) {
        error = std::string("SIMDNN_ISA=") + forced +
                " was requested, but this CPU (or this build) does not support it; supported here: ";
        bool first = true;
        for (int i = 0; i < 4; ++i)
          if (available[i]) {
            error += (first ? "" : ", ");
            error += isa_name((Isa)i);
            first = false;
          }
      } else {
        active = &tables[found];
      }
    }
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar:
      return "scalar";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
    case Isa::Neon:
      return "neon";
  }
  return "unknown";
}

const Kernels* kernels_for(Isa isa) {
  Registry& r = registry();
  return r.available[(int)isa] ? &r.tables[(int)isa] : nullptr;
}

const Kernels& kernels() { return *registry().active.load(std::memory_order_acquire); }

bool select_isa(Isa isa) {
  const Kernels* k = kernels_for(isa);
  if (!k) return false;
  registry().active.store(k, std::memory_order_release);
  return true;
}

const char* dispatch_error() { return registry().error.c_str(); }

bool cpu_supports(Isa isa) { return kernels_for(isa) != nullptr; }

}  // namespace simdnn
