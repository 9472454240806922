// Convolution over channels-last samples (conv2d; conv1d is h = 1) as an
// implicit GEMM: the rows of the product are output pixels, its k dimension
// the kernel taps x input channels, in the order of the kernel
// [kh, kw, in, filters], which is therefore the B matrix as stored.
//   forward:  Y[pixels, F]  = patches(X)[pixels, K] · W[K, F] (+ bias, activation)
//   weights:  dW[K, F]      = Σ patches(X)ᵀ · dZ
//   input:    dX            = scatter(dZ · Wᵀ)
// Patches are gathered per block of output pixels into a per-thread buffer
// that stays in L2 (never a whole-batch im2col); a 1x1 convolution with
// stride 1 is a plain product on the input itself.
#pragma once
#include <memory>

#include "conv_winograd.h"
#include "core/gemm.h"
#include "geometry.h"
#include "nn/init.h"
#include "nn/layer.h"

namespace simdnn {
struct Kernels;

class Conv : public Layer {
 public:
  Conv(const WindowGeometry& g, size_t filters, bool use_bias, Act act);
  const char* type() const override { return "conv"; }
  size_t input_size() const override { return g_.in_size(); }
  size_t output_size() const override { return g_.pixels() * filters_; }
  const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) override;
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  void prepare_predict(size_t block_rows) override;
  const float* predict_rows(const float* x, size_t rows, float* y) const override;
  // Softmax over the filters of each pixel equals the softmax of the whole
  // output only when there is one pixel: only then may a loss fuse it.
  Act output_activation() const override { return g_.pixels() == 1 || act_ != Act::Softmax ? act_ : Act::Linear; }
  // (ReLU is applied in place: it has no separate pre-activation, and no
  // loss fuses it.)
  const float* preactivation() const override { return act_ == Act::Linear || act_ == Act::Relu ? nullptr : z_.data(); }
  std::vector<Param*> params() override;
  size_t workspace_bytes() const override {
    return z_.bytes() + y_.bytes() + dz_.bytes() + packed_.bytes() + partial_.bytes() + packed_t_.bytes() +
           (winograd_ ? winograd_->bytes() : 0);
  }

  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }
  void init(const InitSpec& kernel_init, const InitSpec& bias_init, Rng& rng);

  // Whether the patches are the input rows themselves (1x1, stride 1).
  bool pointwise() const { return pointwise_; }
  // Output pixels per gathered block (a multiple of the kernels' MR).
  size_t block_pixels(const Kernels& kern) const;

 private:
  WindowGeometry g_;
  size_t filters_, k_;  // k_ = kh * kw * in_c
  bool use_bias_, pointwise_;
  // Few input channels (kernels().conv.direct) instead of the implicit GEMM.
  bool direct_;
  ConvShape shape_;
  Act act_;
  Param kernel_, bias_;
  AlignedBuffer z_, y_, dz_;
  AlignedBuffer partial_;   // per-part weight gradients, reduced in a fixed order
  AlignedBuffer packed_t_;  // Wᵀ packed for the input gradient's products
  // Predict's Winograd path (3x3, stride 1, dilation 1, enough channels,
  // linear or ReLU), or nullptr.
  std::unique_ptr<WinogradConv> winograd_;

  // Rows [p0, p0 + n) of the patch matrix of `x` (whole batch, pixel index
  // over samples) into dst (n x k_).
  void gather(const float* x, size_t p0, size_t n, float* dst) const;
  // Adds rows [p0, p0 + n) of a patch-shaped gradient back onto dx.
  void scatter_add(const float* dp, size_t p0, size_t n, float* dx) const;
  // Y rows [p0, p0 + n) of the forward product, on the calling thread.
  void forward_block(const Kernels& kern, const float* x, size_t p0, size_t n, float* z, float* act_out,
                     const float* packed) const;
  void run_forward(const float* x, size_t rows, float* z, float* act_out, const float* packed, size_t threads) const;
  // Predict's Winograd path into y (winograd_ prepared for the current kernel).
  void run_winograd(const Kernels& kern, const float* x, size_t rows, float* y, size_t threads) const;

  const float* packed_kernel(const Kernels& kern);
  const float* packed_if_current(const Kernels& kern) const;
  AlignedBuffer packed_;
  const Kernels* packed_for_ = nullptr;
  uint64_t packed_version_ = 0;
};

}  // namespace simdnn
