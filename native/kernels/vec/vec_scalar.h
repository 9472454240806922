// One-lane "vector" for the scalar reference path: the same generic kernel
// source compiles to plain C++ here, with no SIMD flags. The scalar path is the
// oracle other ISAs are tested against.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace simdnn {
namespace scalar {

constexpr size_t kLanes = 1;
using vf = float;
using vm = bool;

static inline vf vload(const float* p) { return *p; }
static inline void vstore(float* p, vf v) { *p = v; }
static inline vf vload_partial(const float* p, size_t n) { return n ? *p : 0.f; }
static inline void vstore_partial(float* p, vf v, size_t n) {
  if (n) *p = v;
}
static inline vf vset1(float x) { return x; }
static inline vf vzero() { return 0.f; }
static inline vf vadd(vf a, vf b) { return a + b; }
static inline vf vsub(vf a, vf b) { return a - b; }
static inline vf vmul(vf a, vf b) { return a * b; }
static inline vf vdiv(vf a, vf b) { return a / b; }
static inline vf vfmadd(vf a, vf b, vf c) { return std::fma(a, b, c); }
static inline vf vfnmadd(vf a, vf b, vf c) { return std::fma(-a, b, c); }
// Same NaN behaviour as x86 max/min: the second operand when either is NaN.
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }
static inline vf vmin(vf a, vf b) { return a < b ? a : b; }
static inline vf vsqrt(vf a) { return std::sqrt(a); }
static inline vf vabs(vf a) { return std::fabs(a); }
static inline vf vneg(vf a) { return -a; }
static inline vf vround(vf a) { return std::nearbyint(a); }
static inline vf vfloor(vf a) { return std::floor(a); }
static inline vf vpow2i(vf n) {
  uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
  float r;
  std::memcpy(&r, &bits, sizeof r);
  return r;
}
static inline vm vlt(vf a, vf b) { return a < b; }
static inline vm vle(vf a, vf b) { return a <= b; }
static inline vm vgt(vf a, vf b) { return a > b; }
static inline vm vge(vf a, vf b) { return a >= b; }
static inline vm veq(vf a, vf b) { return a == b; }
static inline vm visnan(vf a) { return a != a; }
static inline vf vselect(vm m, vf a, vf b) { return m ? a : b; }
static inline float vreduce_add(vf a) { return a; }
static inline float vreduce_max(vf a) { return a; }
static inline vf vcopysign(vf a, vf s) { return std::copysign(a, s); }

}  // namespace scalar
}  // namespace simdnn
