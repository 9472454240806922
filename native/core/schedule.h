// Learning-rate schedules (Keras / PyTorch semantics), evaluated once per
// optimizer step on the host: they cost nothing next to the update itself.
//
// `step` is the number of updates already done (0 for the first update), the
// same convention as Keras passing `optimizer.iterations` to a schedule.
//   Constant:          lr = base
//   ExponentialDecay:  lr = base * decay_rate ^ (s / decay_steps)      (staircase: floor(s / decay_steps))
//   StepDecay:         lr = base * gamma ^ floor(s / step_size)         (PyTorch StepLR)
//   CosineDecay:       lr = base * ((1 - alpha) * 0.5 * (1 + cos(pi * min(s, decay_steps) / decay_steps)) + alpha)
// Linear warmup (warmup_steps > 0) works with each: for step < warmup_steps
// lr = base * (step + 1) / warmup_steps (the first update already moves; the
// last warmup update uses base), and afterwards the decay above is evaluated
// at s = step - warmup_steps (the decay starts when the warmup ends).
#pragma once
#include <cstdint>

namespace simdnn {

enum class ScheduleKind : int { Constant = 0, ExponentialDecay, StepDecay, CosineDecay };

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::Constant;
  int64_t decay_steps = 1;   // ExponentialDecay, CosineDecay: > 0
  double decay_rate = 1;     // ExponentialDecay: > 0
  bool staircase = false;    // ExponentialDecay
  int64_t step_size = 1;     // StepDecay: > 0
  double gamma = 1;          // StepDecay: > 0
  double alpha = 0;          // CosineDecay: final lr as a fraction of base, in [0, 1]
  int64_t warmup_steps = 0;  // >= 0; 0 = no warmup

  // The learning rate of the update that follows `step` earlier updates.
  float lr_at(int64_t step, float base_lr) const;
  // Throws std::invalid_argument naming the field when a parameter is out of range.
  void validate() const;

  static LrSchedule constant(int64_t warmup_steps = 0);
  static LrSchedule exponential_decay(int64_t decay_steps, double decay_rate, bool staircase = false,
                                      int64_t warmup_steps = 0);
  static LrSchedule step_decay(int64_t step_size, double gamma, int64_t warmup_steps = 0);
  static LrSchedule cosine_decay(int64_t decay_steps, double alpha = 0, int64_t warmup_steps = 0);
};

}  // namespace simdnn
