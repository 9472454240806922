// The int8 GEMM epilogue on 4 int32 accumulators (NEON), shared by the
// widening and the sdot kernels: the operations of generic/int8_epilogue.h
// lane by lane, stores of `cols` <= 4 columns.
#pragma once
#include <arm_neon.h>

#include <cstring>

#include "../generic/int8_epilogue.h"
#include "../int8_kernels.h"

namespace simdnn {
namespace neon {

static inline void int8_store4(const Int8Epilogue& ep, size_t i, size_t j, size_t cols, int32x4_t acc) {
  int32x4_t bias;
  float32x4_t mult;
  if (cols == 4) {
    bias = vld1q_s32(ep.bias + j);
    mult = vld1q_f32(ep.mult + j);
  } else {
    int32_t b[4] = {0, 0, 0, 0};
    float m[4] = {0, 0, 0, 0};
    std::memcpy(b, ep.bias + j, cols * sizeof(int32_t));
    std::memcpy(m, ep.mult + j, cols * sizeof(float));
    bias = vld1q_s32(b);
    mult = vld1q_f32(m);
  }
  const float32x4_t t = vmulq_f32(vcvtq_f32_s32(vaddq_s32(acc, bias)), mult);
  if (ep.out_u8) {
    float32x4_t u = vaddq_f32(t, vdupq_n_f32(ep.zp));
    u = vminq_f32(vmaxq_f32(u, vdupq_n_f32(ep.lo)), vdupq_n_f32(255.f));
    const uint16x4_t w16 = vqmovun_s32(vcvtnq_s32_f32(u));
    const uint8x8_t b8 = vqmovn_u16(vcombine_u16(w16, w16));
    uint8_t tmp[8];
    vst1_u8(tmp, b8);
    std::memcpy(ep.out_u8 + i * ep.ldc + j, tmp, cols);
  } else {
    float* dst = ep.out_f32 + i * ep.ldc + j;
    if (cols == 4) {
      vst1q_f32(dst, t);
    } else {
      float tmp[4];
      vst1q_f32(tmp, t);
      std::memcpy(dst, tmp, cols * sizeof(float));
    }
  }
}

// Int8GemmKernels::quantize, 8 floats at a time: the reference's operations lane by lane. The clamps
// to +-1e6 are compare-and-select (fmax would return NaN for a NaN; the reference turns it into -1e6).
static inline void int8_quantize8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y) {
  const float32x4_t s = vdupq_n_f32(scale), lo = vdupq_n_f32(-1e6f), hi = vdupq_n_f32(1e6f),
                    magic = vdupq_n_f32(12582912.f), zp = vdupq_n_f32((float)zero_point), zero = vdupq_n_f32(0.f),
                    top = vdupq_n_f32(255.f);
  auto q4 = [&](const float* p) {
    float32x4_t t = vdivq_f32(vld1q_f32(p), s);
    t = vbslq_f32(vcgeq_f32(t, lo), t, lo);
    t = vbslq_f32(vcleq_f32(t, hi), t, hi);
    t = vaddq_f32(vsubq_f32(vaddq_f32(t, magic), magic), zp);
    t = vminq_f32(vmaxq_f32(t, zero), top);
    return vmovn_u32(vcvtq_u32_f32(t));  // an integer in [0, 255]: the conversion is exact
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) vst1_u8(y + i, vmovn_u16(vcombine_u16(q4(x + i), q4(x + i + 4))));
  if (i < n) int8_quantize_ref(x + i, n - i, scale, zero_point, y + i);
}

}  // namespace neon
}  // namespace simdnn
