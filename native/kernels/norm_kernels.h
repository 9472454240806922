// Kernels of the normalization layers. A batch normalization sees its input
// as a [rows, cols] matrix whose columns are the channels (every position of
// every sample a row); a layer normalization normalizes each row on its own.
#pragma once
#include <cstddef>

namespace simdnn {

struct NormKernels {
  // Column sums over a block of rows, around a per-column shift (which keeps
  // the variance from cancelling): s1[c] = Σ_r (x[r,c] − shift[c]),
  // s2[c] = Σ_r (x[r,c] − shift[c])². Overwrites s1 and s2.
  void (*col_moments)(const float* x, size_t rows, size_t cols, const float* shift, float* s1, float* s2);
  // s1[c] = Σ_r dy[r,c], s2[c] = Σ_r dy[r,c] · (x[r,c] − shift[c]). Overwrites s1 and s2.
  void (*col_grad_sums)(const float* x, const float* dy, size_t rows, size_t cols, const float* shift, float* s1,
                        float* s2);
  // y[r,c] = x[r,c] · a[c] + b[c]   (y may be x)
  void (*col_affine)(const float* x, size_t rows, size_t cols, const float* a, const float* b, float* y);
  // dx[r,c] = dy[r,c] · a[c] + x[r,c] · b[c] + d[c]   (dx may be dy)
  void (*col_affine2)(const float* dy, const float* x, size_t rows, size_t cols, const float* a, const float* b,
                      const float* d, float* dx);
  // Each row over its cols: mean μ, biased variance σ², inv = 1/sqrt(σ² + eps),
  // xhat = (x − μ)·inv (stored when xhat is not nullptr), y = xhat·gamma + beta.
  // inv_out (rows values) is written when not nullptr; y may be x.
  void (*row_norm)(const float* x, size_t rows, size_t cols, float eps, const float* gamma, const float* beta, float* y,
                   float* xhat, float* inv_out);
  // The backward pass of row_norm from its xhat and inv: with g = dy·gamma,
  // dx = inv · (g − mean(g) − xhat · mean(g·xhat)) per row (dx may be dy);
  // dgamma[c] += Σ_r dy·xhat, dbeta[c] += Σ_r dy (in row order).
  void (*row_norm_backward)(const float* xhat, const float* inv, const float* dy, size_t rows, size_t cols,
                            const float* gamma, float* dx, float* dgamma, float* dbeta);
};

}  // namespace simdnn
