// Activations, their derivatives, softmax, vector math and losses.
// Every function works on a contiguous range given by the caller; threading is
// the caller's business (native/core), never the kernel's.
#pragma once
#include <cstddef>

namespace simdnn {

// Order is part of the binding's contract (lib/ maps names to these numbers).
enum class Act : int { Linear = 0, Relu, LeakyRelu, Elu, Gelu, Sigmoid, Tanh, Softmax, Softplus };
constexpr int kActCount = 9;

// Losses. The *FromLogits forms take the pre-activation output of the last
// layer (logits) and fuse the sigmoid / softmax into the loss (log-sum-exp).
enum class Loss : int {
  MeanSquaredError = 0,
  MeanAbsoluteError,
  Huber,                          // delta 1
  BinaryCrossentropy,             // on probabilities (clipped to [eps, 1 - eps], eps 1e-7, as Keras)
  CategoricalCrossentropy,        // on probabilities, one-hot (or soft) targets
  SparseCategoricalCrossentropy,  // on probabilities, targets are class ids stored as float
  BinaryCrossentropyFromLogits,
  CategoricalCrossentropyFromLogits,
  SparseCategoricalCrossentropyFromLogits,
};
constexpr int kLossCount = 9;

struct MathKernels {
  // y[i] = f(x[i]) for every activation but Softmax (x == y allowed).
  void (*act_forward)(Act act, const float* x, float* y, size_t n);
  // dx[i] = dy[i] * f'(x[i]), with x the pre-activation and y = f(x) (either
  // may be used; both are given). dx == dy allowed. Not for Softmax.
  void (*act_backward)(Act act, const float* x, const float* y, const float* dy, float* dx, size_t n);
  // Row-wise softmax, max-subtracted: y[r, :] = softmax(x[r, :]). x == y allowed.
  void (*softmax_rows)(const float* x, size_t ldx, float* y, size_t ldy, size_t rows, size_t cols);
  // Softmax backward without a fused loss: dx = y * (dy - sum(dy * y)) per row.
  void (*softmax_backward_rows)(const float* y, const float* dy, float* dx, size_t rows, size_t cols);

  // Vector math used by the activations, exposed for accuracy tests.
  void (*vexp)(const float* x, float* y, size_t n);
  void (*vlog)(const float* x, float* y, size_t n);
  void (*vtanh)(const float* x, float* y, size_t n);
  void (*verf)(const float* x, float* y, size_t n);

  // Loss of a batch: out and target are rows x cols, contiguous (for the
  // Sparse forms target has `rows` class ids as floats). sample_weight is
  // `rows` weights or nullptr (all 1). Returns (1/rows) * sum_r w_r * l_r where
  // l_r is the loss of sample r (MSE/MAE/Huber/BCE: mean over its cols; CE: the
  // sum over classes). When grad is not null it receives d(return)/d(out),
  // rows x cols (for the FromLogits forms, d/d logits). Accumulates in double.
  double (*loss)(Loss loss, const float* out, const float* target, const float* sample_weight, float* grad, size_t rows,
                 size_t cols);
};

}  // namespace simdnn
