// u8 x s8 GEMM with the ARMv8.2 dot-product instructions. sdot multiplies
// signed bytes, so each activation a is fed as the signed byte a - 128 (its
// top bit flipped) and 128 · Σ_k w[k, j] is added back: the sums are exact.
// Packed form: int32 128·(column sums) for panels x 16 columns, then panels of
// 16 columns, each group of 4 k values 64 bytes (column c's 4 weights at
// bytes 4c..4c+3), zero past k and n. Tiles of up to 4 rows x 16 columns, k by 16.
#pragma GCC target("arch=armv8.2-a+dotprod")
#include <arm_neon.h>

#include <cstring>

#include "int8_store.h"

namespace simdnn {
namespace neon {
namespace {

constexpr size_t kPanel = 16;

size_t panels(size_t n) { return (n + kPanel - 1) / kPanel; }
size_t header_bytes(size_t n) { return (panels(n) * kPanel * sizeof(int32_t) + 63) / 64 * 64; }

size_t packed_bytes(size_t k, size_t n) { return header_bytes(n) + panels(n) * int8_k_padded(k) * kPanel; }

void pack(const int8_t* w, size_t k, size_t n, void* packed) {
  int32_t* comp = static_cast<int32_t*>(packed);
  std::memset(packed, 0, header_bytes(n));
  for (size_t j = 0; j < n; ++j) {
    int32_t s = 0;
    for (size_t kk = 0; kk < k; ++kk) s += w[kk * n + j];
    comp[j] = 128 * s;
  }
  int8_t* p = static_cast<int8_t*>(packed) + header_bytes(n);
  const size_t kp = int8_k_padded(k);
  for (size_t pn = 0; pn < panels(n); ++pn)
    for (size_t g = 0; g < kp / 4; ++g)
      for (size_t c = 0; c < kPanel; ++c)
        for (size_t b = 0; b < 4; ++b) {
          const size_t kk = 4 * g + b, j = pn * kPanel + c;
          *p++ = kk < k && j < n ? w[kk * n + j] : 0;
        }
}

#define SIMDNN_INT8_GROUP(G)                                                              \
  {                                                                                       \
    int8x16_t wv[4];                                                                      \
    for (int q = 0; q < 4; ++q) wv[q] = vld1q_s8(bp + (kk / 4 + G) * 64 + q * 16);        \
    for (int r = 0; r < MR; ++r)                                                          \
      for (int q = 0; q < 4; ++q) acc[r][q] = vdotq_laneq_s32(acc[r][q], wv[q], x[r], G); \
  }

template <int MR>
void tile(size_t n, size_t kp, const uint8_t* a, size_t lda, const int8_t* bp, const int32_t* comp, size_t i0,
          size_t j0, const Int8Epilogue& ep) {
  int32x4_t acc[MR][4];
  for (int q = 0; q < 4; ++q) {
    const int32x4_t c = vld1q_s32(comp + j0 + 4 * q);
    for (int r = 0; r < MR; ++r) acc[r][q] = c;
  }
  const uint8x16_t flip = vdupq_n_u8(0x80);
  for (size_t kk = 0; kk < kp; kk += 16) {
    int8x16_t x[MR];
    for (int r = 0; r < MR; ++r) x[r] = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(a + r * lda + kk), flip));
    SIMDNN_INT8_GROUP(0)
    SIMDNN_INT8_GROUP(1)
    SIMDNN_INT8_GROUP(2)
    SIMDNN_INT8_GROUP(3)
  }
  const size_t cols = n - j0 < kPanel ? n - j0 : kPanel;
  for (int r = 0; r < MR; ++r)
    for (size_t q = 0; q < 4 && 4 * q < cols; ++q)
      int8_store4(ep, i0 + r, j0 + 4 * q, cols - 4 * q < 4 ? cols - 4 * q : 4, acc[r][q]);
}
#undef SIMDNN_INT8_GROUP

void gemm(size_t m, size_t n, size_t k, const uint8_t* a, size_t lda, const void* packed, const Int8Epilogue& ep) {
  const int32_t* comp = static_cast<const int32_t*>(packed);
  const int8_t* b = static_cast<const int8_t*>(packed) + header_bytes(n);
  const size_t kp = int8_k_padded(k), np = panels(n);
  for (size_t p = 0; p < np; ++p) {
    const int8_t* bp = b + p * kp * kPanel;
    for (size_t i = 0; i < m; i += 4) {
      const uint8_t* ai = a + i * lda;
      switch (m - i < 4 ? m - i : 4) {
        case 1:
          tile<1>(n, kp, ai, lda, bp, comp, i, p * kPanel, ep);
          break;
        case 2:
          tile<2>(n, kp, ai, lda, bp, comp, i, p * kPanel, ep);
          break;
        case 3:
          tile<3>(n, kp, ai, lda, bp, comp, i, p * kPanel, ep);
          break;
        default:
          tile<4>(n, kp, ai, lda, bp, comp, i, p * kPanel, ep);
          break;
      }
    }
  }
}

}  // namespace

const Int8GemmKernels kInt8GemmDot = {"neon-dot", packed_bytes, pack, gemm, int8_quantize8};

}  // namespace neon
}  // namespace simdnn
