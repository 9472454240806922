// u8 x s8 GEMM on NEON without the dot-product extension: activations are
// widened to 16 bits and multiplied by 16-bit weights into int32 lanes
// (smlal by lane), exact.
// Packed form: panels of 8 columns, each k row of a panel 8 int16 weights,
// zero past k and n. Tiles of up to 4 rows x 8 columns, k by 8.
#include <arm_neon.h>

#include "int8_store.h"

namespace simdnn {
namespace neon {
namespace {

constexpr size_t kPanel = 8;

size_t panels(size_t n) { return (n + kPanel - 1) / kPanel; }

size_t packed_bytes(size_t k, size_t n) { return panels(n) * int8_k_padded(k) * kPanel * 2; }

void pack(const int8_t* w, size_t k, size_t n, void* packed) {
  int16_t* p = static_cast<int16_t*>(packed);
  const size_t kp = int8_k_padded(k);
  for (size_t pn = 0; pn < panels(n); ++pn)
    for (size_t kk = 0; kk < kp; ++kk)
      for (size_t c = 0; c < kPanel; ++c) {
        const size_t j = pn * kPanel + c;
        *p++ = kk < k && j < n ? (int16_t)w[kk * n + j] : 0;
      }
}

#define SIMDNN_INT8_LANE(L)                                      \
  {                                                              \
    const int16x8_t wv = vld1q_s16(bp + (kk + L) * kPanel);      \
    for (int r = 0; r < MR; ++r) {                               \
      lo[r] = vmlal_laneq_s16(lo[r], vget_low_s16(wv), x[r], L); \
      hi[r] = vmlal_high_laneq_s16(hi[r], wv, x[r], L);          \
    }                                                            \
  }

template <int MR>
void tile(size_t n, size_t kp, const uint8_t* a, size_t lda, const int16_t* bp, size_t i0, size_t j0,
          const Int8Epilogue& ep) {
  int32x4_t lo[MR], hi[MR];
  for (int r = 0; r < MR; ++r) lo[r] = hi[r] = vdupq_n_s32(0);
  for (size_t kk = 0; kk < kp; kk += 8) {
    int16x8_t x[MR];
    for (int r = 0; r < MR; ++r) x[r] = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(a + r * lda + kk)));
    SIMDNN_INT8_LANE(0)
    SIMDNN_INT8_LANE(1)
    SIMDNN_INT8_LANE(2)
    SIMDNN_INT8_LANE(3)
    SIMDNN_INT8_LANE(4)
    SIMDNN_INT8_LANE(5)
    SIMDNN_INT8_LANE(6)
    SIMDNN_INT8_LANE(7)
  }
  const size_t cols = n - j0 < kPanel ? n - j0 : kPanel;
  for (int r = 0; r < MR; ++r) {
    int8_store4(ep, i0 + r, j0, cols < 4 ? cols : 4, lo[r]);
    if (cols > 4) int8_store4(ep, i0 + r, j0 + 4, cols - 4, hi[r]);
  }
}
#undef SIMDNN_INT8_LANE

void gemm(size_t m, size_t n, size_t k, const uint8_t* a, size_t lda, const void* packed, const Int8Epilogue& ep) {
  const int16_t* b = static_cast<const int16_t*>(packed);
  const size_t kp = int8_k_padded(k), np = panels(n);
  for (size_t p = 0; p < np; ++p) {
    const int16_t* bp = b + p * kp * kPanel;
    for (size_t i = 0; i < m; i += 4) {
      const uint8_t* ai = a + i * lda;
      switch (m - i < 4 ? m - i : 4) {
        case 1:
          tile<1>(n, kp, ai, lda, bp, i, p * kPanel, ep);
          break;
        case 2:
          tile<2>(n, kp, ai, lda, bp, i, p * kPanel, ep);
          break;
        case 3:
          tile<3>(n, kp, ai, lda, bp, i, p * kPanel, ep);
          break;
        default:
          tile<4>(n, kp, ai, lda, bp, i, p * kPanel, ep);
          break;
      }
    }
  }
}

}  // namespace

const Int8GemmKernels kInt8Gemm = {"neon-widen", packed_bytes, pack, gemm, int8_quantize8};

}  // namespace neon
}  // namespace simdnn
