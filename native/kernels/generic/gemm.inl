// Generic GEMM micro-kernels and packing, compiled once per ISA. Include after
// the ISA's vec header with SIMDNN_ISA_NS set to its namespace and the
// blocking parameters defined:
//   SIMDNN_GEMM_MR  rows of the register tile (<= kGemmMaxMr)
//   SIMDNN_GEMM_NV  vectors per row of the tile (NR = NV * kLanes)
// (the cache blocking, KC / MC / NC, is derived at load from the machine's
// caches: native/core/cache_blocking.h)
// and optionally ISA-specific packing of full panels (register transposes):
//   SIMDNN_GEMM_PACK_A_FULL(kc, a, lda, dst)        MR rows of A, not
//   transposed SIMDNN_GEMM_PACK_B_TRANS_FULL(kc, b, ldb, dst)  NR rows of B
//   (op(B) = B^T)
// Everything here has internal linkage (anonymous namespace inside the ISA
// namespace), so no copy built with one ISA's flags can replace another's.
#include <cstddef>

#include "../gemm_kernels.h"

namespace simdnn {
namespace SIMDNN_ISA_NS {
namespace {

constexpr size_t kMr = SIMDNN_GEMM_MR;
constexpr size_t kNv = SIMDNN_GEMM_NV;
constexpr size_t kNr = kNv * kLanes;
static_assert(kMr <= kGemmMaxMr, "MR too large for the kernel tables");

// relu(v) exactly as the activation kernels compute it: relu(-0) = 0, relu(NaN) = NaN.
inline vf relu_v(vf v) { return vselect(vle(v, vzero()), vzero(), v); }

// Writes acc (M rows x n columns) into C: C = alpha * acc + beta * C, + bias,
// and the fused ReLU (see GemmTileOut). kFull: n == NR, every vector whole
// (plain loads and stores; masked ones are several times slower on AMD).
// Inlined into the micro-kernels: a call would spill the accumulators (no
// vector register survives a call) and reload them, which shows at small k
// (8-12% at 128 x 128 x 10).
template <bool kFull, bool kRelu, size_t M>
inline __attribute__((always_inline)) void store_rows(vf (&acc)[M][kNv], float* c, size_t ldc, size_t n,
                                                      const GemmTileOut* out) {
  const vf va = vset1(out->alpha);
  const float beta = out->beta;
  const vf vb = vset1(beta);
  const float* bias = out->bias;
  float* ro = kRelu ? out->relu_out : nullptr;
  size_t width[kNv];
  vf bv[kNv];
#pragma GCC unroll 16
  for (size_t j = 0; j < kNv; ++j) {
    const size_t j0 = j * kLanes;
    width[j] = kFull ? kLanes : j0 >= n ? 0 : n - j0 < kLanes ? n - j0 : kLanes;
    bv[j] = !bias || !width[j] ? vzero() : kFull ? vload(bias + j0) : vload_partial(bias + j0, width[j]);
  }
  auto load = [&](const float* p, size_t j) { return kFull ? vload(p) : vload_partial(p, width[j]); };
  auto store = [&](float* p, vf v, size_t j) {
    if (kFull)
      vstore(p, v);
    else
      vstore_partial(p, v, width[j]);
  };
#pragma GCC unroll 16
  for (size_t i = 0; i < M; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 16
    for (size_t j = 0; j < kNv; ++j) {
      if (!kFull && width[j] == 0) continue;
      const size_t j0 = j * kLanes;
      vf r = beta != 0.f ? vfmadd(va, acc[i][j], vmul(vb, load(ci + j0, j))) : vmul(va, acc[i][j]);
      if (bias) r = vadd(r, bv[j]);
      if (!kRelu) {
        store(ci + j0, r, j);
      } else if (ro) {
        store(ci + j0, r, j);
        store(ro + i * out->ld_relu_out + j0, relu_v(r), j);
      } else {
        store(ci + j0, relu_v(r), j);
      }
    }
  }
}

template <size_t M>
inline __attribute__((always_inline)) void store_tile(vf (&acc)[M][kNv], float* c, size_t ldc, size_t n,
                                                      const GemmTileOut* out) {
  if (n == kNr) {
    if (out->relu)
      store_rows<true, true, M>(acc, c, ldc, n, out);
    else
      store_rows<true, false, M>(acc, c, ldc, n, out);
  } else {
    if (out->relu)
      store_rows<false, true, M>(acc, c, ldc, n, out);
    else
      store_rows<false, false, M>(acc, c, ldc, n, out);
  }
}

template <size_t M>
inline void prefetch_tile(float* c, size_t ldc) {
#pragma GCC unroll 16
  for (size_t i = 0; i < M; ++i) {
    __builtin_prefetch(c + i * ldc, 1);
    __builtin_prefetch(c + i * ldc + kNr - 1, 1);
  }
}

// One step of k: acc[i][j] += a[i] * b[j * kLanes ...].
template <size_t M>
inline __attribute__((always_inline)) void kmajor_step(vf (&acc)[M][kNv], const float* a, const float* b) {
  vf bv[kNv];
#pragma GCC unroll 16
  for (size_t j = 0; j < kNv; ++j) bv[j] = vload(b + j * kLanes);
#pragma GCC unroll 16
  for (size_t i = 0; i < M; ++i) {
    const vf ai = vset1(a[i]);
#pragma GCC unroll 16
    for (size_t j = 0; j < kNv; ++j) acc[i][j] = vfmadd(ai, bv[j], acc[i][j]);
  }
}

// A k-major: (i, p) at a[p * sa + i].
template <size_t M>
void tile_kmajor(size_t kc, const float* a, size_t sa, const float* b, size_t sb, float* c, size_t ldc, size_t n,
                 const GemmTileOut* out) {
  vf acc[M][kNv];
#pragma GCC unroll 16
  for (size_t i = 0; i < M; ++i)
#pragma GCC unroll 16
    for (size_t j = 0; j < kNv; ++j) acc[i][j] = vzero();
  prefetch_tile<M>(c, ldc);
  // Unrolled by 4: measured 4-10% faster at 512-2048 on Zen 3 (interleaved
  // with OpenBLAS); by 8 no better. The row-major variant gains nothing.
#pragma GCC unroll 4
  for (size_t p = 0; p < kc; ++p) {
    // The A panel streams from L2 while the B panel stays in L1.
    __builtin_prefetch(a + 16 * sa);
    kmajor_step<M>(acc, a, b);
    a += sa;
    b += sb;
  }
  store_tile<M>(acc, c, ldc, n, out);
}

// A row-major: (i, p) at a[i * sa + p].
template <size_t M>
void tile_rowmajor(size_t kc, const float* a, size_t sa, const float* b, size_t sb, float* c, size_t ldc, size_t n,
                   const GemmTileOut* out) {
  vf acc[M][kNv];
#pragma GCC unroll 16
  for (size_t i = 0; i < M; ++i)
#pragma GCC unroll 16
    for (size_t j = 0; j < kNv; ++j) acc[i][j] = vzero();
  prefetch_tile<M>(c, ldc);
  for (size_t p = 0; p < kc; ++p) {
    vf bv[kNv];
#pragma GCC unroll 16
    for (size_t j = 0; j < kNv; ++j) bv[j] = vload(b + j * kLanes);
#pragma GCC unroll 16
    for (size_t i = 0; i < M; ++i) {
      const vf ai = vset1(a[i * sa + p]);
#pragma GCC unroll 16
      for (size_t j = 0; j < kNv; ++j) acc[i][j] = vfmadd(ai, bv[j], acc[i][j]);
    }
    b += sb;
  }
  store_tile<M>(acc, c, ldc, n, out);
}

void pack_a(bool trans, size_t mc, size_t kc, const float* a, size_t lda, float* dst) {
  for (size_t i0 = 0; i0 < mc; i0 += kMr, dst += kMr * kc) {
    const size_t rows = mc - i0 < kMr ? mc - i0 : kMr;
    if (trans && rows == kMr) {
      const float* src = a + i0;
      for (size_t p = 0; p < kc; ++p, src += lda) {
        float* d = dst + p * kMr;
#pragma GCC unroll 16
        for (size_t i = 0; i < kMr; ++i) d[i] = src[i];
      }
    } else if (trans) {
      const float* src = a + i0;
      for (size_t p = 0; p < kc; ++p, src += lda) {
        float* d = dst + p * kMr;
        for (size_t i = 0; i < rows; ++i) d[i] = src[i];
        for (size_t i = rows; i < kMr; ++i) d[i] = 0.f;
      }
    } else if (rows == kMr) {
#ifdef SIMDNN_GEMM_PACK_A_FULL
      SIMDNN_GEMM_PACK_A_FULL(kc, a + i0 * lda, lda, dst);
      continue;
#endif
      // MR row streams; prefetch each a few lines ahead (rows are often 4 KiB
      // apart, which defeats the hardware prefetcher's stream tracking).
      const float* src = a + i0 * lda;
      for (size_t p0 = 0; p0 < kc; p0 += 16) {
#pragma GCC unroll 16
        for (size_t i = 0; i < kMr; ++i) __builtin_prefetch(src + i * lda + p0 + 64);
        const size_t pe = p0 + 16 < kc ? p0 + 16 : kc;
        for (size_t p = p0; p < pe; ++p) {
          float* d = dst + p * kMr;
#pragma GCC unroll 16
          for (size_t i = 0; i < kMr; ++i) d[i] = src[i * lda + p];
        }
      }
    } else {
      const float* src = a + i0 * lda;
      for (size_t p = 0; p < kc; ++p) {
        float* d = dst + p * kMr;
        for (size_t i = 0; i < rows; ++i) d[i] = src[i * lda + p];
        for (size_t i = rows; i < kMr; ++i) d[i] = 0.f;
      }
    }
  }
}

void pack_b(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* dst) {
  for (size_t j0 = 0; j0 < nc; j0 += kNr, dst += kNr * kc) {
    const size_t cols = nc - j0 < kNr ? nc - j0 : kNr;
    if (!trans) {
      const float* src = b + j0;
      if (cols == kNr) {
        for (size_t p = 0; p < kc; ++p, src += ldb) {
          __builtin_prefetch(src + 8 * ldb);
#pragma GCC unroll 16
          for (size_t j = 0; j < kNv; ++j) vstore(dst + p * kNr + j * kLanes, vload(src + j * kLanes));
        }
      } else {
        for (size_t p = 0; p < kc; ++p, src += ldb)
          for (size_t j = 0; j < kNv; ++j) {
            const size_t c0 = j * kLanes;
            const vf v = c0 >= cols ? vzero() : vload_partial(src + c0, cols - c0 < kLanes ? cols - c0 : kLanes);
            vstore(dst + p * kNr + c0, v);
          }
      }
    } else {
      const float* src = b + j0 * ldb;
#ifdef SIMDNN_GEMM_PACK_B_TRANS_FULL
      if (cols == kNr) {
        SIMDNN_GEMM_PACK_B_TRANS_FULL(kc, src, ldb, dst);
        continue;
      }
#endif
      for (size_t j = 0; j < cols; ++j)
        for (size_t p = 0; p < kc; ++p) dst[p * kNr + j] = src[j * ldb + p];
      for (size_t j = cols; j < kNr; ++j)
        for (size_t p = 0; p < kc; ++p) dst[p * kNr + j] = 0.f;
    }
  }
}

// Columns [j0, j0 + V * kLanes) (the last vector may hold only `tail` valid
// lanes when tail > 0) of one row of C, K block by K block (gemm_k_block).
template <size_t V>
inline void gemv_columns(size_t k, size_t kc_max, const float* a, size_t sa, const float* b, size_t ldb, float* c,
                         float alpha, float beta, const float* bias, size_t tail) {
  const vf va = vset1(alpha);
  const size_t kb = gemm_k_block(k, kc_max);
  for (size_t pc = 0; pc < k; pc += kb) {
    const size_t kc = k - pc < kb ? k - pc : kb;
    vf acc[V];
#pragma GCC unroll 16
    for (size_t v = 0; v < V; ++v) acc[v] = vzero();
    const float* bp = b + pc * ldb;
    const float* ap = a + pc * sa;
    for (size_t p = 0; p < kc; ++p, bp += ldb, ap += sa) {
      // The weights stream from L3 (a 784 x 256 layer does not fit in L2):
      // fetch the row 8 steps ahead, every cache line of it.
#pragma GCC unroll 16
      for (size_t l = 0; l < V * kLanes; l += 64 / sizeof(float)) __builtin_prefetch(bp + 8 * ldb + l);
      const vf av = vset1(*ap);
#pragma GCC unroll 16
      for (size_t v = 0; v < V; ++v) {
        const vf bv = tail && v + 1 == V ? vload_partial(bp + v * kLanes, tail) : vload(bp + v * kLanes);
        acc[v] = vfmadd(av, bv, acc[v]);
      }
    }
    // As store_tile: the first K block applies beta, the last adds the bias.
    const float bt = pc == 0 ? beta : 1.f;
    const vf vb = vset1(bt);
    const bool last = pc + kc == k;
#pragma GCC unroll 16
    for (size_t v = 0; v < V; ++v) {
      float* cv = c + v * kLanes;
      const size_t w = tail && v + 1 == V ? tail : kLanes;
      vf r = bt != 0.f ? vfmadd(va, acc[v], vmul(vb, vload_partial(cv, w))) : vmul(va, acc[v]);
      if (last && bias) r = vadd(r, vload_partial(bias + v * kLanes, w));
      vstore_partial(cv, r, w);
    }
  }
}

void gemv(size_t k, size_t kc_max, const float* a, size_t sa, const float* b, size_t ldb, float* c, size_t n,
          float alpha, float beta, const float* bias) {
  constexpr size_t V = 8;  // eight independent FMA chains in flight
  size_t j = 0;
  for (; j + V * kLanes <= n; j += V * kLanes)
    gemv_columns<V>(k, kc_max, a, sa, b + j, ldb, c + j, alpha, beta, bias ? bias + j : nullptr, 0);
  for (; j < n; j += kLanes) {
    const size_t w = n - j < kLanes ? n - j : kLanes;
    gemv_columns<1>(k, kc_max, a, sa, b + j, ldb, c + j, alpha, beta, bias ? bias + j : nullptr, w == kLanes ? 0 : w);
  }
}

template <size_t M>
struct FillRows {
  static void run(GemmKernels& k) {
    k.kmajor[M] = tile_kmajor<M>;
    k.rowmajor[M] = tile_rowmajor<M>;
    FillRows<M - 1>::run(k);
  }
};
template <>
struct FillRows<0> {
  static void run(GemmKernels&) {}
};

}  // namespace

void fill_gemm(GemmKernels& k) {
  k.mr = kMr;
  k.nr = kNr;
  k.kc = k.mc = k.nc = 0;  // set from the caches by the dispatch (apply_gemm_blocking)
  for (size_t i = 0; i <= kGemmMaxMr; ++i) k.kmajor[i] = k.rowmajor[i] = nullptr;
  FillRows<kMr>::run(k);
  k.pack_a = pack_a;
  k.pack_b = pack_b;
  k.gemv = gemv;
}

}  // namespace SIMDNN_ISA_NS
}  // namespace simdnn
