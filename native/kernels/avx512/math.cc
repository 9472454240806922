// AVX-512 math kernels (built with -mavx512f/bw/dq/vl).
#include "../kernels.h"
#include "../vec/vec_avx512.h"

namespace simdnn {
namespace avx512 {
// Unbiased binary exponent of a normal, finite x (sign ignored), as a float.
// (Bit arithmetic rather than getexp, so every ISA rounds identically.)
static inline vf vexponent(vf x) {
  __m512i i = _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(x), 23), _mm512_set1_epi32(0xff));
  return _mm512_cvtepi32_ps(_mm512_sub_epi32(i, _mm512_set1_epi32(127)));
}
// |x| with its exponent field set to 0: in [1, 2) for a normal, finite x.
static inline vf vmantissa(vf x) {
  __m512i i = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x007fffff));
  return _mm512_castsi512_ps(_mm512_or_si512(i, _mm512_set1_epi32(0x3f800000)));
}
}  // namespace avx512
}  // namespace simdnn

#define SIMDNN_ISA_NS avx512
#include "../generic/math.inl"
