// Max and average pooling over channels-last samples (2-D, and 1-D as h = 1);
// global pooling is a window as large as the input. Max pooling ignores
// padded cells and keeps, in training, the index of each output's maximum
// (the first in window order on ties) for the backward pass; average pooling
// divides by the number of real cells under the window.
#pragma once
#include <cstdint>
#include <vector>

#include "geometry.h"
#include "nn/layer.h"

namespace simdnn {

enum class PoolMode { Max, Average };

class Pool : public Layer {
 public:
  Pool(const WindowGeometry& g, PoolMode mode) : g_(g), mode_(mode) {}
  const char* type() const override { return mode_ == PoolMode::Max ? "maxPooling" : "averagePooling"; }
  size_t input_size() const override { return g_.in_size(); }
  size_t output_size() const override { return g_.pixels() * g_.in_c; }
  const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) override;
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  const float* predict_rows(const float* x, size_t rows, float* y) const override;
  size_t workspace_bytes() const override { return y_.bytes() + argmax_.capacity() * sizeof(uint32_t); }
  // Max pooling right after a ReLU (the network sets it): backward then also
  // applies the ReLU's derivative, so the layer before skips its own pass over
  // its whole output. The derivative at the argmax is 1 where the pooled value
  // is above 0 and 0 elsewhere, the same select as the activation's backward.
  void set_relu_input(bool on) { relu_input_ = on; }

 private:
  WindowGeometry g_;
  PoolMode mode_;
  AlignedBuffer y_;
  std::vector<uint32_t> argmax_;  // per output value: the input offset within its sample
  bool relu_input_ = false;
  // Max-pooling backward of one sample: windows that tile the input without
  // overlap write every input cell once (no zeroing pass, no scattered adds).
  void max_backward_tiled(const uint32_t* argmax, const float* y, const float* dy, float* dx) const;
  void max_backward_scatter(const uint32_t* argmax, const float* y, const float* dy, float* dx) const;
  bool tiled() const;
  // Samples [s0, s1) of x into y (and argmax when not null).
  void run(const float* x, size_t s0, size_t s1, float* y, uint32_t* argmax) const;
};

}  // namespace simdnn
