// The FMA peak of one core, measured: 12 independent chains of vfmadd231ps
// (more than latency x FMA ports on the CPUs we run on), written in assembly
// so that the compiler cannot spill or fold them; zeros in, zeros out (no
// denormals). The best of 5 repetitions of 50M iterations. The 512-bit
// variant may only be called where __builtin_cpu_supports("avx512f") holds;
// on CPUs that split zmm operations in two 256-bit halves (Zen 4) both give
// about the same GFLOP/s, on full-width AVX-512 (Zen 5, Skylake-SP with two
// FMA units) the zmm figure is about twice the ymm one.
#pragma once

#include <algorithm>
#include <chrono>

namespace simdnn_bench {

inline double peak_now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#define SIMDNN_BENCH_FMA12(R)                                                           \
  "vfmadd231ps %%" R "12, %%" R "13, %%" R "0\n vfmadd231ps %%" R "12, %%" R "13, %%" R \
  "1\n"                                                                                 \
  "vfmadd231ps %%" R "12, %%" R "13, %%" R "2\n vfmadd231ps %%" R "12, %%" R "13, %%" R \
  "3\n"                                                                                 \
  "vfmadd231ps %%" R "12, %%" R "13, %%" R "4\n vfmadd231ps %%" R "12, %%" R "13, %%" R \
  "5\n"                                                                                 \
  "vfmadd231ps %%" R "12, %%" R "13, %%" R "6\n vfmadd231ps %%" R "12, %%" R "13, %%" R \
  "7\n"                                                                                 \
  "vfmadd231ps %%" R "12, %%" R "13, %%" R "8\n vfmadd231ps %%" R "12, %%" R "13, %%" R \
  "9\n"                                                                                 \
  "vfmadd231ps %%" R "12, %%" R "13, %%" R "10\n vfmadd231ps %%" R "12, %%" R "13, %%" R "11\n"

/** GFLOP/s of one core with 256-bit FMAs (8 lanes). */
inline double fma_peak_gflops_ymm() {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const long iters = 50000000;
    long n = iters;
    const double t0 = peak_now_s();
    __asm__ volatile(
        "vxorps %%ymm12, %%ymm12, %%ymm12\n vxorps %%ymm13, %%ymm13, %%ymm13\n"
        "1:\n" SIMDNN_BENCH_FMA12("ymm") "dec %0\n jnz 1b\n vzeroupper\n"
        : "+r"(n)
        :
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
          "xmm13", "cc");
    const double t = peak_now_s() - t0;
    best = std::max(best, iters * 12.0 * 8 * 2 / t / 1e9);
  }
  return best;
}

/** GFLOP/s of one core with 512-bit FMAs (16 lanes); only on AVX-512 CPUs. */
inline double fma_peak_gflops_zmm() {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const long iters = 50000000;
    long n = iters;
    const double t0 = peak_now_s();
    __asm__ volatile(
        "vpxord %%zmm12, %%zmm12, %%zmm12\n vpxord %%zmm13, %%zmm13, %%zmm13\n"
        "1:\n" SIMDNN_BENCH_FMA12("zmm") "dec %0\n jnz 1b\n vzeroupper\n"
        : "+r"(n)
        :
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
          "xmm13", "cc");
    const double t = peak_now_s() - t0;
    best = std::max(best, iters * 12.0 * 16 * 2 / t / 1e9);
  }
  return best;
}

#undef SIMDNN_BENCH_FMA12

struct FmaPeak {
  double ymm;
  double zmm;  // 0 without AVX-512
  double best() const { return std::max(ymm, zmm); }
};

/** Both peaks of one core (zmm only where the CPU has AVX-512F). */
inline FmaPeak fma_peak() {
  __builtin_cpu_init();
  FmaPeak p{fma_peak_gflops_ymm(), 0};
  if (__builtin_cpu_supports("avx512f")) p.zmm = fma_peak_gflops_zmm();
  return p;
}

}  // namespace simdnn_bench
