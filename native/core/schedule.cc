#include "schedule.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace simdnn {

namespace {

constexpr double kPi = 3.14159265358979323846;

[[noreturn]] void bad(const std::string& name, const std::string& expected, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  throw std::invalid_argument("Expected " + expected + " for " + name + " but received " + buf);
}

}  // namespace

float LrSchedule::lr_at(int64_t step, float base_lr) const {
  if (step < 0) step = 0;
  const double base = base_lr;
  if (warmup_steps > 0) {
    if (step < warmup_steps) return (float)(base * (double)(step + 1) / (double)warmup_steps);
    step -= warmup_steps;
  }
  const double s = (double)step;
  switch (kind) {
    case ScheduleKind::Constant:
      return base_lr;
    case ScheduleKind::ExponentialDecay: {
      double p = s / (double)decay_steps;
      if (staircase) p = std::floor(p);
      return (float)(base * std::pow(decay_rate, p));
    }
    case ScheduleKind::StepDecay:
      return (float)(base * std::pow(gamma, (double)(step / step_size)));
    case ScheduleKind::CosineDecay: {
      const double done = std::fmin(s, (double)decay_steps) / (double)decay_steps;
      const double cosine = 0.5 * (1.0 + std::cos(kPi * done));
      return (float)(base * ((1.0 - alpha) * cosine + alpha));
    }
  }
  return base_lr;
}

void LrSchedule::validate() const {
  if (warmup_steps < 0) bad("warmupSteps", "an integer >= 0", (double)warmup_steps);
  switch (kind) {
    case ScheduleKind::Constant:
      break;
    case ScheduleKind::ExponentialDecay:
      if (decay_steps <= 0) bad("decaySteps", "an integer > 0", (double)decay_steps);
      if (!(decay_rate > 0) || !std::isfinite(decay_rate)) bad("decayRate", "a finite number > 0", decay_rate);
      break;
    case ScheduleKind::StepDecay:
      if (step_size <= 0) bad("stepSize", "an integer > 0", (double)step_size);
      if (!(gamma > 0) || !std::isfinite(gamma)) bad("gamma", "a finite number > 0", gamma);
      break;
    case ScheduleKind::CosineDecay:
      if (decay_steps <= 0) bad("decaySteps", "an integer > 0", (double)decay_steps);
      if (!(alpha >= 0 && alpha <= 1)) bad("alpha", "a number in [0, 1]", alpha);
      break;
    default:
      bad("schedule", "one of constant, exponentialDecay, stepDecay, cosineDecay (0..3)", (double)(int)kind);
  }
}

LrSchedule LrSchedule::constant(int64_t warmup_steps) {
  LrSchedule s;
  s.warmup_steps = warmup_steps;
  return s;
}

LrSchedule LrSchedule::exponential_decay(int64_t decay_steps, double decay_rate, bool staircase, int64_t warmup_steps) {
  LrSchedule s;
  s.kind = ScheduleKind::ExponentialDecay;
  s.decay_steps = decay_steps;
  s.decay_rate = decay_rate;
  s.staircase = staircase;
  s.warmup_steps = warmup_steps;
  return s;
}

LrSchedule LrSchedule::step_decay(int64_t step_size, double gamma, int64_t warmup_steps) {
  LrSchedule s;
  s.kind = ScheduleKind::StepDecay;
  s.step_size = step_size;
  s.gamma = gamma;
  s.warmup_steps = warmup_steps;
  return s;
}

LrSchedule LrSchedule::cosine_decay(int64_t decay_steps, double alpha, int64_t warmup_steps) {
  LrSchedule s;
  s.kind = ScheduleKind::CosineDecay;
  s.decay_steps = decay_steps;
  s.alpha = alpha;
  s.warmup_steps = warmup_steps;
  return s;
}

}  // namespace simdnn
