// A sequential network: layers, the loss (fused with the output activation
// where that is stable), the optimizer, and the whole training step —
// forward, loss, backward, regularization, update — in one call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/optimizer.h"
#include "init.h"
#include "layer.h"
#include "layers/geometry.h"
#include "metrics.h"
#include "rng.h"

namespace simdnn {

enum class LayerType : int {
  Dense = 0,
  Dropout,
  Activation,
  Conv,
  MaxPool,
  AveragePool,
  GlobalAveragePool,
  GlobalMaxPool,
  Reshape,
  BatchNorm,
  LayerNorm,
};
constexpr int kLayerTypeCount = 11;

struct LayerSpec {
  LayerType type = LayerType::Dense;
  size_t units = 0;  // dense: units; conv: filters; reshape: the output width (0: unchecked)
  bool use_bias = true;
  Act act = Act::Linear;  // dense, activation
  float rate = 0.f;       // dropout
  InitSpec kernel_init{Init::GlorotUniform, 0, 0};
  InitSpec bias_init{Init::Zeros, 0, 0};
  Regularizer kernel_reg, bias_reg;
  WindowGeometry geom;  // conv and pooling: the input sample and the window
  // batch / layer normalization (units: the channels, the last axis)
  float momentum = 0.99f, epsilon = 1e-3f;
  bool center = true, scale = true;
  bool trainable = true;  // every layer: Keras's trainable
};

class Network {
 public:
  // Builds the layers and initializes their weights from `seed`.
  Network(size_t input_size, const std::vector<LayerSpec>& specs, uint64_t seed);

  size_t input_size() const { return input_size_; }
  size_t output_size() const { return layers_.empty() ? input_size_ : layers_.back()->output_size(); }
  size_t num_layers() const { return layers_.size(); }
  Layer& layer(size_t i) { return *layers_[i]; }
  // Trainable tensors in order: kernel0, bias0, kernel1, ... (what the
  // optimizer updates, frozen ones skipped).
  const std::vector<Param*>& params() const { return params_; }
  // Every tensor of getWeights, layer by layer: each layer's params() then
  // its state() (a batch normalization's moving statistics).
  const std::vector<Param*>& weights() const { return weights_; }
  // Keras's layer.trainable for layer i.
  void set_trainable(size_t layer, bool trainable);
  // Whether predict folds each batch normalization that follows a linear
  // dense or conv layer into that layer's kernel and bias (default true;
  // tests compare both).
  void set_fold_batch_norm(bool fold) { fold_enabled_ = fold; }
  Rng& rng() { return rng_; }

  // Loss as named by the user; when the output activation allows it the
  // network computes it from the logits (softmax / sigmoid fused).
  void compile(Loss loss, const OptimizerConfig& opt, std::vector<Metric> metrics);
  bool compiled() const { return optimizer_ != nullptr; }
  Loss loss() const { return loss_; }
  Loss effective_loss() const { return effective_loss_; }
  Optimizer& optimizer() { return *optimizer_; }
  const std::vector<Metric>& metric_kinds() const { return metric_kinds_; }
  TargetKind target_kind_of_loss() const { return target_kind(loss_); }

  // Forward pass; returns rows x output_size() (probabilities after a final
  // softmax / sigmoid), valid until the next forward.
  const float* forward(const float* x, size_t rows, Pass pass);

  // Outputs of a Predict pass over `rows` samples, into dst (rows x
  // output_size()), bitwise those of forward(x, rows, Pass::Predict). With
  // several threads and enough rows the samples go in blocks of rows, each
  // block through every layer on one thread (see network.cc); dst may share
  // x's storage (then, or otherwise, layer by layer). Returns whether it ran
  // by blocks (for the tests). last_output() means nothing after it.
  bool predict(const float* x, size_t rows, float* dst);

  // The output of the last forward pass.
  const float* last_output() const { return last_output_; }

  // Forward + loss + backward: every Param's grad receives d(loss)/dw of the
  // batch-mean loss. With include_regularization the regularizers' gradients
  // are added too (computeGradients); training folds them into the optimizer
  // pass instead. Returns the data loss (without regularization terms).
  double forward_backward(const float* x, const float* y, const float* sample_weight, size_t rows, bool training,
                          bool include_regularization);

  // l1 * sum|w| + l2 * sum w^2 over every regularized tensor.
  double regularization_loss() const;

  // One optimizer update from the gradients of the last forward_backward.
  void apply_update();

  // True when every gradient is finite (checked before an update).
  bool gradients_finite() const;
  // True when every weight is finite (checked after an update).
  bool weights_finite() const;
  // Copies the weights aside / back, so that an update that overflows can be
  // undone and training stops with the last finite weights.
  void backup_weights();
  void restore_weights();
  // One optimizer update that keeps the last finite weights: the optimizer
  // writes the new weights into a second buffer per tensor, which replaces
  // the weights (a pointer swap, no copy) only when all of it is finite.
  // Returns false, with the weights unchanged, when the update overflowed
  // (the optimizer state and step count have advanced, as with
  // backup_weights + apply_update + restore_weights). Param::value moves to
  // the other buffer on success: do not keep pointers to it across updates.
  bool apply_update_checked();

  // Bytes of native memory held (weights, gradients, workspaces, optimizer state).
  size_t bytes() const;

 private:
  size_t input_size_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Param*> params_, weights_;
  std::vector<LayerSpec> specs_;
  std::vector<size_t> widths_;  // input width of each layer

  // Batch normalizations folded for prediction: a copy of the dense or conv
  // layer before one (bias always on) whose kernel and bias hold the folded
  // values, rebuilt when a version of the tensors it was folded from moves.
  struct Fold {
    size_t layer;                   // the dense / conv layer; layer + 1 is the batch normalization
    std::unique_ptr<Layer> folded;  // built on the first prediction
    uint64_t version = ~(uint64_t)0;
  };
  std::vector<Fold> folds_;
  // Per layer: its ReLU's backward is done by the max pooling after it.
  std::vector<bool> relu_in_next_;
  bool fold_enabled_ = true;
  std::vector<Layer*> predict_layers_;  // the layers predict runs through
  // Multiply-adds of a forward pass per row (each layer's kernel size times its
  // outputs per kernel column), set when the layers are built: the scale of a
  // prediction's work.
  double macs_per_row_ = 0;
  // Refreshes the folds and returns the layers a prediction runs through.
  const std::vector<Layer*>& predict_layers();
  // How many of seq's first layers predict runs on sub-blocks (0: none).
  size_t wide_prefix(const std::vector<Layer*>& seq) const;
  std::vector<const float*> inputs_;  // input of each layer in the last forward
  std::vector<AlignedBuffer> grads_;  // dL/d(input of layer i), i >= 1
  AlignedBuffer out_grad_;            // dL/d(output or logits)
  const float* last_output_ = nullptr;
  AlignedBuffer predict_scratch_;  // predict's per-thread block buffers
  Rng rng_;
  Loss loss_ = Loss::MeanSquaredError, effective_loss_ = Loss::MeanSquaredError;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<Metric> metric_kinds_;
  std::vector<Regularizer> regs_;
  std::vector<float*> w_ptrs_;
  std::vector<const float*> g_ptrs_;
  std::vector<AlignedBuffer> backup_;
  std::vector<AlignedBuffer> spare_;  // the other half of the weights' double buffer
  std::vector<float*> spare_ptrs_;
};

}  // namespace simdnn
