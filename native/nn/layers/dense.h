// y = act(x · W + b), W is [inputs, units] row-major. The forward pass goes
// through the GEMM's fused bias + activation epilogue; the backward pass uses
// the transposed products dW = xᵀ·δ and dx = δ·Wᵀ.
#pragma once
#include "core/gemm.h"
#include "nn/init.h"
#include "nn/layer.h"

namespace simdnn {
struct Kernels;

class Dense : public Layer {
 public:
  Dense(size_t inputs, size_t units, bool use_bias, Act act);
  const char* type() const override { return "dense"; }
  size_t input_size() const override { return inputs_; }
  size_t output_size() const override { return units_; }
  const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) override;
  void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) override;
  void prepare_predict(size_t block_rows) override;
  const float* predict_rows(const float* x, size_t rows, float* y) const override;
  Act output_activation() const override { return act_; }
  const float* preactivation() const override { return act_ == Act::Linear ? nullptr : z_.data(); }
  std::vector<Param*> params() override;
  size_t workspace_bytes() const override { return z_.bytes() + y_.bytes() + dz_.bytes() + packed_.bytes(); }

  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }
  bool use_bias() const { return use_bias_; }
  void init(const InitSpec& kernel_init, const InitSpec& bias_init, Rng& rng);

 private:
  size_t inputs_, units_;
  bool use_bias_;
  Act act_;
  Param kernel_, bias_;
  AlignedBuffer z_, y_, dz_;

  // The kernel packed for the GEMM (pack_b_whole), reused while the kernel
  // table and the kernel's version are those it was packed from. Built for
  // passes that do not train (weights are unchanged between their calls).
  const float* packed_kernel(const Kernels& kern, size_t rows);
  // The packed kernel when it is up to date for kern (else nullptr).
  const float* packed_if_current(const Kernels& kern) const;
  // The product's epilogue: bias, activation, packed kernel (or nullptr).
  GemmEpilogue epilogue(const float* packed_b) const;
  AlignedBuffer packed_;
  const Kernels* packed_for_ = nullptr;
  uint64_t packed_version_ = 0;
};

}  // namespace simdnn
