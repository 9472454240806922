// Inference of a 3x3 convolution with stride 1 and dilation 1 by Winograd's
// F(2x2, 3x3) (native/kernels/conv_kernels.h): each 2x2 block of output
// pixels takes 16 multiplications per input channel and filter instead of 36.
// The batch's tiles go through in blocks that stay in L2: the input transform
// writes the block's 16 matrices V_ξ [tiles, C], 16 products with the
// transformed kernel U_ξ [C, F] (packed once per kernel version) give M_ξ,
// and the output transform adds the bias, applies ReLU and writes the pixels.
// Training keeps the direct convolution (conv.h); predict uses this when it
// applies, and SIMDNN_WINOGRAD=0 turns it off.
#pragma once
#include <cstdint>

#include "geometry.h"
#include "kernels/conv_kernels.h"
#include "nn/aligned.h"
#include "nn/layer.h"

namespace simdnn {
struct Kernels;

class WinogradConv {
 public:
  // Input channels below this make products too short to pay for the
  // transforms (a first layer on 1 or 3 channels keeps the direct path).
  static constexpr size_t kMinChannels = 8;
  // Whether a convolution of this geometry and activation can use it (and
  // SIMDNN_WINOGRAD is not 0).
  static bool applies(const WindowGeometry& g, Act act);
  static bool enabled();

  WinogradConv(const WindowGeometry& g, size_t filters);
  // Transforms and packs the kernel [3, 3, C, F] for `kern`, unless that was
  // done for this kernel version already.
  void prepare(const Kernels& kern, const float* kernel, uint64_t version);
  bool ready(const Kernels& kern, uint64_t version) const {
    return for_ == &kern && version_ == version && packed_.size() != 0;
  }
  // y = conv(x) + bias (nullptr: none), then ReLU if relu, for `rows`
  // samples, on at most `threads` threads. prepare() must have run.
  void run(const Kernels& kern, const float* x, size_t rows, const float* bias, bool relu, float* y,
           size_t threads) const;
  size_t bytes() const { return packed_.bytes(); }

 private:
  ConvShape s_;
  AlignedBuffer packed_;  // U_ξ = G g Gᵀ for ξ = 0..15, each packed for the products (packed_stride_ apart)
  size_t packed_stride_ = 0;
  const Kernels* for_ = nullptr;
  uint64_t version_ = 0;

  size_t block_tiles(const Kernels& kern) const;
  void run_block(const Kernels& kern, const float* x, size_t t0, size_t n, size_t cap, const float* bias, bool relu,
                 float* y) const;
};

}  // namespace simdnn
