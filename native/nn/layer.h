// The small interface every layer implements. Layers own their outputs and
// parameters; the Network owns the gradients flowing between layers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aligned.h"
#include "kernels/math_kernels.h"
#include "rng.h"

namespace simdnn {

// One trainable tensor with its gradient and regularization. Its values are
// read through value() and written only through mutable_value(), which moves
// version() on: whatever is derived from the values (a layer's packed copy of
// its weights) compares versions and rebuilds when they differ, so no write
// can leave a stale copy behind.
class Param {
 public:
  const AlignedBuffer& value() const { return value_; }
  AlignedBuffer& mutable_value() {
    ++version_;
    return value_;
  }
  uint64_t version() const { return version_; }

  AlignedBuffer grad;
  float l1 = 0.f, l2 = 0.f;   // regularizer: l1 * sum|w| + l2 * sum w^2
  size_t rows = 0, cols = 0;  // shape (a bias is 1 x units)
  // A frozen tensor (its layer's trainable is false) is not updated by the
  // optimizer: no step, no regularizer gradient, no decay.
  bool frozen = false;

 private:
  AlignedBuffer value_;
  uint64_t version_ = 0;
};

// What a forward pass is for.
enum class Pass {
  Train,    // a training step: dropout on; keeps what backward needs
  Eval,     // losses and gradients without dropout (evaluate,
            // computeGradients): keeps what backward and the fused losses need
  Predict,  // the outputs only: nothing is kept for a backward pass
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual const char* type() const = 0;
  virtual size_t input_size() const = 0;
  virtual size_t output_size() const = 0;
  // Forward pass over `rows` samples; returns the output (rows x output_size),
  // valid until the next forward. May return x itself (identity layers).
  // backward and preactivation() need the last forward not to be a Predict.
  virtual const float* forward(const float* x, size_t rows, Pass pass, Rng& rng) = 0;
  // Backward pass. x is the input of the last forward; dy is dL/d(output)
  // (or dL/d(pre-activation) when preact is true, for the fused output
  // activation) and may be overwritten. Writes dL/dx into dx unless dx is
  // nullptr, and the parameters' gradients (overwritten, not accumulated).
  virtual void backward(const float* x, float* dy, float* dx, size_t rows, bool preact) = 0;
  // Prediction by blocks of rows on several threads at once (Network::predict).
  // prepare_predict runs first, on the calling thread: it builds whatever
  // predict_rows reads besides the parameters (a dense layer's packed kernel
  // for products of block_rows rows). predict_rows then computes the outputs
  // of `rows` samples into y (rows x output_size) on the calling thread alone
  // (no pool) and writes no member: any number of threads may run it at once.
  // It returns y, or x when the layer is the identity in prediction. Its
  // values are bitwise those of forward(x, rows, Pass::Predict).
  virtual void prepare_predict(size_t /*block_rows*/) {}
  virtual const float* predict_rows(const float* x, size_t rows, float* y) const = 0;
  // The activation applied last by this layer (Linear if none).
  virtual Act output_activation() const { return Act::Linear; }
  // The values the output activation was applied to, from the last forward
  // (nullptr when there is no such activation).
  virtual const float* preactivation() const { return nullptr; }
  // Trainable tensors, in the layer's getWeights order.
  virtual std::vector<Param*> params() { return {}; }
  // Tensors the layer updates itself and the optimizer never sees (a batch
  // normalization's moving statistics), listed after params() in getWeights.
  virtual std::vector<Param*> state() { return {}; }
  // Keras's trainable switch: a frozen layer's params() do not move, and a
  // layer may also compute differently (a frozen batch normalization
  // normalizes with its moving statistics in training too).
  virtual void set_trainable(bool trainable) {
    trainable_ = trainable;
    for (Param* p : params()) p->frozen = !trainable;
  }
  bool trainable() const { return trainable_; }
  virtual size_t workspace_bytes() const { return 0; }

 protected:
  bool trainable_ = true;
};

}  // namespace simdnn
