// Test builds only (SIMDNN_EMULATED_AVX512, npm run test:avx512-emulated):
// the AVX-512 intrinsics the kernels use, on a CPU without AVX-512. SIMDe
// (Debian libsimde-dev) implements most of them with AVX2; the six that its
// version 0.7.4 lacks, and roundscale (whose 0.7.4 version reads the rounding
// control as a scale: floor(2.5) came out 2.5), are written here lane by lane
// from their definitions in Intel's intrinsics guide. The two reductions follow the exact tree of GCC's
// avx512fintrin.h (upper 256 op lower 256, then 128-bit halves, then pairs),
// so an emulated kernel rounds as the hardware build would.
#pragma once
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#include <cmath>
#include <cstdint>

namespace simdnn {
namespace avx512_emulation {

struct F16 {
  float v[16];
};
struct I16 {
  int32_t v[16];
};
inline F16 lanes(simde__m512 a) {
  F16 r;
  simde_mm512_storeu_ps(r.v, a);
  return r;
}
inline I16 lanes(simde__m512i a) {
  I16 r;
  simde_mm512_storeu_si512(r.v, a);
  return r;
}

// Masked-off lanes are neither read nor written (no fault past an array's end).
inline simde__m512 maskz_loadu_ps(simde__mmask16 k, const void* p) {
  const float* s = static_cast<const float*>(p);
  F16 r;
  for (int i = 0; i < 16; ++i) r.v[i] = (k >> i) & 1 ? s[i] : 0.f;
  return simde_mm512_loadu_ps(r.v);
}
inline void mask_storeu_ps(void* p, simde__mmask16 k, simde__m512 a) {
  float* d = static_cast<float*>(p);
  const F16 x = lanes(a);
  for (int i = 0; i < 16; ++i)
    if ((k >> i) & 1) d[i] = x.v[i];
}

// Round to nearest even (the default MXCSR mode); NaN and out-of-range lanes
// give the "integer indefinite" 0x80000000, as the instruction does.
inline simde__m512i cvtps_epi32(simde__m512 a) {
  const F16 x = lanes(a);
  I16 r;
  for (int i = 0; i < 16; ++i) {
    const float t = std::nearbyint(x.v[i]);
    r.v[i] = t >= -2147483648.f && t < 2147483648.f ? (int32_t)t : INT32_MIN;
  }
  return simde_mm512_loadu_si512(r.v);
}
inline simde__m512 cvtepi32_ps(simde__m512i a) {
  const I16 x = lanes(a);
  F16 r;
  for (int i = 0; i < 16; ++i) r.v[i] = (float)x.v[i];
  return simde_mm512_loadu_ps(r.v);
}

// imm8: bits 7:4 the scale M (round to multiples of 2^-M), bit 2 "use the
// current mode" (round to nearest even here), else bits 1:0 the mode: to
// nearest even, down, up, toward zero.
inline simde__m512 roundscale_ps(simde__m512 a, int imm8) {
  const F16 x = lanes(a);
  const float scale = std::ldexp(1.f, (imm8 >> 4) & 15);
  const int mode = imm8 & 4 ? 0 : imm8 & 3;
  F16 r;
  for (int i = 0; i < 16; ++i) {
    const float v = x.v[i] * scale;
    const float q = mode == 0   ? std::nearbyint(v)
                    : mode == 1 ? std::floor(v)
                    : mode == 2 ? std::ceil(v)
                                : std::trunc(v);
    r.v[i] = q / scale;
  }
  return simde_mm512_loadu_ps(r.v);
}

// maxps: the second operand unless the first is greater (so NaN and equal
// zeros give the second).
inline float maxps(float a, float b) { return a > b ? a : b; }

inline float reduce_add_ps(simde__m512 a) {
  const F16 x = lanes(a);
  float t3[8], t6[4];
  for (int i = 0; i < 8; ++i) t3[i] = x.v[i + 8] + x.v[i];
  for (int i = 0; i < 4; ++i) t6[i] = t3[i + 4] + t3[i];
  return (t6[0] + t6[2]) + (t6[1] + t6[3]);
}
inline float reduce_max_ps(simde__m512 a) {
  const F16 x = lanes(a);
  float t3[8], t6[4];
  for (int i = 0; i < 8; ++i) t3[i] = maxps(x.v[i + 8], x.v[i]);
  for (int i = 0; i < 4; ++i) t6[i] = maxps(t3[i + 4], t3[i]);
  const float t8_0 = maxps(t6[0], t6[2]), t8_1 = maxps(t6[1], t6[3]);
  return maxps(t8_0, t8_1);
}

}  // namespace avx512_emulation
}  // namespace simdnn

#define _mm512_maskz_loadu_ps(k, p) ::simdnn::avx512_emulation::maskz_loadu_ps(k, p)
#define _mm512_mask_storeu_ps(p, k, a) ::simdnn::avx512_emulation::mask_storeu_ps(p, k, a)
#define _mm512_cvtps_epi32(a) ::simdnn::avx512_emulation::cvtps_epi32(a)
#define _mm512_cvtepi32_ps(a) ::simdnn::avx512_emulation::cvtepi32_ps(a)
#define _mm512_reduce_add_ps(a) ::simdnn::avx512_emulation::reduce_add_ps(a)
#define _mm512_reduce_max_ps(a) ::simdnn::avx512_emulation::reduce_max_ps(a)
#undef _mm512_roundscale_ps
#define _mm512_roundscale_ps(a, imm8) ::simdnn::avx512_emulation::roundscale_ps(a, imm8)
