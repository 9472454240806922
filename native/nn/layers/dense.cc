#include "dense.h"

#include <cstring>

#include "core/gemm.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"

namespace simdnn {

Dense::Dense(size_t inputs, size_t units, bool use_bias, Act act)
    : inputs_(inputs), units_(units), use_bias_(use_bias), act_(act) {
  kernel_.rows = inputs;
  kernel_.cols = units;
  kernel_.mutable_value().resize(inputs * units);
  kernel_.grad.resize(inputs * units);
  kernel_.mutable_value().zero();
  kernel_.grad.zero();
  if (use_bias) {
    bias_.rows = 1;
    bias_.cols = units;
    bias_.mutable_value().resize(units);
    bias_.grad.resize(units);
    bias_.mutable_value().zero();
    bias_.grad.zero();
  }
}

void Dense::init(const InitSpec& kernel_init, const InitSpec& bias_init, Rng& rng) {
  initialize(kernel_init, kernel_.mutable_value().data(), inputs_ * units_, inputs_, units_, rng);
  if (use_bias_) initialize(bias_init, bias_.mutable_value().data(), units_, inputs_, units_, rng);
}

std::vector<Param*> Dense::params() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

const float* Dense::packed_kernel(const Kernels& kern, size_t rows) {
  if (!sgemm_packs_b(kern, false, rows, units_, 0.f)) return nullptr;
  if (!packed_if_current(kern)) {
    packed_for_ = nullptr;  // invalid until the copy is complete
    packed_.resize(packed_b_floats(kern, inputs_, units_));
    pack_b_whole(kern, false, inputs_, units_, kernel_.value().data(), units_, packed_.data());
    packed_for_ = &kern;
    packed_version_ = kernel_.version();
  }
  return packed_.data();
}

GemmEpilogue Dense::epilogue(const float* packed_b) const {
  GemmEpilogue ep;
  ep.bias = use_bias_ ? bias_.value().data() : nullptr;
  ep.act = act_;
  ep.packed_b = packed_b;
  return ep;
}

const float* Dense::packed_if_current(const Kernels& kern) const {
  const bool current = packed_for_ == &kern && packed_version_ == kernel_.version() && packed_.size() != 0;
  return current ? packed_.data() : nullptr;
}

void Dense::prepare_predict(size_t block_rows) { packed_kernel(kernels(), block_rows); }

const float* Dense::predict_rows(const float* x, size_t rows, float* y) const {
  const Kernels& kern = kernels();
  // The packed kernel is used by the product only when it packs B (a block
  // with fewer rows may not); nullptr when prepare_predict found no packing
  // worth it.
  const GemmEpilogue ep = epilogue(packed_if_current(kern));
  sgemm_with(kern, 1, false, false, rows, units_, inputs_, 1.f, x, inputs_, kernel_.value().data(), units_, 0.f, y,
             units_, &ep);
  return y;
}

const float* Dense::forward(const float* x, size_t rows, Pass pass, Rng& /*rng*/) {
  const Kernels& kern = kernels();
  GemmEpilogue ep = epilogue(pass != Pass::Train ? packed_kernel(kern, rows) : nullptr);
  if (act_ == Act::Linear || pass == Pass::Predict) {
    // y = act(x W + b), the activation applied in place: no pre-activation
    // is kept (nothing will go backward through a Predict pass).
    y_.resize(rows * units_);
    sgemm_with(kern, num_threads(), false, false, rows, units_, inputs_, 1.f, x, inputs_, kernel_.value().data(),
               units_, 0.f, y_.data(), units_, &ep);
    return y_.data();
  }
  // Keep the pre-activation z for the backward pass and the fused losses.
  z_.resize(rows * units_);
  y_.resize(rows * units_);
  ep.act_out = y_.data();
  ep.ld_act_out = units_;
  sgemm_with(kern, num_threads(), false, false, rows, units_, inputs_, 1.f, x, inputs_, kernel_.value().data(), units_,
             0.f, z_.data(), units_, &ep);
  return y_.data();
}

void Dense::backward(const float* x, float* dy, float* dx, size_t rows, bool preact) {
  const MathKernels& math = kernels().math;
  const size_t n = rows * units_;
  float* dz = dy;
  if (!preact && act_ != Act::Linear) {
    dz_.resize(n);
    if (act_ == Act::Softmax)
      math.softmax_backward_rows(y_.data(), dy, dz_.data(), rows, units_);
    else
      math.act_backward(act_, z_.data(), y_.data(), dy, dz_.data(), n);
    dz = dz_.data();
  }
  // dW = xᵀ · dz   (inputs x units)
  sgemm(true, false, inputs_, units_, rows, 1.f, x, inputs_, dz, units_, 0.f, kernel_.grad.data(), units_);
  if (use_bias_) {
    // db = Σ_rows dz, accumulated in row order (deterministic).
    float* gb = bias_.grad.data();
    std::memset(gb, 0, units_ * sizeof(float));
    const BasicKernels& basic = kernels().basic;
    for (size_t r = 0; r < rows; ++r) basic.axpy(units_, 1.f, dz + r * units_, gb);
  }
  // dx = dz · Wᵀ   (rows x inputs)
  if (dx) sgemm(false, true, rows, inputs_, units_, 1.f, dz, units_, kernel_.value().data(), units_, 0.f, dx, inputs_);
}

}  // namespace simdnn
