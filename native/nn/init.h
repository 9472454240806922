// Weight initializers, drawn from the model's seeded Rng (Keras semantics).
#pragma once
#include <cstddef>

#include "rng.h"

namespace simdnn {

enum class Init : int {
  GlorotUniform = 0,
  GlorotNormal,
  HeUniform,
  HeNormal,
  LecunNormal,
  Zeros,
  Ones,
  RandomNormal,   // a = mean, b = stddev
  RandomUniform,  // a = min, b = max
  Constant,       // a = value
  LecunUniform,
};

struct InitSpec {
  Init kind = Init::GlorotUniform;
  double a = 0, b = 0;
};

// Fills w (fan_in x fan_out values, or fan_out for a bias) from spec.
// The *Normal variance-scaling initializers use a normal truncated at two
// standard deviations, rescaled so the variance is the intended one (Keras).
void initialize(const InitSpec& spec, float* w, size_t n, size_t fan_in, size_t fan_out, Rng& rng);

}  // namespace simdnn
