// Scalar math kernels: the oracle for the SIMD paths (same generic source on a
// one-lane vf, plain C++ without ISA flags).
#include "../kernels.h"
#include "../vec/vec_scalar.h"

namespace simdnn {
namespace scalar {
// Unbiased binary exponent of a normal, finite x (sign ignored), as a float.
static inline vf vexponent(vf x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return (float)((int32_t)((b >> 23) & 0xffu) - 127);
}
// |x| with its exponent field set to 0: in [1, 2) for a normal, finite x.
static inline vf vmantissa(vf x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  b = (b & 0x007fffffu) | 0x3f800000u;
  float r;
  std::memcpy(&r, &b, sizeof r);
  return r;
}
}  // namespace scalar
}  // namespace simdnn

#define SIMDNN_ISA_NS scalar
#include "../generic/math.inl"
