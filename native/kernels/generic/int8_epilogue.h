// The scalar form of the int8 GEMM epilogue (see int8_kernels.h); the SIMD
// variants compute the same operations lane by lane.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../int8_kernels.h"

namespace simdnn {

// acc + bias with two's-complement wrap-around, as the vector adds do.
inline int32_t int8_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

inline float int8_dequant(int32_t acc, int32_t bias, float mult) { return (float)int8_add_wrap(acc, bias) * mult; }

inline uint8_t int8_requant(int32_t acc, int32_t bias, float mult, float zp, float lo) {
  float t = int8_dequant(acc, bias, mult) + zp;
  t = std::min(std::max(t, lo), 255.f);
  return (uint8_t)(int)std::nearbyint(t);
}

// The quantization of floats to u8 (Int8GemmKernels::quantize), element by element.
inline void int8_quantize_ref(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y) {
  // (t + 1.5 * 2^23) - 1.5 * 2^23 rounds t half to even (|t| < 2^22, ensured by the clamp).
  const float magic = 12582912.f, zp = (float)zero_point;
  for (size_t i = 0; i < n; ++i) {
    float t = x[i] / scale;
    t = t >= -1e6f ? t : -1e6f;  // NaN becomes -1e6, then 0
    t = t <= 1e6f ? t : 1e6f;
    float v = ((t + magic) - magic) + zp;
    v = v >= 0.f ? v : 0.f;
    v = v <= 255.f ? v : 255.f;
    y[i] = (uint8_t)(int)v;
  }
}

// Writes one output element j of row i from its accumulator.
inline void int8_store(const Int8Epilogue& ep, size_t i, size_t j, int32_t acc) {
  if (ep.out_u8)
    ep.out_u8[i * ep.ldc + j] = int8_requant(acc, ep.bias[j], ep.mult[j], ep.zp, ep.lo);
  else
    ep.out_f32[i * ep.ldc + j] = int8_dequant(acc, ep.bias[j], ep.mult[j]);
}

}  // namespace simdnn
