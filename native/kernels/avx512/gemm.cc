// AVX-512 GEMM kernels. 12 x 32 register tile (the row-major transpose of
// BLIS's 32 x 12 for SKX): 24 accumulators + 2 B vectors + broadcasts of the
// 32 zmm registers. KC is derived from L1 (native/core/cache_blocking.cc) so
// that the KC x 32 B panel fills 3/4 of it: 192 on Zen 4 (32 KiB), 288 on
// Zen 5 (48 KiB).
#include "../vec/vec_avx512.h"

// The register-transpose packing uses shuffles that SIMDe 0.7.4 does not
// emulate: emulated builds (test:avx512-emulated) pack element by element
// (the generic code); the transposes are tested on AVX-512 hardware.
#ifndef SIMDNN_EMULATED_AVX512
namespace simdnn {
namespace avx512 {
namespace {

// Transposes 16 rows of 16 floats in registers: r[i] lane c becomes r[c] lane
// i (unpacks within 128-bit lanes, then 4 x 4 blocks of lanes moved by
// shuffle_f32x4).
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + q], 128-bit lane L: rows 4g..4g+3 of column 4L + q.
  for (int g = 0; g < 16; g += 4) {
    u[g + 0] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
    u[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
    u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
    u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
  }
  for (int q = 0; q < 4; ++q) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88), v1 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xDD);
    const __m512 w0 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88);
    const __m512 w1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xDD);
    r[q] = _mm512_shuffle_f32x4(v0, w0, 0x88);
    r[8 + q] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
    r[4 + q] = _mm512_shuffle_f32x4(v1, w1, 0x88);
    r[12 + q] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
  }
}

// Packs 32 columns of op(B) = B^T (column j at src + j * ldb, contiguous in
// p) into a kc x 32 panel, dst[p * 32 + j], 16 x 16 blocks at a time. The
// element-by-element copy took a third of a 128 x 784 x 256 NT product's
// time on Zen 5 (32 streams of single floats).
void pack_b_trans32(size_t kc, const float* src, size_t ldb, float* dst) {
  size_t p = 0;
  for (; p + 16 <= kc; p += 16)
    for (size_t h = 0; h < 32; h += 16) {
      __m512 r[16];
      for (size_t i = 0; i < 16; ++i) {
        const float* row = src + (h + i) * ldb + p;
        __builtin_prefetch(row + 64);
        r[i] = _mm512_loadu_ps(row);
      }
      transpose16(r);
      for (size_t c = 0; c < 16; ++c) _mm512_storeu_ps(dst + (p + c) * 32 + h, r[c]);
    }
  for (; p < kc; ++p)
    for (size_t j = 0; j < 32; ++j) dst[p * 32 + j] = src[j * ldb + p];
}

// Packs 12 rows of op(A) = A (row i at src + i * lda) over kc columns into a
// k-major panel, dst[p * 12 + i]: 16 steps at a time, the 12 rows (and 4 zero
// ones) transposed in registers; the 16-float stores overlap (step c + 1's
// store overwrites the 4 padding lanes of step c's), the last of a block is
// masked so that nothing past the block is written.
void pack_a_rows12(size_t kc, const float* src, size_t lda, float* dst) {
  size_t p = 0;
  for (; p + 16 <= kc; p += 16) {
    __m512 r[16];
    for (size_t i = 0; i < 12; ++i) {
      const float* row = src + i * lda + p;
      __builtin_prefetch(row + 64);
      r[i] = _mm512_loadu_ps(row);
    }
    for (size_t i = 12; i < 16; ++i) r[i] = _mm512_setzero_ps();
    transpose16(r);
    float* d = dst + p * 12;
    for (size_t c = 0; c < 15; ++c) _mm512_storeu_ps(d + c * 12, r[c]);
    _mm512_mask_storeu_ps(d + 15 * 12, (__mmask16)0x0FFF, r[15]);
  }
  for (; p < kc; ++p)
    for (size_t i = 0; i < 12; ++i) dst[p * 12 + i] = src[i * lda + p];
}

}  // namespace
}  // namespace avx512
}  // namespace simdnn
#endif

#define SIMDNN_ISA_NS avx512
#define SIMDNN_GEMM_MR 12
#define SIMDNN_GEMM_NV 2
#ifndef SIMDNN_EMULATED_AVX512
#define SIMDNN_GEMM_PACK_A_FULL pack_a_rows12
#define SIMDNN_GEMM_PACK_B_TRANS_FULL pack_b_trans32
#endif
#include "../generic/gemm.inl"
