// AVX2 + FMA GEMM kernels. 6 x 16 register tile: 12 accumulators + 2 B
// vectors + 1 broadcast of the 16 ymm registers. KC x NR of B stays in L1,
// the MC x KC block of A in L2 (sizes derived from the caches:
// native/core/cache_blocking.cc). On Zen 3 (32 KiB L1d, 512 KiB L2) that is
// KC = 264, MC = 144: 264 rather than 256 makes k = 784 (the 784-input
// layers) 3 blocks of 264, not 4 of 200: fewer tile stores per multiply-add,
// +1% on 128 and 256 x 256 x 784 (in one process, in turn, several runs).
#include "../vec/vec_avx2.h"

namespace simdnn {
namespace avx2 {
namespace {

// Packs 6 rows of op(A) = A (row i at src + i * lda) over kc columns into a
// k-major panel: dst[p * 6 + i]. Per 8 steps of k: rows 0-3 transposed 4 x 4
// within each 128-bit lane, rows 4-5 interleaved, and the 48 floats written
// as six whole 32-byte vectors (steps 0-3 from the low lanes, 4-7 from the
// high ones). A scalar gather costs ~3x more (six 4 KiB-strided streams of
// single floats); writing 16- and 8-byte pieces instead (16 stores per 48
// floats) took 15-23% more time per float (measured packing 256 x 784).
void pack_a_rows6(size_t kc, const float* src, size_t lda, float* dst) {
  size_t p = 0;
  for (; p + 8 <= kc; p += 8, dst += 48) {
    // Six streams 4 KiB or so apart are more than the hardware prefetcher
    // follows: fetch each row 512 bytes ahead.
    for (size_t i = 0; i < 6; ++i) __builtin_prefetch(src + i * lda + p + 128);
    const __m256 r0 = _mm256_loadu_ps(src + p), r1 = _mm256_loadu_ps(src + lda + p);
    const __m256 r2 = _mm256_loadu_ps(src + 2 * lda + p), r3 = _mm256_loadu_ps(src + 3 * lda + p);
    const __m256 r4 = _mm256_loadu_ps(src + 4 * lda + p), r5 = _mm256_loadu_ps(src + 5 * lda + p);
    // cJ: rows 0-3 at step J (low lane) and 4 + J (high lane).
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    const __m256 c0 = _mm256_shuffle_ps(t0, t2, 0x44), c1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 c2 = _mm256_shuffle_ps(t1, t3, 0x44), c3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    // Rows 4-5 at steps 0, 1 (u01) and 2, 3 (u23) in the low lane; 4-7 in the high lane.
    const __m256 u01 = _mm256_unpacklo_ps(r4, r5), u23 = _mm256_unpackhi_ps(r4, r5);
    const __m256 s0 = _mm256_shuffle_ps(u01, c1, 0x44);  // r4 r5 at step 0, r0 r1 at step 1
    const __m256 s1 = _mm256_shuffle_ps(c1, u01, 0xEE);  // r2 r3 r4 r5 at step 1
    const __m256 s2 = _mm256_shuffle_ps(u23, c3, 0x44);  // r4 r5 at step 2, r0 r1 at step 3
    const __m256 s3 = _mm256_shuffle_ps(c3, u23, 0xEE);  // r2 r3 r4 r5 at step 3
    // Steps 0-3 are [c0 s0] [s1 c2] [s2 s3] from the low lanes; steps 4-7 the same from the high lanes.
    _mm256_storeu_ps(dst + 0, _mm256_permute2f128_ps(c0, s0, 0x20));
    _mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(s1, c2, 0x20));
    _mm256_storeu_ps(dst + 16, _mm256_permute2f128_ps(s2, s3, 0x20));
    _mm256_storeu_ps(dst + 24, _mm256_permute2f128_ps(c0, s0, 0x31));
    _mm256_storeu_ps(dst + 32, _mm256_permute2f128_ps(s1, c2, 0x31));
    _mm256_storeu_ps(dst + 40, _mm256_permute2f128_ps(s2, s3, 0x31));
  }
  for (; p < kc; ++p, dst += 6)
    for (size_t i = 0; i < 6; ++i) dst[i] = src[i * lda + p];
}

// Transposes an 8 x 8 block: row r of src (src + r * ld) becomes column r of
// dst (dst + c * ldd).
inline void transpose8(const float* src, size_t ld, float* dst, size_t ldd) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  const __m256 s0 = _mm256_shuffle_ps(t[0], t[2], 0x44), s1 = _mm256_shuffle_ps(t[0], t[2], 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t[1], t[3], 0x44), s3 = _mm256_shuffle_ps(t[1], t[3], 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t[4], t[6], 0x44), s5 = _mm256_shuffle_ps(t[4], t[6], 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t[5], t[7], 0x44), s7 = _mm256_shuffle_ps(t[5], t[7], 0xEE);
  _mm256_storeu_ps(dst + 0 * ldd, _mm256_permute2f128_ps(s0, s4, 0x20));
  _mm256_storeu_ps(dst + 1 * ldd, _mm256_permute2f128_ps(s1, s5, 0x20));
  _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(s2, s6, 0x20));
  _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(s3, s7, 0x20));
  _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(s0, s4, 0x31));
  _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(s1, s5, 0x31));
  _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(s2, s6, 0x31));
  _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(s3, s7, 0x31));
}

// Packs 16 columns of op(B) = B^T (column j at src + j * ldb, contiguous in p)
// into a kc x 16 panel: dst[p * 16 + j].
void pack_b_trans16(size_t kc, const float* src, size_t ldb, float* dst) {
  size_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    transpose8(src + p, ldb, dst + p * 16, 16);
    transpose8(src + 8 * ldb + p, ldb, dst + p * 16 + 8, 16);
  }
  for (; p < kc; ++p)
    for (size_t j = 0; j < 16; ++j) dst[p * 16 + j] = src[j * ldb + p];
}

}  // namespace
}  // namespace avx2
}  // namespace simdnn

#define SIMDNN_ISA_NS avx2
#define SIMDNN_GEMM_MR 6
#define SIMDNN_GEMM_NV 2
#define SIMDNN_GEMM_PACK_A_FULL pack_a_rows6
#define SIMDNN_GEMM_PACK_B_TRANS_FULL pack_b_trans16
#include "../generic/gemm.inl"
