#include "simple.h"

#include <cstring>

#include "kernels/kernels.h"

namespace simdnn {

const float* Activation::forward(const float* x, size_t rows, Pass, Rng&) {
  last_x_ = x;
  if (act_ == Act::Linear) return x;
  y_.resize(rows * size_);
  return predict_rows(x, rows, y_.data());
}

const float* Activation::predict_rows(const float* x, size_t rows, float* y) const {
  if (act_ == Act::Linear) return x;
  if (act_ == Act::Softmax)
    kernels().math.softmax_rows(x, size_, y, size_, rows, size_);
  else
    kernels().math.act_forward(act_, x, y, rows * size_);
  return y;
}

void Activation::backward(const float* x, float* dy, float* dx, size_t rows, bool preact) {
  if (!dx) return;
  const size_t n = rows * size_;
  if (preact || act_ == Act::Linear) {
    if (dx != dy) std::memcpy(dx, dy, n * sizeof(float));
  } else if (act_ == Act::Softmax) {
    kernels().math.softmax_backward_rows(y_.data(), dy, dx, rows, size_);
  } else {
    kernels().math.act_backward(act_, x, y_.data(), dy, dx, n);
  }
}

const float* Dropout::forward(const float* x, size_t rows, Pass pass, Rng& rng) {
  last_training_ = pass == Pass::Train && rate_ > 0.f;
  if (!last_training_) return x;
  const size_t n = rows * size_;
  y_.resize(n);
  mask_.resize(n);
  const float scale = 1.f / (1.f - rate_);
  float* m = mask_.data();
  // One draw per element from the model's Rng (sequential: deterministic).
  const double keep = 1.0 - (double)rate_;
  for (size_t i = 0; i < n; ++i) m[i] = rng.uniform() < keep ? scale : 0.f;
  const float* mk = m;
  float* y = y_.data();
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * mk[i];
  return y;
}

void Dropout::backward(const float*, float* dy, float* dx, size_t rows, bool) {
  if (!dx) return;
  const size_t n = rows * size_;
  if (!last_training_) {
    if (dx != dy) std::memcpy(dx, dy, n * sizeof(float));
    return;
  }
  const float* m = mask_.data();
  for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * m[i];
}

}  // namespace simdnn

namespace simdnn {

void Reshape::backward(const float*, float* dy, float* dx, size_t rows, bool) {
  if (dx && dx != dy) std::memcpy(dx, dy, rows * size_ * sizeof(float));
}

}  // namespace simdnn
