// Layers without parameters: a standalone activation and inverted dropout.
#pragma once
#include "nn/layer.h"

namespace simdnn {

class Activation : public Layer {
 public:
  Activation(size_t size, Act act) : size_(size), act_(act) {}
  const char* type() const override { return "activation"; }
  size_t input_size() const override { return size_; }
  size_t output_size() const override { return size_; }
  const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) override;
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  const float* predict_rows(const float* x, size_t rows, float* y) const override;
  Act output_activation() const override { return act_; }
  const float* preactivation() const override { return last_x_; }
  size_t workspace_bytes() const override { return y_.bytes(); }

 private:
  size_t size_;
  Act act_;
  AlignedBuffer y_;
  const float* last_x_ = nullptr;
};

// Inverted dropout: in training each value is kept with probability 1 - rate
// and scaled by 1 / (1 - rate); outside training it is the identity.
class Dropout : public Layer {
 public:
  Dropout(size_t size, float rate) : size_(size), rate_(rate) {}
  const char* type() const override { return "dropout"; }
  size_t input_size() const override { return size_; }
  size_t output_size() const override { return size_; }
  const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) override;
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  // The identity outside training.
  const float* predict_rows(const float* x, size_t, float*) const override { return x; }
  size_t workspace_bytes() const override { return y_.bytes() + mask_.bytes(); }

 private:
  size_t size_;
  float rate_;
  bool last_training_ = false;
  AlignedBuffer y_, mask_;
};

}  // namespace simdnn

namespace simdnn {

// Flatten and reshape: the data of a batch is one row-major block whatever
// the sample's shape, so both are the identity on it.
class Reshape : public Layer {
 public:
  explicit Reshape(size_t size) : size_(size) {}
  const char* type() const override { return "reshape"; }
  size_t input_size() const override { return size_; }
  size_t output_size() const override { return size_; }
  const float* forward(const float* x, size_t, Pass, Rng&) override { return x; }
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  const float* predict_rows(const float* x, size_t, float*) const override { return x; }

 private:
  size_t size_;
};

}  // namespace simdnn
