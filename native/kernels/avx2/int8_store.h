// The int8 GEMM epilogue on 8 int32 accumulators (AVX2), shared by the
// AVX2 and AVX-VNNI kernels: the operations of generic/int8_epilogue.h lane
// by lane, stores of `cols` <= 8 columns.
#pragma once
#include <immintrin.h>

#include <cstring>

#include "../generic/int8_epilogue.h"
#include "../int8_kernels.h"

namespace simdnn {
namespace avx2 {

static inline void int8_store8(const Int8Epilogue& ep, size_t i, size_t j, size_t cols, __m256i acc, __m256i bias,
                               __m256 mult) {
  const __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acc, bias)), mult);
  if (ep.out_u8) {
    __m256 u = _mm256_add_ps(t, _mm256_set1_ps(ep.zp));
    u = _mm256_min_ps(_mm256_max_ps(u, _mm256_set1_ps(ep.lo)), _mm256_set1_ps(255.f));
    const __m256i q = _mm256_cvtps_epi32(u);
    const __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    const __m128i b8 = _mm_packus_epi16(w16, w16);
    uint8_t* dst = ep.out_u8 + i * ep.ldc + j;
    if (cols == 8) {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), b8);
    } else {
      alignas(16) uint8_t tmp[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b8);
      std::memcpy(dst, tmp, cols);
    }
  } else {
    float* dst = ep.out_f32 + i * ep.ldc + j;
    if (cols == 8) {
      _mm256_storeu_ps(dst, t);
    } else {
      alignas(32) float tmp[8];
      _mm256_store_ps(tmp, t);
      std::memcpy(dst, tmp, cols * sizeof(float));
    }
  }
}

// Int8GemmKernels::quantize, 8 floats at a time (the reference's operations lane by lane: maxps returns
// its second operand for a NaN, so NaN becomes -1e6 as there).
static inline void int8_quantize8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y) {
  const __m256 s = _mm256_set1_ps(scale), lo = _mm256_set1_ps(-1e6f), hi = _mm256_set1_ps(1e6f),
               magic = _mm256_set1_ps(12582912.f), zp = _mm256_set1_ps((float)zero_point), zero = _mm256_setzero_ps(),
               top = _mm256_set1_ps(255.f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 t = _mm256_div_ps(_mm256_loadu_ps(x + i), s);
    t = _mm256_min_ps(_mm256_max_ps(t, lo), hi);
    t = _mm256_add_ps(_mm256_sub_ps(_mm256_add_ps(t, magic), magic), zp);
    t = _mm256_min_ps(_mm256_max_ps(t, zero), top);
    const __m256i q = _mm256_cvtps_epi32(t);
    const __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), _mm_packus_epi16(w16, w16));
  }
  if (i < n) int8_quantize_ref(x + i, n - i, scale, zero_point, y + i);
}

// Loads the bias and multipliers of columns [j, j + cols), zero past cols.
static inline void int8_load_colparams(const Int8Epilogue& ep, size_t j, size_t cols, __m256i* bias, __m256* mult) {
  if (cols == 8) {
    *bias = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ep.bias + j));
    *mult = _mm256_loadu_ps(ep.mult + j);
    return;
  }
  alignas(32) int32_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  alignas(32) float m[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(b, ep.bias + j, cols * sizeof(int32_t));
  std::memcpy(m, ep.mult + j, cols * sizeof(float));
  *bias = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
  *mult = _mm256_load_ps(m);
}

// Stores an MR x NP*8 tile of int32 sums (columns j0 + q * 8 + lane, n
// columns in all) through the epilogue, panel by panel.
template <int MR, int NP>
static inline void int8_store_tile(const Int8Epilogue& ep, const __m256i (&acc)[MR][NP], size_t n, size_t i0,
                                   size_t j0) {
  for (int q = 0; q < NP; ++q) {
    const size_t j = j0 + q * 8;
    const size_t cols = n - j < 8 ? n - j : 8;
    __m256i bias;
    __m256 mult;
    int8_load_colparams(ep, j, cols, &bias, &mult);
    for (int r = 0; r < MR; ++r) int8_store8(ep, i0 + r, j, cols, acc[r][q], bias, mult);
  }
}

}  // namespace avx2
}  // namespace simdnn
