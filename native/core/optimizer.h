// The optimizer driver: owns the optimizer state of a model's tensors and runs
// one fused update over all of them per step (native/kernels/optim_kernels.h).
// Pure C++, no Node-API; the binding copies options into OptimizerConfig.
//
// Formulas: see API.md and optim_kernels.h. Per step, in this order:
//   1. g_i  = gradient + l1*sign(w) + 2*l2*w             (per-tensor Regularizer)
//   2. clip_norm > 0:        g_i *= clip_norm / max(||g_i||, clip_norm)      (Keras `clipnorm`, per tensor)
//      global_clip_norm > 0: g_i *= c / max(sqrt(sum_j ||g_j||^2), c)        (Keras `global_clipnorm`)
//   3. clip_value > 0:       g_i = clamp(g_i, -clip_value, clip_value)       (Keras `clipvalue`)
//   4. decoupled decay (AdamW, or weight_decay on any optimizer): w -= lr*weight_decay*w
//   5. the optimizer rule with g_i, lr from the schedule at the current iteration.
// The regularizer gradient comes before clipping because in Keras the
// regularization loss is part of the loss whose gradient the optimizer clips.
//
// Threads: one parallel region per step over all tensors together: the
// concatenated parameters are cut into chunks of 32768 floats that the threads
// take dynamically (a thread the OS delays does not hold up the step); the step
// runs inline when the model has fewer than 65536 parameters in all. Norms are
// summed per fixed block of 16384 floats, never per thread, so results are
// bitwise identical for any thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "schedule.h"

namespace simdnn {

enum class OptimizerKind : int { Sgd = 0, Adam, AdamW, RmsProp, Adagrad };  // gd is Sgd (full batch)

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Sgd;
  float learning_rate = 0.01f;  // base learning rate; the schedule scales it
  // sgd
  float momentum = 0;  // >= 0; 0 keeps no state
  bool nesterov = false;
  // adam, adamw
  float beta1 = 0.9f, beta2 = 0.999f;  // in [0, 1)
  bool amsgrad = false;
  // adam, adamw, rmsprop, adagrad
  float epsilon = 1e-7f;  // >= 0
  // decoupled weight decay: w -= lr * weight_decay * w before the update
  // (AdamW's weightDecay; also accepted by the other optimizers, as Keras 3 does)
  float weight_decay = 0;
  // rmsprop
  float rho = 0.9f;  // in [0, 1)
  // adagrad
  float initial_accumulator = 0.1f;  // >= 0
  // clipping (0 = off); clip_norm and global_clip_norm exclude each other
  float clip_norm = 0, global_clip_norm = 0, clip_value = 0;
  LrSchedule schedule;
};

// Throws std::invalid_argument naming the option (JS spelling) and the value.
void validate(const OptimizerConfig& config);

struct Regularizer {
  float l1 = 0, l2 = 0;  // loss l1*sum|w| + l2*sum w^2; gradient l1*sign(w) + 2*l2*w
};

// l1*sum|w| + l2*sum w^2 over w[0, n), in double over fixed blocks (SIMD, and
// split across the compute pool when large; identical for any thread count).
double regularization_loss(const Kernels& k, const float* w, size_t n, const Regularizer& r);

class Optimizer {
 public:
  // Validates config (std::invalid_argument). k: kernel table, default kernels().
  explicit Optimizer(const OptimizerConfig& config, const Kernels* k = nullptr);
  ~Optimizer();
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Registers a tensor of n floats, allocates its state (64-byte aligned,
  // std::bad_alloc on failure) and returns its index (0, 1, ...).
  size_t add_param(size_t n);
  size_t num_params() const;
  size_t param_size(size_t index) const;
  // A frozen tensor is skipped by step(): not written (not even w_out), its
  // state kept, and left out of the gradient norms that clipping uses.
  void set_frozen(size_t index, bool frozen);

  // One update of every registered tensor: w[i] and g[i] point to
  // param_size(i) floats (g is not modified); regs is nullptr (no
  // regularization) or num_params() entries. Throws std::invalid_argument for
  // a null pointer or a negative / non-finite regularizer; nothing is updated then.
  void step(float* const* w, const float* const* g, const Regularizer* regs = nullptr);
  // The same, out of place: reads the weights from w[i] and writes the new
  // ones to w_out[i] (param_size(i) floats each, not overlapping w[i]), so
  // that w keeps the old weights (the trainer double-buffers them). The
  // optimizer state and the step count advance as with step().
  void step(const float* const* w, float* const* w_out, const float* const* g, const Regularizer* regs = nullptr);

  // Completed steps; the next step uses t = iterations() + 1.
  int64_t iterations() const;
  void set_iterations(int64_t t);  // for restore; >= 0
  // The learning rate the next step will use (schedule at iterations()).
  float learning_rate_at_step() const;
  // Base learning rate (ReduceLROnPlateau changes it); >= 0 and finite.
  float learning_rate() const;
  void set_learning_rate(float lr);
  const OptimizerConfig& config() const;
  // Tensors with at least this many floats in total run on several threads
  // (default 65536; tests lower it). 0 restores the default.
  void set_parallel_threshold(size_t n);

  // Optimizer state for save / resume: named float buffers per tensor, in
  // registration order, with these names:
  //   sgd (momentum > 0): "momentum";  adam / adamw: "m", "v" (+ "vmax" with amsgrad);
  //   rmsprop: "v";  adagrad: "accumulator".
  // data is read / write: restore by writing into it (and set_iterations).
  struct StateView {
    std::string name;
    size_t param;
    float* data;
    size_t n;
  };
  std::vector<StateView> state();
  // Zeroes the state (adagrad: initial_accumulator) and the step count.
  void reset();
  // Bytes of optimizer state allocated (for napi_adjust_external_memory).
  size_t state_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace simdnn
