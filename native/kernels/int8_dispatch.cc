// The choice of int8 GEMM variant: detected once at load from CPUID (x86)
// or the auxiliary vector (AArch64). Built without ISA flags: nothing here
// may execute an AVX instruction.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "int8_kernels.h"
#include "kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

namespace simdnn {
namespace {

struct Variant {
  const Int8GemmKernels* k;
  bool available;
};

struct Int8Registry {
  // Fastest first within each architecture.
  std::vector<Variant> variants;
  std::atomic<const Int8GemmKernels*> forced{nullptr};
  std::string error, names;

  void add(const Int8GemmKernels* k, bool ok) { variants.push_back({k, ok}); }

  Int8Registry() {
#if defined(__x86_64__)
    unsigned a, b, c, d;
    bool avx2 = false, avx512 = false, vnni512 = false, avxvnni = false;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27)) && (c & (1u << 28))) {
      uint32_t lo, hi;
      __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      const uint64_t xcr0 = ((uint64_t)hi << 32) | lo;
      const bool os_ymm = (xcr0 & 0x6) == 0x6, os_zmm = (xcr0 & 0xe6) == 0xe6, fma = c & (1u << 12);
      if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        avx2 = os_ymm && fma && (b & (1u << 5));
        avx512 = avx2 && os_zmm && (b & (1u << 16)) && (b & (1u << 17)) && (b & (1u << 30)) && (b & (1u << 31));
        vnni512 = avx512 && (c & (1u << 11));
        unsigned a1 = 0, b1, c1, d1;
        if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) avxvnni = avx2 && (a1 & (1u << 4));
      }
    }
    add(&avx512::kInt8GemmVnni, vnni512);
    add(&avx2::kInt8GemmVnni, avxvnni);
    add(&avx2::kInt8Gemm, avx2);
#endif
#if defined(__aarch64__)
    bool dot = false;
#if defined(__linux__)
    dot = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
    add(&neon::kInt8GemmDot, dot);
    add(&neon::kInt8Gemm, true);
#endif
    add(&scalar::kInt8Gemm, true);
    for (const Variant& v : variants)
      if (v.available) names += (names.empty() ? "" : ", ") + std::string(v.k->name);
    const char* env = std::getenv("SIMDNN_INT8");
    if (env && *env && std::strcmp(env, "auto") != 0) {
      const Int8GemmKernels* k = find(env, false);
      if (k && available(k)) {
        forced = k;
      } else {
        std::string known = "auto";
        for (const Variant& v : variants) known += std::string(", ") + v.k->name;
        error = k ? std::string("SIMDNN_INT8=") + env +
                        " was requested, but this CPU does not support it; supported here: " + names
                  : std::string("SIMDNN_INT8 must be one of ") + known + ", but received '" + env + "'";
      }
    }
  }

  const Int8GemmKernels* find(const char* name, bool only_available) const {
    for (const Variant& v : variants)
      if (std::strcmp(v.k->name, name) == 0 && (v.available || !only_available)) return v.k;
    return nullptr;
  }
  bool available(const Int8GemmKernels* k) const {
    for (const Variant& v : variants)
      if (v.k == k) return v.available;
    return false;
  }

  // The fastest variant that uses no instruction family beyond the float kernels' ISA.
  const Int8GemmKernels* best_for(Isa isa) const {
    for (const Variant& v : variants) {
      if (!v.available) continue;
      const std::string n = v.k->name;
      if (isa == Isa::Scalar && n != "scalar") continue;
      if (isa == Isa::Avx2 && n == "avx512-vnni") continue;
      return v.k;
    }
    return &scalar::kInt8Gemm;
  }
};

Int8Registry& registry() {
  static Int8Registry r;
  return r;
}

}  // namespace

const Int8GemmKernels* int8_kernels_named(const char* name) { return registry().find(name, true); }

const Int8GemmKernels& int8_kernels() {
  const Int8Registry& r = registry();
  const Int8GemmKernels* f = r.forced.load(std::memory_order_acquire);
  return f ? *f : *r.best_for(kernels().isa);
}

bool select_int8(const char* name) {
  Int8Registry& r = registry();
  if (!name || !*name || std::strcmp(name, "auto") == 0) {
    r.forced.store(nullptr, std::memory_order_release);
    return true;
  }
  const Int8GemmKernels* k = r.find(name, true);
  if (!k) return false;
  r.forced.store(k, std::memory_order_release);
  return true;
}

const char* int8_dispatch_error() { return registry().error.c_str(); }

const char* int8_available() { return registry().names.c_str(); }

}  // namespace simdnn
