// u8 x s8 GEMM on AVX2 without VNNI, through 16-bit products: activations
// are widened to u16 and weights are stored as s16, and vpmaddwd adds pairs
// of products into int32 lanes exactly (|a·w| <= 255·127, a pair < 2^16).
// vpmaddubsw is not used: it saturates the sum of two u8·s8 products to
// int16, which 255·127·2 exceeds.
// Packed form: panels of 8 columns; in a panel, each pair of k values is
// 32 bytes (column c's two s16 weights at bytes 4c..4c+3), zero past k and n.
// Tiles of up to 4 rows x 16 columns.
#include <immintrin.h>

#include <cstring>

#include "int8_store.h"

namespace simdnn {
namespace avx2 {
namespace {

constexpr size_t kPanel = 8;

size_t panels(size_t n) { return (n + kPanel - 1) / kPanel; }

size_t packed_bytes(size_t k, size_t n) { return panels(n) * int8_k_padded(k) * kPanel * 2; }

void pack(const int8_t* w, size_t k, size_t n, void* packed) {
  int16_t* p = static_cast<int16_t*>(packed);
  const size_t kp = int8_k_padded(k);
  for (size_t pn = 0; pn < panels(n); ++pn)
    for (size_t g = 0; g < kp / 2; ++g)
      for (size_t c = 0; c < kPanel; ++c)
        for (size_t b = 0; b < 2; ++b) {
          const size_t kk = 2 * g + b, j = pn * kPanel + c;
          *p++ = kk < k && j < n ? (int16_t)w[kk * n + j] : 0;
        }
}

template <int MR, int NP>
void tile(size_t n, size_t kp, const uint8_t* a, size_t lda, const int16_t* b, size_t i0, size_t j0,
          const Int8Epilogue& ep) {
  __m256i acc[MR][NP];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NP; ++q) acc[r][q] = _mm256_setzero_si256();
  const size_t panel_elems = kp * kPanel;  // int16 per panel
  for (size_t g = 0; g < kp / 4; ++g) {
    __m256i w0[NP], w1[NP];
    for (int q = 0; q < NP; ++q) {
      const int16_t* bq = b + q * panel_elems + g * 32;
      w0[q] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bq));
      w1[q] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bq + 16));
    }
    for (int r = 0; r < MR; ++r) {
      int32_t quad;
      std::memcpy(&quad, a + r * lda + 4 * g, 4);
      const __m256i x = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(quad)));
      const __m256i x0 = _mm256_shuffle_epi32(x, 0x00), x1 = _mm256_shuffle_epi32(x, 0x55);
      for (int q = 0; q < NP; ++q)
        acc[r][q] =
            _mm256_add_epi32(acc[r][q], _mm256_add_epi32(_mm256_madd_epi16(x0, w0[q]), _mm256_madd_epi16(x1, w1[q])));
    }
  }
  int8_store_tile<MR, NP>(ep, acc, n, i0, j0);
}

template <int NP>
void rows_tail(size_t rows, size_t n, size_t kp, const uint8_t* a, size_t lda, const int16_t* b, size_t i0, size_t j0,
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
  const int16_t* b = static_cast<const int16_t*>(packed);
  const size_t kp = int8_k_padded(k), np = panels(n), panel_elems = kp * kPanel;
  for (size_t p = 0; p < np; p += 2) {
    for (size_t i = 0; i < m; i += 4) {
      const size_t rows = m - i < 4 ? m - i : 4;
      if (np - p >= 2)
        rows_tail<2>(rows, n, kp, a + i * lda, lda, b + p * panel_elems, i, p * kPanel, ep);
      else
        rows_tail<1>(rows, n, kp, a + i * lda, lda, b + p * panel_elems, i, p * kPanel, ep);
    }
  }
}

}  // namespace

const Int8GemmKernels kInt8Gemm = {"avx2-int16", packed_bytes, pack, gemm, int8_quantize8};

}  // namespace avx2
}  // namespace simdnn
