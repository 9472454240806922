// The geometry of a sliding window over channels-last samples [h, w, c]
// (a 1-D sample [steps, c] is h = 1): convolution and pooling share it.
// Output sizes and padding follow TensorFlow's rule, as API.md states:
//   valid: out = floor((in - (k - 1) * d - 1) / s) + 1, no padding;
//   same:  out = ceil(in / s), total padding max((out - 1) * s + (k - 1) * d + 1 - in, 0),
//          the smaller half before (top / left).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

#include "kernels/conv_kernels.h"

namespace simdnn {

struct WindowGeometry {
  size_t in_h = 1, in_w = 1, in_c = 1;
  size_t k_h = 1, k_w = 1;
  size_t s_h = 1, s_w = 1;
  size_t d_h = 1, d_w = 1;
  bool same = false;
  // Derived by resolve().
  size_t pad_t = 0, pad_l = 0, out_h = 1, out_w = 1;

  size_t in_size() const { return in_h * in_w * in_c; }
  size_t pixels() const { return out_h * out_w; }

  // Computes the padding and output sizes; throws std::invalid_argument when
  // the window does not fit or a size is zero. `what` names the layer.
  void resolve(const std::string& what) {
    if (!in_h || !in_w || !in_c || !k_h || !k_w || !s_h || !s_w || !d_h || !d_w)
      throw std::invalid_argument(what + ": sizes, strides and dilation must be at least 1");
    out_h = resolve_axis(in_h, k_h, s_h, d_h, &pad_t, what);
    out_w = resolve_axis(in_w, k_w, s_w, d_w, &pad_l, what);
  }

 private:
  size_t resolve_axis(size_t in, size_t k, size_t s, size_t d, size_t* pad_before, const std::string& what) const {
    const size_t span = (k - 1) * d + 1;
    if (same) {
      const size_t out = (in + s - 1) / s;
      const size_t need = (out - 1) * s + span;
      const size_t total = need > in ? need - in : 0;
      *pad_before = total / 2;
      return out;
    }
    if (span > in)
      throw std::invalid_argument(what + ": the window (" + std::to_string(span) +
                                  " with dilation) is larger than the input (" + std::to_string(in) + ")");
    *pad_before = 0;
    return (in - span) / s + 1;
  }
};

// The convolution kernels' view of a resolved geometry with `filters` outputs.
inline ConvShape conv_shape(const WindowGeometry& g, size_t filters) {
  return ConvShape{g.in_h, g.in_w, g.in_c,  g.out_h, g.out_w,           filters,          g.k_h, g.k_w, g.s_h, g.s_w,
                   g.d_h,  g.d_w,  g.pad_t, g.pad_l, (g.out_h + 1) / 2, (g.out_w + 1) / 2};
}

}  // namespace simdnn
