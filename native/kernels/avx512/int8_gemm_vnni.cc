// u8 x s8 GEMM with AVX-512 VNNI: vpdpbusd multiplies 4 adjacent u8 · s8
// pairs and adds them to an int32 lane without any saturating step.
// Packed form: blocks of up to 4 panels of 16 columns (64 columns); in a
// block of P panels, each group of 4 k values is P x 64 bytes (panel q's
// column c's 4 weights at bytes 64q + 4c .. 64q + 4c + 3), zero past k and n,
// so a tile reads its weights as one forward stream.
// Tiles of MR rows x NP panels with MR * NP <= 24 accumulators (6 x 64,
// 8 x 48, 12 x 32, 12 x 16 columns), the rows broadcast 4 bytes at a time.
// The accumulators are named variables, not an array: GCC keeps an array of
// vectors updated by a builtin in memory or copies it every step.
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
constexpr size_t kBlockPanels = 4;

size_t panels(size_t n) { return (n + kPanel - 1) / kPanel; }

size_t packed_bytes(size_t k, size_t n) { return panels(n) * int8_k_padded(k) * kPanel; }

void pack(const int8_t* w, size_t k, size_t n, void* packed) {
  int8_t* p = static_cast<int8_t*>(packed);
  const size_t kp = int8_k_padded(k), np = panels(n);
  for (size_t p0 = 0; p0 < np; p0 += kBlockPanels) {
    const size_t bp = np - p0 < kBlockPanels ? np - p0 : kBlockPanels;
    for (size_t g = 0; g < kp / 4; ++g)
      for (size_t q = 0; q < bp; ++q)
        for (size_t c = 0; c < kPanel; ++c)
          for (size_t b = 0; b < 4; ++b) {
            const size_t kk = 4 * g + b, j = (p0 + q) * kPanel + c;
            *p++ = kk < k && j < n ? w[kk * n + j] : 0;
          }
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

#if defined(__GNUC__)
#define SIMDNN_INLINE inline __attribute__((always_inline))
#else
#define SIMDNN_INLINE inline
#endif

// The epilogue of one row's 16 columns (generic/int8_epilogue.h lane by lane).
// Inlined: a call would clobber every vector register, so the accumulators would be kept in memory.
SIMDNN_INLINE void store16(const Int8Epilogue& ep, size_t i, size_t j, __mmask16 mask, __m512i acc, __m512i bias,
                           __m512 mult) {
  const __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc, bias)), mult);
  if (ep.out_u8) {
    __m512 u = _mm512_add_ps(t, _mm512_set1_ps(ep.zp));
    u = _mm512_min_ps(_mm512_max_ps(u, _mm512_set1_ps(ep.lo)), _mm512_set1_ps(255.f));
    _mm_mask_storeu_epi8(ep.out_u8 + i * ep.ldc + j, mask, _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(u)));
  } else {
    _mm512_mask_storeu_ps(ep.out_f32 + i * ep.ldc + j, mask, t);
  }
}

// The lane mask, bias and multipliers of the 16 columns from j (n columns in all).
SIMDNN_INLINE void col_params(const Int8Epilogue& ep, size_t n, size_t j, __mmask16& mask, __m512i& bias,
                              __m512& mult) {
  const size_t cols = n - j < kPanel ? n - j : kPanel;
  mask = (__mmask16)((1u << cols) - 1u);
  bias = _mm512_maskz_loadu_epi32(mask, ep.bias + j);
  mult = _mm512_maskz_loadu_ps(mask, ep.mult + j);
}

#define SIMDNN_DP(r, q) \
  if constexpr (MR > r && NP > q) c##r##q = _mm512_dpbusd_epi32(c##r##q, x, w##q);
#define SIMDNN_ROW(r)                                               \
  if constexpr (MR > r) {                                           \
    int32_t quad;                                                   \
    std::memcpy(&quad, a + r * lda + 4 * g, 4);                     \
    const __m512i x = _mm512_set1_epi32(quad);                      \
    SIMDNN_DP(r, 0) SIMDNN_DP(r, 1) SIMDNN_DP(r, 2) SIMDNN_DP(r, 3) \
  }
// An empty asm that takes each accumulator in a register: without it GCC
// copies every accumulator twice per step of the loop.
#if defined(__GNUC__)
#define SIMDNN_PIN1(r, q) \
  if constexpr (MR > r && NP > q) asm("" : "+v"(c##r##q));
#else
#define SIMDNN_PIN1(r, q)
#endif
#define SIMDNN_PIN(r) SIMDNN_PIN1(r, 0) SIMDNN_PIN1(r, 1) SIMDNN_PIN1(r, 2) SIMDNN_PIN1(r, 3)
#define SIMDNN_DECL(r) __m512i c##r##0 = z, c##r##1 = z, c##r##2 = z, c##r##3 = z;
#define SIMDNN_ST(r, q) \
  if constexpr (MR > r) store16(ep, i0 + r, j0 + q * kPanel, mask, c##r##q, bias, mult);
#define SIMDNN_STCOL(q)                                                                                               \
  if constexpr (NP > q) {                                                                                             \
    __mmask16 mask;                                                                                                   \
    __m512i bias;                                                                                                     \
    __m512 mult;                                                                                                      \
    col_params(ep, n, j0 + q * kPanel, mask, bias, mult);                                                             \
    SIMDNN_ST(0, q)                                                                                                   \
    SIMDNN_ST(1, q)                                                                                                   \
    SIMDNN_ST(2, q)                                                                                                   \
    SIMDNN_ST(3, q)                                                                                                   \
    SIMDNN_ST(4, q)                                                                                                   \
    SIMDNN_ST(5, q) SIMDNN_ST(6, q) SIMDNN_ST(7, q) SIMDNN_ST(8, q) SIMDNN_ST(9, q) SIMDNN_ST(10, q) SIMDNN_ST(11, q) \
  }

// Rows [i0, i0 + MR) x panels [0, NP) of a block starting at column j0 (n columns in all).
template <int MR, int NP>
void tile(size_t n, size_t kp, const uint8_t* a, size_t lda, const int8_t* b, size_t i0, size_t j0,
          const Int8Epilogue& ep) {
  static_assert(MR <= 12 && NP <= 4 && MR * NP <= 24, "24 accumulators at most");
  const __m512i z = _mm512_setzero_si512();
  SIMDNN_DECL(0);
  SIMDNN_DECL(1);
  SIMDNN_DECL(2);
  SIMDNN_DECL(3);
  SIMDNN_DECL(4);
  SIMDNN_DECL(5);
  SIMDNN_DECL(6);
  SIMDNN_DECL(7);
  SIMDNN_DECL(8);
  SIMDNN_DECL(9);
  SIMDNN_DECL(10);
  SIMDNN_DECL(11);
  const size_t groups = kp / 4;
  for (size_t g = 0; g < groups; ++g, b += NP * 64) {
    __m512i w0 = z, w1 = z, w2 = z, w3 = z;
    if constexpr (NP > 0) w0 = _mm512_loadu_si512(b);
    if constexpr (NP > 1) w1 = _mm512_loadu_si512(b + 64);
    if constexpr (NP > 2) w2 = _mm512_loadu_si512(b + 128);
    if constexpr (NP > 3) w3 = _mm512_loadu_si512(b + 192);
    SIMDNN_ROW(0);
    SIMDNN_ROW(1);
    SIMDNN_ROW(2);
    SIMDNN_ROW(3);
    SIMDNN_ROW(4);
    SIMDNN_ROW(5);
    SIMDNN_ROW(6);
    SIMDNN_ROW(7);
    SIMDNN_ROW(8);
    SIMDNN_ROW(9);
    SIMDNN_ROW(10);
    SIMDNN_ROW(11);
  }
  SIMDNN_PIN(0);
  SIMDNN_PIN(1);
  SIMDNN_PIN(2);
  SIMDNN_PIN(3);
  SIMDNN_PIN(4);
  SIMDNN_PIN(5);
  SIMDNN_PIN(6);
  SIMDNN_PIN(7);
  SIMDNN_PIN(8);
  SIMDNN_PIN(9);
  SIMDNN_PIN(10);
  SIMDNN_PIN(11);
  // Panel by panel, so that few vectors besides the accumulators are live (more would be spilled inside the loop).
  SIMDNN_STCOL(0);
  SIMDNN_STCOL(1);
  SIMDNN_STCOL(2);
  SIMDNN_STCOL(3);
}

#undef SIMDNN_DP
#undef SIMDNN_ROW
#undef SIMDNN_DECL
#undef SIMDNN_PIN
#undef SIMDNN_PIN1
#undef SIMDNN_ST
#undef SIMDNN_STCOL

// Rows per tile for NP panels: 24 accumulators at most, 12 rows at most.
template <int NP>
constexpr int rows_for() {
  return 24 / NP < 12 ? 24 / NP : 12;
}

template <int NP>
void block(size_t m, size_t n, size_t kp, const uint8_t* a, size_t lda, const int8_t* b, size_t j0,
           const Int8Epilogue& ep) {
  constexpr int MR = rows_for<NP>();
  using Tile = void (*)(size_t, size_t, const uint8_t*, size_t, const int8_t*, size_t, size_t, const Int8Epilogue&);
  static constexpr Tile tails[12] = {tile<1, NP>,
                                     tile<(MR > 1 ? 2 : 1), NP>,
                                     tile<(MR > 2 ? 3 : 1), NP>,
                                     tile<(MR > 3 ? 4 : 1), NP>,
                                     tile<(MR > 4 ? 5 : 1), NP>,
                                     tile<(MR > 5 ? 6 : 1), NP>,
                                     tile<(MR > 6 ? 7 : 1), NP>,
                                     tile<(MR > 7 ? 8 : 1), NP>,
                                     tile<(MR > 8 ? 9 : 1), NP>,
                                     tile<(MR > 9 ? 10 : 1), NP>,
                                     tile<(MR > 10 ? 11 : 1), NP>,
                                     tile<(MR > 11 ? 12 : 1), NP>};
  size_t i = 0;
  for (; i + MR <= m; i += MR) tile<MR, NP>(n, kp, a + i * lda, lda, b, i, j0, ep);
  if (i < m) tails[m - i - 1](n, kp, a + i * lda, lda, b, i, j0, ep);
}

void gemm(size_t m, size_t n, size_t k, const uint8_t* a, size_t lda, const void* packed, const Int8Epilogue& ep) {
  const int8_t* b = static_cast<const int8_t*>(packed);
  const size_t kp = int8_k_padded(k), np = panels(n);
  for (size_t p = 0; p < np; p += kBlockPanels) {
    const size_t bp = np - p < kBlockPanels ? np - p : kBlockPanels;
    const int8_t* bb = b + p * kp * kPanel;
    if (bp == 4)
      block<4>(m, n, kp, a, lda, bb, p * kPanel, ep);
    else if (bp == 3)
      block<3>(m, n, kp, a, lda, bb, p * kPanel, ep);
    else if (bp == 2)
      block<2>(m, n, kp, a, lda, bb, p * kPanel, ep);
    else
      block<1>(m, n, kp, a, lda, bb, p * kPanel, ep);
  }
}

}  // namespace

const Int8GemmKernels kInt8GemmVnni = {"avx512-vnni", packed_bytes, pack, gemm, quantize};

}  // namespace avx512
}  // namespace simdnn

#ifdef __clang__
#pragma clang attribute pop
#endif
