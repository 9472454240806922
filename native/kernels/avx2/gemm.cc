// AVX2 + FMA GEMM kernels. 6 x 16 register tile: 12 accumulators + 2 B
// vectors + 1 broadcast of the 16 ymm registers. KC x NR of B (16 KiB) stays
// in L1, the MC x KC block of A (144 KiB) in L2.
#include "../vec/vec_avx2.h"

namespace simdnn {
namespace avx2 {
namespace {

// Packs 6 rows of op(A) = A (row i at src + i * lda) over kc columns into a
// k-major panel: dst[p * 6 + i]. Transposes 6 x 8 blocks in registers; a
// scalar gather costs ~3x more (six 4 KiB-strided streams of single floats).
void pack_a_rows6(size_t kc, const float* src, size_t lda, float* dst) {
  size_t p = 0;
  for (; p + 8 <= kc; p += 8, dst += 48) {
    // Six streams 4 KiB or so apart are more than the hardware prefetcher
    // follows: fetch each row 512 bytes ahead.
    for (size_t i = 0; i < 6; ++i) __builtin_prefetch(src + i * lda + p + 128);
    const __m256 r0 = _mm256_loadu_ps(src + p), r1 = _mm256_loadu_ps(src + lda + p);
    const __m256 r2 = _mm256_loadu_ps(src + 2 * lda + p), r3 = _mm256_loadu_ps(src + 3 * lda + p);
    const __m256 r4 = _mm256_loadu_ps(src + 4 * lda + p), r5 = _mm256_loadu_ps(src + 5 * lda + p);
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);  // p 0,1 | 4,5 and 2,3 | 6,7
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    const __m256 q0 = _mm256_shuffle_ps(t0, t2, 0x44), q1 = _mm256_shuffle_ps(t0, t2, 0xEE);  // rows 0-3, p 0|4, 1|5
    const __m256 q2 = _mm256_shuffle_ps(t1, t3, 0x44), q3 = _mm256_shuffle_ps(t1, t3, 0xEE);  // p 2|6, 3|7
    const __m128 lo4 = _mm256_castps256_ps128(t4), hi4 = _mm256_extractf128_ps(t4, 1);
    const __m128 lo5 = _mm256_castps256_ps128(t5), hi5 = _mm256_extractf128_ps(t5, 1);
    _mm_storeu_ps(dst + 0, _mm256_castps256_ps128(q0));
    _mm_storel_pi((__m64*)(dst + 4), lo4);
    _mm_storeu_ps(dst + 6, _mm256_castps256_ps128(q1));
    _mm_storeh_pi((__m64*)(dst + 10), lo4);
    _mm_storeu_ps(dst + 12, _mm256_castps256_ps128(q2));
    _mm_storel_pi((__m64*)(dst + 16), lo5);
    _mm_storeu_ps(dst + 18, _mm256_castps256_ps128(q3));
    _mm_storeh_pi((__m64*)(dst + 22), lo5);
    _mm_storeu_ps(dst + 24, _mm256_extractf128_ps(q0, 1));
    _mm_storel_pi((__m64*)(dst + 28), hi4);
    _mm_storeu_ps(dst + 30, _mm256_extractf128_ps(q1, 1));
    _mm_storeh_pi((__m64*)(dst + 34), hi4);
    _mm_storeu_ps(dst + 36, _mm256_extractf128_ps(q2, 1));
    _mm_storel_pi((__m64*)(dst + 40), hi5);
    _mm_storeu_ps(dst + 42, _mm256_extractf128_ps(q3, 1));
    _mm_storeh_pi((__m64*)(dst + 46), hi5);
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
#define SIMDNN_GEMM_KC 256
#define SIMDNN_GEMM_MC 144
#define SIMDNN_GEMM_NC 4080
#define SIMDNN_GEMM_PACK_A_FULL pack_a_rows6
#define SIMDNN_GEMM_PACK_B_TRANS_FULL pack_b_trans16
#include "../generic/gemm.inl"
