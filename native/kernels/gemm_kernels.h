// GEMM micro-kernels, packing routines and blocking parameters of one ISA
// (filled by fill_gemm). The driver that runs the five BLIS loops around them
// lives in native/core/gemm.cc.
//
// Layouts (row-major C, op(A) is m x k, op(B) is k x n):
//  - A "k-major" panel: element (i, p) at a[p * sa + i]. A packed MR-row panel
//    has sa = MR (rows past the edge are zero); op(A) = A^T read in place has
//    sa = lda.
//  - A "row-major" panel: element (i, p) at a[i * sa + p] (op(A) = A in place).
//  - B panel: element (p, j) at b[p * sb + j] for j < NR. A packed panel has
//    sb = NR (columns past the edge are zero); op(B) = B read in place has
//    sb = ldb (only for full NR-wide panels: the kernel loads NR columns).
#pragma once
#include <cstddef>

namespace simdnn {

// Largest MR of any ISA (sizes the per-row kernel tables).
constexpr size_t kGemmMaxMr = 12;

// Length of the K blocks of a product over k (kc_max: the ISA's KC): k split
// into ceil(k / kc_max) blocks of equal length (rounded up to a multiple of 8;
// the last takes the rest). A remainder block (784 = 3 x 256 + 16) would pass
// over the whole of C for a few steps of k. Every path (tiles, one row)
// blocks alike, so an element's value does not depend on the path.
inline size_t gemm_k_block(size_t k, size_t kc_max) {
  if (k <= kc_max) return k;
  const size_t blocks = (k + kc_max - 1) / kc_max;
  const size_t len = ((k + blocks - 1) / blocks + 7) / 8 * 8;
  return len < kc_max ? len : kc_max;
}

// How a micro-kernel stores its tile: C = alpha * acc + beta * C (beta == 0:
// C is not read), then C += bias[j] when bias is not null (bias points at the
// tile's first column). With relu set (the last K block of a product whose
// epilogue is ReLU), relu(C) also goes to relu_out (the tile's first element,
// leading dimension ld_relu_out), or replaces C when relu_out is null: the
// activation is applied while the tile is still in registers.
struct GemmTileOut {
  float alpha;
  float beta;
  const float* bias;
  bool relu = false;
  float* relu_out = nullptr;
  size_t ld_relu_out = 0;
};

// Computes the rows x n tile (rows fixed by the kernel, n <= NR) of the product
// of an A panel and a B panel over kc steps and stores it into c (leading
// dimension ldc). Never touches C outside that tile. Each element is one fused
// multiply-add chain over p in order, so its value does not depend on where
// the tile lies or which kernel variant computed it.
typedef void (*GemmMicroKernel)(size_t kc, const float* a, size_t sa, const float* b, size_t sb, float* c, size_t ldc,
                                size_t n, const GemmTileOut* out);

struct GemmKernels {
  // Register tile (fixed by the ISA's kernels) and cache blocking (MC a
  // multiple of MR, NC of NR; derived from the machine's caches at load:
  // native/core/cache_blocking.h).
  size_t mr, nr, kc, mc, nc;
  // Indexed by the number of rows the kernel computes, 1..mr (entry 0 unused):
  // a tile with fewer rows uses a kernel that does no work on padding.
  GemmMicroKernel kmajor[kGemmMaxMr + 1];    // A k-major (packed, or A^T in place)
  GemmMicroKernel rowmajor[kGemmMaxMr + 1];  // A row-major in place
  // Packs op(A)[0:mc, 0:kc] into ceil(mc / MR) k-major panels of MR x kc, one
  // after the other. a points at op(A)(0, 0): without trans op(A)(i, p) =
  // a[i * lda + p], with trans a[p * lda + i].
  void (*pack_a)(bool trans, size_t mc, size_t kc, const float* a, size_t lda, float* dst);
  // Packs op(B)[0:kc, 0:nc] into ceil(nc / NR) panels of kc x NR. Without
  // trans op(B)(p, j) = b[p * ldb + j], with trans b[j * ldb + p].
  void (*pack_b)(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* dst);
  // One row of C (m == 1, op(B) = B in place): C[0, 0:n] = alpha * a . B +
  // beta * C (+ bias), a[p] at a[p * sa]. The same per-element FMA chains and
  // K blocks (gemm_k_block(k, kc_max), kc_max = kc) as the micro-kernels (so
  // the same bits), but with many columns in flight, which hides the FMA
  // latency a one-row tile cannot.
  void (*gemv)(size_t k, size_t kc_max, const float* a, size_t sa, const float* b, size_t ldb, float* c, size_t n,
               float alpha, float beta, const float* bias);
};

}  // namespace simdnn
