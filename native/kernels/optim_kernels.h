// Fused optimizer update kernels of one ISA (filled by fill_optim).
//
// Each update is ONE pass over the weights, the gradient and the optimizer
// state: the gradient is transformed in registers (regularizer gradient, then
// clipping; see OptimStep) and never written back, the decoupled weight decay
// and the optimizer rule follow, and w and the state are stored once.
// Kernels work on a contiguous range [0, n) given by the caller; threading and
// the per-step scalars (bias corrections, learning-rate schedule, clip-by-norm
// factor) are the caller's business (native/core/optimizer.h).
//
// Formulas (t is the step count from 1, g the transformed gradient):
//   sgd:     v = momentum*v + g;  w -= lr*v   (nesterov: w -= lr*(g + momentum*v));
//            velocity == nullptr means momentum 0: w -= lr*g
//   adam:    m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  (amsgrad: vmax = max(vmax, v), used in place of v)
//            w -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
//   rmsprop: v = rho*v + (1-rho)*g^2;  w -= lr*g / (sqrt(v) + eps)
//   adagrad: s += g^2;  w -= lr*g / (sqrt(s) + eps)
// Every kernel first applies the decoupled decay `w -= decay*w` (decay =
// lr*weight_decay; AdamW) when decay != 0, with the gradient transformed from
// the weights before the decay.
#pragma once
#include <cstddef>

namespace simdnn {

// The scalars of one update step, computed once per step by the caller.
struct OptimStep {
  // Gradient transform, applied in this order (Keras semantics: the
  // regularization loss is part of the loss whose gradient is then clipped):
  //   1. g += l1*sign(w) + 2*l2*w        (sign(0) = 0; skipped when l1 == l2 == 0)
  //   2. g *= grad_scale                 (clip-by-norm factor; 1 = off)
  //   3. g = clamp(g, -clip_value, clip_value)   (clip-by-value; 0 = off)
  float l1 = 0, l2 = 0;
  float grad_scale = 1, clip_value = 0;
  float lr = 0;
  float decay = 0;  // lr * weight_decay, applied as w -= decay * w (0 = off)
  // sgd
  float momentum = 0;
  bool nesterov = false;
  // adam / adamw; bias corrections are 1 - beta^t, computed by the caller once per step
  float beta1 = 0.9f, beta2 = 0.999f;
  float bias_correction1 = 1, bias_correction2 = 1;
  // rmsprop
  float rho = 0.9f;
  // adam, rmsprop, adagrad
  float epsilon = 1e-7f;
};

struct OptimKernels {
  // The updates read the weights from w and write the new ones to w_out:
  // either w itself (in place) or n floats that do not overlap w (the
  // trainer's double buffer). The state is updated in place either way.
  // velocity: n floats, or nullptr when momentum is 0.
  void (*sgd)(const OptimStep& s, const float* w, const float* g, float* velocity, size_t n, float* w_out);
  // vmax: n floats for amsgrad, else nullptr.
  void (*adam)(const OptimStep& s, const float* w, const float* g, float* m, float* v, float* vmax, size_t n,
               float* w_out);
  void (*rmsprop)(const OptimStep& s, const float* w, const float* g, float* v, size_t n, float* w_out);
  void (*adagrad)(const OptimStep& s, const float* w, const float* g, float* accumulator, size_t n, float* w_out);
  // sum_i h_i^2, h = g + l1*sign(w) + 2*l2*w (steps 2 and 3 of the transform are
  // not applied): the squared norm clip-by-norm needs. Accumulates in float; the
  // caller keeps n moderate (blocks) and sums blocks in double.
  float (*grad_sum_squares)(const OptimStep& s, const float* w, const float* g, size_t n);
  // *abs_sum = sum_i |w_i|, *square_sum = sum_i w_i^2 (regularization loss), in one pass.
  void (*abs_square_sums)(const float* w, size_t n, float* abs_sum, float* square_sum);
};

}  // namespace simdnn
