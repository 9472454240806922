// Single-precision matrix product, row-major:
//   C = alpha * op(A) * op(B) + beta * C,  op(A) is m x k, op(B) is k x n.
// With trans_a, A is stored k x m (lda >= m); otherwise m x k (lda >= k).
// With trans_b, B is stored n x k (ldb >= k); otherwise k x n (ldb >= n).
// beta == 0 means C is write-only (its old contents, even NaN, are ignored).
// Multi-threaded over the compute pool; work is split over rows/columns of C
// only (never over k), so results do not depend on the thread count.
#pragma once
#include <cstddef>

#include "../kernels/math_kernels.h"

namespace simdnn {
struct Kernels;
}

namespace simdnn {

// Applied to every element of C after the product, while the tile is hot:
//   z = C + bias[j];  C = z (pre-activation);  act_out = act(z).
// If act_out is nullptr the activation is applied in place in C.
// Softmax is applied row-wise and needs the whole row: it is done after the
// product, row by row.
struct GemmEpilogue {
  const float* bias = nullptr;  // n values, or nullptr
  Act act = Act::Linear;
  float* act_out = nullptr;  // m x n with leading dimension ld_act_out, or nullptr
  size_t ld_act_out = 0;
  // op(B) already packed by pack_b_whole (with the same kernel table, op(B),
  // k and n), or nullptr. The product then reads it instead of packing B
  // (when it would pack B at all: sgemm_packs_b). A layer's weights at
  // inference are packed once for many products.
  const float* packed_b = nullptr;
};

// Whether a product of these dimensions packs op(B) (and so would read
// GemmEpilogue::packed_b); the one-row and narrow paths and products of a few
// rows read B in place.
bool sgemm_packs_b(const Kernels& kern, bool trans_b, size_t m, size_t n, float beta);
// Floats pack_b_whole writes for a k x n op(B) with kernel table `kern`.
size_t packed_b_floats(const Kernels& kern, size_t k, size_t n);
// Packs all of op(B) (k x n; with trans_b, B is stored n x k) into dst, in the
// order the product reads it: K block by K block (gemm_k_block), NR-wide
// panels within a block, columns past n zero.
void pack_b_whole(const Kernels& kern, bool trans_b, size_t k, size_t n, const float* b, size_t ldb, float* dst);

void sgemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
           const float* b, size_t ldb, float beta, float* c, size_t ldc, const GemmEpilogue* epilogue = nullptr);

// The same with a given kernel table and at most max_threads threads (tests
// use it to force each ISA and thread count); sgemm uses kernels() and
// num_threads(). An activation other than Linear needs k.math.
// Throws std::bad_alloc / std::length_error if packing memory cannot be had,
// std::invalid_argument for a leading dimension smaller than its row.
void sgemm_with(const Kernels& k, size_t max_threads, bool trans_a, bool trans_b, size_t m, size_t n, size_t k_dim,
                float alpha, const float* a, size_t lda, const float* b, size_t ldb, float beta, float* c, size_t ldc,
                const GemmEpilogue* epilogue = nullptr);

}  // namespace simdnn
