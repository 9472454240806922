#include "init.h"

#include <cmath>

namespace simdnn {
namespace {

// Stddev of a standard normal truncated to [-2, 2].
constexpr double kTruncatedStd = 0.87962566103423978;

double truncated_normal(Rng& rng) {
  for (;;) {
    double x = rng.normal();
    if (x >= -2.0 && x <= 2.0) return x;
  }
}

void fill_uniform(float* w, size_t n, double lo, double hi, Rng& rng) {
  for (size_t i = 0; i < n; ++i) w[i] = (float)(lo + (hi - lo) * rng.uniform());
}

void fill_truncated(float* w, size_t n, double stddev, Rng& rng) {
  const double s = stddev / kTruncatedStd;
  for (size_t i = 0; i < n; ++i) w[i] = (float)(s * truncated_normal(rng));
}

}  // namespace

void initialize(const InitSpec& spec, float* w, size_t n, size_t fan_in, size_t fan_out, Rng& rng) {
  const double fin = (double)(fan_in ? fan_in : 1), fout = (double)(fan_out ? fan_out : 1);
  switch (spec.kind) {
    case Init::GlorotUniform: {
      double limit = std::sqrt(6.0 / (fin + fout));
      fill_uniform(w, n, -limit, limit, rng);
      break;
    }
    case Init::GlorotNormal:
      fill_truncated(w, n, std::sqrt(2.0 / (fin + fout)), rng);
      break;
    case Init::HeUniform: {
      double limit = std::sqrt(6.0 / fin);
      fill_uniform(w, n, -limit, limit, rng);
      break;
    }
    case Init::HeNormal:
      fill_truncated(w, n, std::sqrt(2.0 / fin), rng);
      break;
    case Init::LecunNormal:
      fill_truncated(w, n, std::sqrt(1.0 / fin), rng);
      break;
    case Init::LecunUniform: {
      double limit = std::sqrt(3.0 / fin);
      fill_uniform(w, n, -limit, limit, rng);
      break;
    }
    case Init::Zeros:
      for (size_t i = 0; i < n; ++i) w[i] = 0.f;
      break;
    case Init::Ones:
      for (size_t i = 0; i < n; ++i) w[i] = 1.f;
      break;
    case Init::Constant:
      for (size_t i = 0; i < n; ++i) w[i] = (float)spec.a;
      break;
    case Init::RandomNormal:
      for (size_t i = 0; i < n; ++i) w[i] = (float)(spec.a + spec.b * rng.normal());
      break;
    case Init::RandomUniform:
      fill_uniform(w, n, spec.a, spec.b, rng);
      break;
  }
}

}  // namespace simdnn
