// Small vector kernels: reductions and axpy-like updates.
#pragma once
#include <cstddef>

namespace simdnn {

struct BasicKernels {
  // sum_i a[i] * b[i]
  float (*dot)(const float* a, const float* b, size_t n);
  // y[i] += alpha * x[i]
  void (*axpy)(size_t n, float alpha, const float* x, float* y);
  // y[i] = alpha * x[i]   (x == y allowed)
  void (*scale)(size_t n, float alpha, const float* x, float* y);
  // sum_i x[i]
  float (*sum)(const float* x, size_t n);
  // sum_i x[i]^2
  float (*sum_squares)(const float* x, size_t n);
};

}  // namespace simdnn
