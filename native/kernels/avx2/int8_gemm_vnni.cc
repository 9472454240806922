// u8 x s8 GEMM with AVX-VNNI (the VEX-encoded, ymm form of vpdpbusd): 4
// adjacent u8 · s8 products added to an int32 lane, no saturating step.
// Packed form: panels of 8 columns; in a panel, each group of 4 k values is
// 32 bytes (column c's 4 weights at bytes 4c..4c+3), zero past k and n.
// Tiles of up to 4 rows x 24 columns (12 accumulators).
#ifndef __clang__
#pragma GCC target("avx2,fma,avxvnni")
#endif
#include <immintrin.h>

#include <cstring>

#include "int8_store.h"
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,fma,avxvnni"))), apply_to = function)
#endif

namespace simdnn {
namespace avx2 {
namespace {

constexpr size_t kPanel = 8;

size_t panels(size_t n) { return (n + kPanel - 1) / kPanel; }

size_t packed_bytes(size_t k, size_t n) { return panels(n) * int8_k_padded(k) * kPanel; }

void pack(const int8_t* w, size_t k, size_t n, void* packed) {
  int8_t* p = static_cast<int8_t*>(packed);
  const size_t kp = int8_k_padded(k);
  for (size_t pn = 0; pn < panels(n); ++pn)
    for (size_t g = 0; g < kp / 4; ++g)
      for (size_t c = 0; c < kPanel; ++c)
        for (size_t b = 0; b < 4; ++b) {
          const size_t kk = 4 * g + b, j = pn * kPanel + c;
          *p++ = kk < k && j < n ? w[kk * n + j] : 0;
        }
}

// The accumulators are named variables, not an array, and pass through an
// empty asm after the loop: with an array GCC copied every accumulator twice
// per step of the loop (and spilled some).
#define SIMDNN_DP(r, q) \
  if constexpr (MR > r && NP > q) c##r##q = _mm256_dpbusd_avx_epi32(c##r##q, x, w##q);
#define SIMDNN_ROW(r)                               \
  if constexpr (MR > r) {                           \
    int32_t quad;                                   \
    std::memcpy(&quad, a + r * lda + 4 * g, 4);     \
    const __m256i x = _mm256_set1_epi32(quad);      \
    SIMDNN_DP(r, 0) SIMDNN_DP(r, 1) SIMDNN_DP(r, 2) \
  }
#if defined(__GNUC__)
#define SIMDNN_PIN1(r, q) \
  if constexpr (MR > r && NP > q) asm("" : "+x"(c##r##q));
#else
#define SIMDNN_PIN1(r, q)
#endif
#define SIMDNN_OUT(r)                                                          \
  if constexpr (MR > r) {                                                      \
    SIMDNN_PIN1(r, 0) SIMDNN_PIN1(r, 1) SIMDNN_PIN1(r, 2) acc[r][0] = c##r##0; \
    if constexpr (NP > 1) acc[r][1] = c##r##1;                                 \
    if constexpr (NP > 2) acc[r][2] = c##r##2;                                 \
  }

template <int MR, int NP>
void tile(size_t n, size_t kp, const uint8_t* a, size_t lda, const int8_t* b, size_t i0, size_t j0,
          const Int8Epilogue& ep) {
  static_assert(MR <= 4 && NP <= 3, "12 accumulators at most");
  const __m256i z = _mm256_setzero_si256();
  __m256i c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z;
  const size_t panel_bytes = kp * kPanel;
  for (size_t g = 0; g < kp / 4; ++g) {
    __m256i w0 = z, w1 = z, w2 = z;
    w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + g * 32));
    if constexpr (NP > 1) w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + panel_bytes + g * 32));
    if constexpr (NP > 2) w2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2 * panel_bytes + g * 32));
    SIMDNN_ROW(0);
    SIMDNN_ROW(1);
    SIMDNN_ROW(2);
    SIMDNN_ROW(3);
  }
  __m256i acc[MR][NP];
  SIMDNN_OUT(0);
  SIMDNN_OUT(1);
  SIMDNN_OUT(2);
  SIMDNN_OUT(3);
  int8_store_tile<MR, NP>(ep, acc, n, i0, j0);
}

#undef SIMDNN_DP
#undef SIMDNN_ROW
#undef SIMDNN_PIN1
#undef SIMDNN_OUT

template <int NP>
void rows_tail(size_t rows, size_t n, size_t kp, const uint8_t* a, size_t lda, const int8_t* b, size_t i0, size_t j0,
               const Int8Epilogue& ep) {
  switch (rows) {
    case 1:
      return tile<1, NP>(n, kp, a, lda, b, i0, j0, ep);
    case 2:
      return tile<2, NP>(n, kp, a, lda, b, i0, j0, ep);
    case 3:
      return tile<3, NP>(n, kp, a, lda, b, i0, j0, ep);
    default:
      return tile<4, NP>(n, kp, a, lda, b, i0, j0, ep);
  }
}

void gemm(size_t m, size_t n, size_t k, const uint8_t* a, size_t lda, const void* packed, const Int8Epilogue& ep) {
  const int8_t* b = static_cast<const int8_t*>(packed);
  const size_t kp = int8_k_padded(k), np = panels(n), panel_bytes = kp * kPanel;
  for (size_t p = 0; p < np; p += 3) {
    const size_t left = np - p;
    for (size_t i = 0; i < m; i += 4) {
      const size_t rows = m - i < 4 ? m - i : 4;
      const uint8_t* ai = a + i * lda;
      const int8_t* bp = b + p * panel_bytes;
      if (left >= 3)
        rows_tail<3>(rows, n, kp, ai, lda, bp, i, p * kPanel, ep);
      else if (left == 2)
        rows_tail<2>(rows, n, kp, ai, lda, bp, i, p * kPanel, ep);
      else
        rows_tail<1>(rows, n, kp, ai, lda, bp, i, p * kPanel, ep);
    }
  }
}

}  // namespace

const Int8GemmKernels kInt8GemmVnni = {"avx-vnni", packed_bytes, pack, gemm, int8_quantize8};

}  // namespace avx2
}  // namespace simdnn

#ifdef __clang__
#pragma clang attribute pop
#endif
