// u8 x s8 GEMM with AVX-512 VNNI: vpdpbusd multiplies 4 adjacent u8 · s8
// pairs and adds them to an int32 lane without any saturating step.
// Packed form: panels of 16 columns; in a panel, each group of 4 k values
// is 64 bytes (column c's 4 weights at bytes 4c..4c+3), zero past k and n.
// Tiles of up to 6 rows x 48 columns (18 accumulators).
#ifndef __clang__
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")
#endif
#include <immintrin.h>

#include <cstring>

#include "../int8_kernels.h"
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni"))), \
                             apply_to = function)
#endif

namespace simdnn {
namespace avx512 {
namespace {

constexpr size_t kPanel = 16;

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

// Int8GemmKernels::quantize, 16 floats at a time (see avx2/int8_store.h int8_quantize8).
void quantize(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y) {
  const __m512 s = _mm512_set1_ps(scale), lo = _mm512_set1_ps(-1e6f), hi = _mm512_set1_ps(1e6f),
               magic = _mm512_set1_ps(12582912.f), zp = _mm512_set1_ps((float)zero_point), zero = _mm512_setzero_ps(),
               top = _mm512_set1_ps(255.f);
  for (size_t i = 0; i < n; i += 16) {
    const size_t left = n - i;
    const __mmask16 mask = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
    __m512 t = _mm512_div_ps(_mm512_maskz_loadu_ps(mask, x + i), s);
    t = _mm512_min_ps(_mm512_max_ps(t, lo), hi);
    t = _mm512_add_ps(_mm512_sub_ps(_mm512_add_ps(t, magic), magic), zp);
    t = _mm512_min_ps(_mm512_max_ps(t, zero), top);
    _mm_mask_storeu_epi8(y + i, mask, _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(t)));
  }
}

template <int MR, int NP>
void tile(size_t n, size_t kp, const uint8_t* a, size_t lda, const int8_t* b, size_t i0, size_t j0,
          const Int8Epilogue& ep) {
  __m512i acc[MR][NP];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NP; ++q) acc[r][q] = _mm512_setzero_si512();
  const size_t panel_bytes = kp * kPanel;
  for (size_t g = 0; g < kp / 4; ++g) {
    __m512i w[NP];
    for (int q = 0; q < NP; ++q) w[q] = _mm512_loadu_si512(b + q * panel_bytes + g * 64);
    for (int r = 0; r < MR; ++r) {
      int32_t quad;
      std::memcpy(&quad, a + r * lda + 4 * g, 4);
      const __m512i x = _mm512_set1_epi32(quad);
      for (int q = 0; q < NP; ++q) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], x, w[q]);
    }
  }
  for (int q = 0; q < NP; ++q) {
    const size_t j = j0 + q * kPanel;
    const size_t cols = n - j < kPanel ? n - j : kPanel;
    const __mmask16 mask = (__mmask16)((1u << cols) - 1u);
    const __m512i bias = _mm512_maskz_loadu_epi32(mask, ep.bias + j);
    const __m512 mult = _mm512_maskz_loadu_ps(mask, ep.mult + j);
    for (int r = 0; r < MR; ++r) {
      const __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc[r][q], bias)), mult);
      if (ep.out_u8) {
        __m512 u = _mm512_add_ps(t, _mm512_set1_ps(ep.zp));
        u = _mm512_min_ps(_mm512_max_ps(u, _mm512_set1_ps(ep.lo)), _mm512_set1_ps(255.f));
        const __m128i q8 = _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(u));
        _mm_mask_storeu_epi8(ep.out_u8 + (i0 + r) * ep.ldc + j, mask, q8);
      } else {
        _mm512_mask_storeu_ps(ep.out_f32 + (i0 + r) * ep.ldc + j, mask, t);
      }
    }
  }
}

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
    case 4:
      return tile<4, NP>(n, kp, a, lda, b, i0, j0, ep);
    case 5:
      return tile<5, NP>(n, kp, a, lda, b, i0, j0, ep);
    default:
      return tile<6, NP>(n, kp, a, lda, b, i0, j0, ep);
  }
}

void gemm(size_t m, size_t n, size_t k, const uint8_t* a, size_t lda, const void* packed, const Int8Epilogue& ep) {
  const int8_t* b = static_cast<const int8_t*>(packed);
  const size_t kp = int8_k_padded(k), np = panels(n), panel_bytes = kp * kPanel;
  for (size_t p = 0; p < np; p += 3) {
    const size_t left = np - p;
    for (size_t i = 0; i < m; i += 6) {
      const size_t rows = m - i < 6 ? m - i : 6;
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

const Int8GemmKernels kInt8GemmVnni = {"avx512-vnni", packed_bytes, pack, gemm, quantize};

}  // namespace avx512
}  // namespace simdnn

#ifdef __clang__
#pragma clang attribute pop
#endif
