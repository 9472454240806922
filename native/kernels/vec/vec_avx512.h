// Vector wrapper for AVX-512 (F/BW/DQ/VL). Included only by translation units
// built with the AVX-512 flags, inside no namespace: it opens its own.
// Everything is static inline in an ISA-specific namespace so the linker never
// merges it with another ISA's copy (no ODR sharing across ISA libraries).
#pragma once
#ifdef SIMDNN_EMULATED_AVX512
// Test builds only (npm run test:avx512-emulated): the AVX-512 intrinsics are
// emulated with AVX2, so the AVX-512 kernels' logic (16 lanes, masks, tails,
// tiles) runs and is tested on a CPU without AVX-512.
#include "avx512_emulation.h"
#else
#include <immintrin.h>
#endif

#include <cstddef>
#include <cstdint>

namespace simdnn {
namespace avx512 {

constexpr size_t kLanes = 16;
using vf = __m512;
using vm = __mmask16;

static inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
static inline void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
static inline vm vtail_mask(size_t n) { return (vm)((1u << n) - 1u); }
// Loads n < kLanes floats, the other lanes are zero; never reads past p + n.
static inline vf vload_partial(const float* p, size_t n) { return _mm512_maskz_loadu_ps(vtail_mask(n), p); }
static inline void vstore_partial(float* p, vf v, size_t n) { _mm512_mask_storeu_ps(p, vtail_mask(n), v); }
static inline vf vset1(float x) { return _mm512_set1_ps(x); }
static inline vf vzero() { return _mm512_setzero_ps(); }
static inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
// a * b + c
static inline vf vfmadd(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
// c - a * b
static inline vf vfnmadd(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }
static inline vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vmin(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vsqrt(vf a) { return _mm512_sqrt_ps(a); }
static inline vf vabs(vf a) { return _mm512_abs_ps(a); }
static inline vf vneg(vf a) {
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
}
// Round to nearest integer (ties to even), result still a float.
static inline vf vround(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf vfloor(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
// 2^n for integral n in [-126, 127] (n given as float).
static inline vf vpow2i(vf n) {
  __m512i i = _mm512_cvtps_epi32(n);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(i, _mm512_set1_epi32(127)), 23));
}
static inline vm vlt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vm vle(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline vm vgt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vm vge(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
static inline vm veq(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline vm visnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
// Lanes of a where m is set, of b elsewhere.
static inline vf vselect(vm m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }
static inline float vreduce_add(vf a) { return _mm512_reduce_add_ps(a); }
static inline float vreduce_max(vf a) { return _mm512_reduce_max_ps(a); }
// Copies the sign of s onto the magnitude of a.
static inline vf vcopysign(vf a, vf s) {
  __m512i sign = _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32(INT32_MIN));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(vabs(a)), sign));
}

}  // namespace avx512
}  // namespace simdnn
