// AArch64 NEON math kernels.
#include "../kernels.h"
#include "../vec/vec_neon.h"

namespace simdnn {
namespace neon {
// Unbiased binary exponent of a normal, finite x (sign ignored), as a float.
static inline vf vexponent(vf x) {
  uint32x4_t b = vandq_u32(vshrq_n_u32(vreinterpretq_u32_f32(x), 23), vdupq_n_u32(0xff));
  return vcvtq_f32_s32(vsubq_s32(vreinterpretq_s32_u32(b), vdupq_n_s32(127)));
}
// |x| with its exponent field set to 0: in [1, 2) for a normal, finite x.
static inline vf vmantissa(vf x) {
  uint32x4_t b = vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x007fffff));
  return vreinterpretq_f32_u32(vorrq_u32(b, vdupq_n_u32(0x3f800000)));
}
}  // namespace neon
}  // namespace simdnn

#define SIMDNN_ISA_NS neon
#include "../generic/math.inl"
