// AVX2 + FMA math kernels (built with -mavx2 -mfma).
#include "../kernels.h"
#include "../vec/vec_avx2.h"

namespace simdnn {
namespace avx2 {
// Unbiased binary exponent of a normal, finite x (sign ignored), as a float.
static inline vf vexponent(vf x) {
  __m256i i = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(x), 23), _mm256_set1_epi32(0xff));
  return _mm256_cvtepi32_ps(_mm256_sub_epi32(i, _mm256_set1_epi32(127)));
}
// |x| with its exponent field set to 0: in [1, 2) for a normal, finite x.
static inline vf vmantissa(vf x) {
  __m256i i = _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x007fffff));
  return _mm256_castsi256_ps(_mm256_or_si256(i, _mm256_set1_epi32(0x3f800000)));
}
}  // namespace avx2
}  // namespace simdnn

#define SIMDNN_ISA_NS avx2
#include "../generic/math.inl"
