// The scalar form of the int8 GEMM epilogue (see int8_kernels.h); the SIMD
// variants compute the same operations lane by lane.
#pragma once
#include <algorithm>
#include <cmath>
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

// Writes one output element j of row i from its accumulator.
inline void int8_store(const Int8Epilogue& ep, size_t i, size_t j, int32_t acc) {
  if (ep.out_u8)
    ep.out_u8[i * ep.ldc + j] = int8_requant(acc, ep.bias[j], ep.mult[j], ep.zp, ep.lo);
  else
    ep.out_f32[i * ep.ldc + j] = int8_dequant(acc, ep.bias[j], ep.mult[j]);
}

}  // namespace simdnn
