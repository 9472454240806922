// Vector wrapper for AArch64 NEON. See vec_avx512.h for the rules.
#pragma once
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

namespace simdnn {
namespace neon {

constexpr size_t kLanes = 4;
using vf = float32x4_t;
using vm = uint32x4_t;

static inline vf vload(const float* p) { return vld1q_f32(p); }
static inline void vstore(float* p, vf v) { vst1q_f32(p, v); }
static inline vf vload_partial(const float* p, size_t n) {
  float t[4] = {0.f, 0.f, 0.f, 0.f};
  for (size_t i = 0; i < n; ++i) t[i] = p[i];
  return vld1q_f32(t);
}
static inline void vstore_partial(float* p, vf v, size_t n) {
  float t[4];
  vst1q_f32(t, v);
  for (size_t i = 0; i < n; ++i) p[i] = t[i];
}
static inline vf vset1(float x) { return vdupq_n_f32(x); }
static inline vf vzero() { return vdupq_n_f32(0.f); }
static inline vf vadd(vf a, vf b) { return vaddq_f32(a, b); }
static inline vf vsub(vf a, vf b) { return vsubq_f32(a, b); }
static inline vf vmul(vf a, vf b) { return vmulq_f32(a, b); }
static inline vf vdiv(vf a, vf b) { return vdivq_f32(a, b); }
static inline vf vfmadd(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
static inline vf vfnmadd(vf a, vf b, vf c) { return vfmsq_f32(c, a, b); }
static inline vf vmax(vf a, vf b) { return vmaxq_f32(a, b); }
static inline vf vmin(vf a, vf b) { return vminq_f32(a, b); }
static inline vf vsqrt(vf a) { return vsqrtq_f32(a); }
static inline vf vabs(vf a) { return vabsq_f32(a); }
static inline vf vneg(vf a) { return vnegq_f32(a); }
static inline vf vround(vf a) { return vrndnq_f32(a); }
static inline vf vfloor(vf a) { return vrndmq_f32(a); }
static inline vf vpow2i(vf n) {
  int32x4_t i = vcvtnq_s32_f32(n);
  return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(i, vdupq_n_s32(127)), 23));
}
static inline vm vlt(vf a, vf b) { return vcltq_f32(a, b); }
static inline vm vle(vf a, vf b) { return vcleq_f32(a, b); }
static inline vm vgt(vf a, vf b) { return vcgtq_f32(a, b); }
static inline vm vge(vf a, vf b) { return vcgeq_f32(a, b); }
static inline vm veq(vf a, vf b) { return vceqq_f32(a, b); }
static inline vm visnan(vf a) { return vmvnq_u32(vceqq_f32(a, a)); }
static inline vf vselect(vm m, vf a, vf b) { return vbslq_f32(m, a, b); }
static inline float vreduce_add(vf a) { return vaddvq_f32(a); }
static inline float vreduce_max(vf a) { return vmaxvq_f32(a); }
static inline vf vcopysign(vf a, vf s) {
  const uint32x4_t sign_bit = vdupq_n_u32(0x80000000u);
  return vbslq_f32(sign_bit, s, a);
}

}  // namespace neon
}  // namespace simdnn
