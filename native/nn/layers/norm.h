// Normalization layers over channels-last data.
//
// BatchNorm: the input [rows, width] is seen as [rows·width/C, C], C the last
// axis; each channel is normalized over every other axis. In training
// (Pass::Train, trainable) with the batch's mean μ and biased variance σ²,
// and the moving statistics are updated as Keras does:
//   moving = moving·momentum + batch·(1 − momentum);
// otherwise (Eval, Predict, or a frozen layer) with the moving statistics.
//   y = γ·(x − μ)/sqrt(σ² + ε) + β, computed as y = x·a + b (one fused pass).
// The statistics are summed over fixed blocks of rows and the block sums
// added in order, so results do not depend on the thread count.
//
// LayerNorm: each row of [rows·width/F, F] over its F values, with its own
// mean and biased variance, then γ, β per feature; the same in every pass.
#pragma once
#include "nn/layer.h"

namespace simdnn {

class BatchNorm : public Layer {
 public:
  BatchNorm(size_t width, size_t channels, float momentum, float epsilon, bool center, bool scale);
  const char* type() const override { return "batchNormalization"; }
  size_t input_size() const override { return width_; }
  size_t output_size() const override { return width_; }
  const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) override;
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  void prepare_predict(size_t block_rows) override;
  const float* predict_rows(const float* x, size_t rows, float* y) const override;
  std::vector<Param*> params() override;
  std::vector<Param*> state() override { return {&moving_mean_, &moving_var_}; }
  size_t workspace_bytes() const override;

  size_t channels() const { return c_; }
  // The inference-mode transform y = x·a + b per channel, from the moving
  // statistics (a and b hold channels() values each).
  void inference_affine(float* a, float* b) const;
  // Sum of the versions of every tensor the inference transform reads: it
  // changes whenever one of them is written.
  uint64_t inference_version() const;

 private:
  size_t width_, c_;
  float momentum_, epsilon_;
  bool center_, scale_;
  Param gamma_, beta_, moving_mean_, moving_var_;
  AlignedBuffer y_;
  // From the last forward: the mean and 1/sqrt(var + eps) it normalized with,
  // and whether they were the batch's.
  AlignedBuffer mean_, inv_, a_, b_, d_, pa_, pb_;
  AlignedBuffer partial_;  // per-block sums (float), two per channel
  bool used_batch_ = false;
  size_t last_rows_ = 0;

  // Column sums over blocks of rows of x (and dy), reduced in block order
  // into s1, s2 (doubles, C each).
  void column_sums(const float* x, const float* dy, size_t m, const float* shift, double* s1, double* s2);
  void affine(const float* x, size_t m, const float* a, const float* b, float* y, size_t threads) const;
};

class LayerNorm : public Layer {
 public:
  LayerNorm(size_t width, size_t features, float epsilon, bool center, bool scale);
  const char* type() const override { return "layerNormalization"; }
  size_t input_size() const override { return width_; }
  size_t output_size() const override { return width_; }
  const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) override;
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  const float* predict_rows(const float* x, size_t rows, float* y) const override;
  std::vector<Param*> params() override;
  size_t workspace_bytes() const override { return y_.bytes() + xhat_.bytes() + inv_.bytes() + partial_.bytes(); }

 private:
  size_t width_, f_;
  float epsilon_;
  bool center_, scale_;
  Param gamma_, beta_;
  AlignedBuffer ones_, zeros_;  // gamma / beta when absent
  AlignedBuffer y_, xhat_, inv_, partial_;
  const float* gamma() const { return scale_ ? gamma_.value().data() : ones_.data(); }
  const float* beta() const { return center_ ? beta_.value().data() : zeros_.data(); }
};

}  // namespace simdnn
