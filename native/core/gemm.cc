// The GEMM driver: BLIS's loops around the ISA's micro-kernels.
//
//   jc over N by NC       (B block: KC x NC, packed per thread, or read from
//                          a whole op(B) packed beforehand: packed_b)
//     pc over K by KC     (equal blocks, gemm_k_block; the first applies beta,
//                          the last the epilogue)
//       ic over M by MC   (A block: MC x KC, packed, lives in L2)
//         jr over NC by NR  (B micro-panel, lives in L1)
//           ir over MC by MR  -> micro-kernel on an MR x NR tile of C
//
// C is cut into disjoint rectangles (a grid of row x column ranges at MR / NR
// multiples) that threads take first come first served and run these loops on
// independently, so no barrier is needed; every element is computed by the
// same FMA chain whatever the split: the result depends only on the K
// blocking, which is fixed per ISA.
//
// Small problems skip packing where it costs more than it saves: A is read in
// place (row-major or transposed) and B (when not transposed) too, with only
// its last partial NR panel copied so that the kernel never reads past a row.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <thread>

#include "../kernels/kernels.h"
#include "threadpool.h"

namespace simdnn {
namespace {

// 64-byte aligned scratch memory owned by one thread, grown on demand and
// freed when the thread exits.
class PackBuffer {
 public:
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() { std::free(data_); }

  float* get(size_t floats) {
    if (floats <= capacity_) return data_;
    if (floats > (SIZE_MAX - 63) / sizeof(float)) throw std::length_error("sgemm: packing buffer size overflows");
    const size_t bytes = (floats * sizeof(float) + 63) & ~size_t(63);
    void* p = nullptr;
    if (posix_memalign(&p, 64, bytes) != 0 || !p) throw std::bad_alloc();
    std::free(data_);
    data_ = static_cast<float*>(p);
    capacity_ = bytes / sizeof(float);
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local PackBuffer t_pack_a;
thread_local PackBuffer t_pack_b;
thread_local PackBuffer t_transposed;  // C^T of a narrow product (see narrow_via_transpose)
thread_local PackBuffer t_shared_b;    // op(B) packed once for all the threads of a product

// Below this many flops (2 m n k) one thread does it all: waking the pool and
// splitting costs more than it saves.
constexpr double kMinParallelFlops = 1.5e6;
// Each extra thread should get at least this much work.
constexpr double kFlopsPerThread = 0.75e6;
// A one-row product is split over threads from this many multiply-adds (its
// weights then no longer fit comfortably in one core's L2).
constexpr size_t kMinParallelGemvMacs = 96 * 1024;
// Work is cut into chunks of at least this much (each packs its own A and B).
constexpr double kFlopsPerChunk = 4e6;
// A parallel product packs all of op(B) once, shared by its threads, up to
// this many floats (16 MiB); beyond, each chunk packs its own B blocks.
constexpr size_t kMaxSharedPackedB = 4u << 20;

struct Problem {
  const Kernels* kern;
  bool ta, tb;
  size_t m, n, k;
  float alpha, beta;
  const float* a;
  size_t lda;
  const float* b;
  size_t ldb;
  float* c;
  size_t ldc;
  const float* bias;
  Act act;
  float* act_out;
  size_t ld_act_out;
  bool pack_a, pack_b;
  const float* packed_b = nullptr;  // all of op(B), packed (pack_b_whole)
};

inline size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

// Applies the activation (not Softmax) to rows x cols of C at (i, j).
void activate_block(const Problem& P, size_t i, size_t j, size_t rows, size_t cols) {
  float* c = P.c + i * P.ldc + j;
  if (P.act == Act::Linear) {
    if (!P.act_out) return;
    float* o = P.act_out + i * P.ld_act_out + j;
    for (size_t r = 0; r < rows; ++r) std::memcpy(o + r * P.ld_act_out, c + r * P.ldc, cols * sizeof(float));
    return;
  }
  const auto fwd = P.kern->math.act_forward;
  if (P.act_out) {
    float* o = P.act_out + i * P.ld_act_out + j;
    for (size_t r = 0; r < rows; ++r) fwd(P.act, c + r * P.ldc, o + r * P.ld_act_out, cols);
  } else {
    for (size_t r = 0; r < rows; ++r) fwd(P.act, c + r * P.ldc, c + r * P.ldc, cols);
  }
}

void softmax_block(const Problem& P, size_t i, size_t rows) {
  float* c = P.c + i * P.ldc;
  if (P.act_out)
    P.kern->math.softmax_rows(c, P.ldc, P.act_out + i * P.ld_act_out, P.ld_act_out, rows, P.n);
  else
    P.kern->math.softmax_rows(c, P.ldc, c, P.ldc, rows, P.n);
}

// The activation of the whole m x n result, once it is complete (the paths
// that do not run the tiles' epilogue: no product, one row, narrow).
void activate_all(const Problem& P) {
  if (P.act == Act::Softmax)
    softmax_block(P, 0, P.m);
  else
    activate_block(P, 0, 0, P.m, P.n);
}

// C[m0:m1, n0:n1] of the product, with its epilogue.
void run_region(const Problem& P, size_t m0, size_t m1, size_t n0, size_t n1) {
  const GemmKernels& g = P.kern->gemm;
  const size_t MR = g.mr, NR = g.nr, KC = g.kc, MC = g.mc, NC = g.nc;
  const size_t KB = gemm_k_block(P.k, KC);
  // ReLU is applied by the micro-kernels as they store the last K block;
  // other activations right after, on the tile while it is in L1.
  const bool fused_relu = P.act == Act::Relu;
  const bool elementwise_act = !fused_relu && P.act != Act::Softmax && (P.act != Act::Linear || P.act_out);
  float* abuf = P.pack_a ? t_pack_a.get(MC * KC) : nullptr;
  float* bbuf = P.packed_b ? nullptr : t_pack_b.get(P.pack_b ? KC * ceil_div(std::min(NC, n1 - n0), NR) * NR : KC * NR);
  const size_t n_panels = ceil_div(P.n, NR) * NR;  // floats per row of k in packed_b

  for (size_t jc = n0; jc < n1; jc += NC) {
    const size_t nc = std::min(NC, n1 - jc);
    const size_t full_nc = P.pack_b ? nc : nc / NR * NR;  // columns read in place
    for (size_t pc = 0; pc < P.k; pc += KB) {
      const size_t kc = std::min(KB, P.k - pc);
      const bool last = pc + kc == P.k;
      if (!P.pack_b && full_nc < nc) {
        g.pack_b(false, kc, nc - full_nc, P.b + pc * P.ldb + jc + full_nc, P.ldb, bbuf);
      }
      GemmTileOut out{P.alpha, pc == 0 ? P.beta : 1.f, nullptr};
      out.relu = last && fused_relu;
      out.ld_relu_out = P.ld_act_out;

      for (size_t ic = m0; ic < m1; ic += MC) {
        const size_t mc = std::min(MC, m1 - ic);

        for (size_t jr = 0; jr < nc; jr += NR) {
          const size_t nr = std::min(NR, nc - jr);
          const float* bp;
          size_t sb;
          if (P.packed_b) {
            bp = P.packed_b + pc * n_panels + (jc + jr) * kc;
            sb = NR;
          } else if (P.pack_b) {
            bp = bbuf + jr * kc;
            sb = NR;
            // Packed panel by panel right before its first use, so the loads
            // of the copy overlap the micro-kernels' arithmetic.
            if (ic == m0)
              g.pack_b(P.tb, kc, nr, P.tb ? P.b + (jc + jr) * P.ldb + pc : P.b + pc * P.ldb + jc + jr, P.ldb,
                       (float*)bp);
          } else if (jr < full_nc) {
            bp = P.b + pc * P.ldb + jc + jr;
            sb = P.ldb;
          } else {
            bp = bbuf;
            sb = NR;
          }
          out.bias = last && P.bias ? P.bias + jc + jr : nullptr;
          float* ccol = P.c + jc + jr;

          for (size_t ir = 0; ir < mc; ir += MR) {
            const size_t mr = std::min(MR, mc - ir);
            const size_t i = ic + ir;
            float* ct = ccol + i * P.ldc;
            out.relu_out = out.relu && P.act_out ? P.act_out + i * P.ld_act_out + jc + jr : nullptr;
            if (P.pack_a && jr == 0)  // likewise
              g.pack_a(P.ta, mr, kc, P.ta ? P.a + pc * P.lda + i : P.a + i * P.lda + pc, P.lda, abuf + ir * kc);
            if (P.pack_a)
              g.kmajor[mr](kc, abuf + ir * kc, MR, bp, sb, ct, P.ldc, nr, &out);
            else if (P.ta)
              g.kmajor[mr](kc, P.a + pc * P.lda + i, P.lda, bp, sb, ct, P.ldc, nr, &out);
            else
              g.rowmajor[mr](kc, P.a + i * P.lda + pc, P.lda, bp, sb, ct, P.ldc, nr, &out);
            if (last && elementwise_act) activate_block(P, i, jc + jr, mr, nr);
          }
        }
        // Rows are whole once the last column block has seen the last K block.
        if (last && P.act == Act::Softmax && jc + nc == n1) softmax_block(P, ic, mc);
      }
    }
  }
}

// C = beta * C (+ bias, activation) when there is no product (k == 0 or alpha
// == 0).
void run_scale_only(const Problem& P) {
  for (size_t i = 0; i < P.m; ++i) {
    float* c = P.c + i * P.ldc;
    for (size_t j = 0; j < P.n; ++j) {
      float v = P.beta == 0.f ? 0.f : P.beta * c[j];
      if (P.bias) v += P.bias[j];
      c[j] = v;
    }
  }
  activate_all(P);
}

// Picks the number of chunks and their tm x tn grid. Every chunk packs its own
// rows of A and its own columns of B, so more chunks repeat more packing
// (splitting columns packs A again per column band, splitting rows B), while
// fewer chunks leave a thread idle longer at the end (and when it starts
// late: chunks go first come first served). Minimises the expected finish
// time: total work / threads + half a chunk. Costs are cycles per step of k:
// a micro-tile ~mr * nr / 16 (two 8-lane FMAs per cycle), packing one float
// ~1.5 (measured: packing is ~10% of a single-thread 784 x 256 x 128 product).
void choose_grid(const Problem& P, size_t nt, size_t max_chunks, size_t* tm_out, size_t* tn_out) {
  const size_t mr = P.kern->gemm.mr, nr = P.kern->gemm.nr;
  const size_t um = ceil_div(P.m, mr), un = ceil_div(P.n, nr);
  const double tile = (double)(mr * nr) / 16.0, pack = 1.5;
  size_t best_tm = nt, best_tn = 1;
  double best_cost = 1e300;
  for (size_t chunks = nt; chunks <= max_chunks; chunks += nt)
    for (size_t tn = chunks; tn >= 1; --tn) {
      if (chunks % tn) continue;
      const size_t tm = chunks / tn;
      if (tm > um || tn > un) continue;                // empty chunks
      if (P.act == Act::Softmax && tn != 1) continue;  // softmax needs whole rows
      const double work = tile * (double)(um * un) + pack * ((P.pack_a ? (double)(tn * um * mr) : 0.0) +
                                                             (P.pack_b && !P.packed_b ? (double)(tm * un * nr) : 0.0));
      const double cost = work / (double)nt + 0.5 * work / (double)chunks;
      if (cost < best_cost) best_cost = cost, best_tm = tm, best_tn = tn;
    }
  *tm_out = best_tm;
  *tn_out = best_tn;
}

// A product with fewer columns than a register tile is wide (NR lanes, most of
// them idle: n = 10 uses 10 of 16). Its transpose, C^T = op(B)^T op(A)^T, puts
// those n columns on the tile's rows (MR at a time) and m on its lanes. Worth
// it when fewer rows than lanes are padded, and when m fills the lanes. Only
// for beta == 0: every element is then the same chain of FMAs on the same
// products (in the same order of k, blocked alike), so the values are
// bitwise those of the direct product.
bool narrow_via_transpose(const GemmKernels& g, size_t m, size_t n, float beta) {
  if (beta != 0.f || n >= g.nr || m < 2 * g.nr) return false;
  return ceil_div(n, g.mr) * g.mr * 10 < ceil_div(n, g.nr) * g.nr * 9;
}

// Whether the product goes through the tiled path with B packed (not the
// one-row or narrow paths, which read B in place; not a few rows, for which
// packing B is not repaid).
bool packs_b(const GemmKernels& g, bool trans_b, size_t m, size_t n, float beta) {
  if ((m == 1 && !trans_b && g.gemv) || narrow_via_transpose(g, m, n, beta)) return false;
  return trans_b || m > 2 * g.mr;
}

void check_ld(size_t ld, size_t rows, size_t width, const char* what) {
  if (rows > 0 && width > 0 && ld < width) throw std::invalid_argument(what);
}

// Packs op(B)[pc block, j0:j1) (j0 a multiple of NR) where pack_b_whole puts
// it: block by block (gemm_k_block), NR-wide panels within a block.
void pack_b_part(const Kernels& kern, bool trans_b, size_t k, size_t n, size_t pc, size_t j0, size_t j1, const float* b,
                 size_t ldb, float* dst) {
  const GemmKernels& g = kern.gemm;
  const size_t kb = gemm_k_block(k, g.kc), kc = std::min(kb, k - pc);
  g.pack_b(trans_b, kc, j1 - j0, trans_b ? b + j0 * ldb + pc : b + pc * ldb + j0, ldb,
           dst + pc * ceil_div(n, g.nr) * g.nr + j0 * kc);
}

}  // namespace

void sgemm_with(const Kernels& kern, size_t max_threads, bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                float alpha, const float* a, size_t lda, const float* b, size_t ldb, float beta, float* c, size_t ldc,
                const GemmEpilogue* epilogue) {
  if (m == 0 || n == 0) return;
  check_ld(ldc, m, n, "sgemm: ldc is smaller than n");
  if (k > 0) {
    check_ld(lda, trans_a ? k : m, trans_a ? m : k, "sgemm: lda is smaller than the row of A");
    check_ld(ldb, trans_b ? n : k, trans_b ? k : n, "sgemm: ldb is smaller than the row of B");
  }
  Problem P{&kern, trans_a, trans_b, m,   n,       k,           alpha,   beta, a,    lda,
            b,     ldb,     c,       ldc, nullptr, Act::Linear, nullptr, 0,    true, true};
  if (epilogue) {
    P.bias = epilogue->bias;
    P.act = epilogue->act;
    P.act_out = epilogue->act_out;
    P.ld_act_out = epilogue->ld_act_out;
    if (P.act_out) check_ld(P.ld_act_out, m, n, "sgemm: ld_act_out is smaller than n");
    if (P.act == Act::Softmax ? !kern.math.softmax_rows : P.act != Act::Linear && !kern.math.act_forward)
      throw std::logic_error("sgemm: activation kernels are not available for this ISA");
  }
  if (k == 0 || alpha == 0.f) {
    run_scale_only(P);
    return;
  }
  const GemmKernels& g = kern.gemm;
  if (narrow_via_transpose(g, m, n, beta)) {
    // C^T (n x m, contiguous) = op(B)^T op(A)^T, then C = (C^T)^T + bias and
    // the activation, as the tiles' epilogue would have done.
    float* ct = t_transposed.get(n * m);
    sgemm_with(kern, max_threads, !trans_b, !trans_a, n, m, k, alpha, b, ldb, a, lda, 0.f, ct, m, nullptr);
    // Column by column of C: C^T's rows are read contiguously (the row by row
    // order read n strided streams: ~10% of a 128 x 10 x 128 product).
    for (size_t j = 0; j < n; ++j) {
      const float* src = ct + j * m;
      float* dst = c + j;
      if (P.bias) {
        const float bj = P.bias[j];
        for (size_t i = 0; i < m; ++i) dst[i * ldc] = src[i] + bj;
      } else {
        for (size_t i = 0; i < m; ++i) dst[i * ldc] = src[i];
      }
    }
    activate_all(P);
    return;
  }
  if (m == 1 && !trans_b && g.gemv) {
    // One row (batch-1 inference): no packing, many columns in flight. A wide
    // layer is split by columns over the pool: each core then reads (and,
    // call after call, keeps in its own L2) only its share of the weights.
    // Tiny ones stay on the calling thread. Columns are independent, so the
    // split does not change any value.
    const size_t chunk_cols = 64;
    const size_t nt = max_threads > 1 && n * k >= kMinParallelGemvMacs ? std::min(max_threads, n / chunk_cols) : 1;
    if (nt <= 1) {
      g.gemv(k, g.kc, a, trans_a ? lda : 1, b, ldb, c, n, alpha, beta, P.bias);
    } else {
      const size_t chunks = ceil_div(n, chunk_cols);
      parallel_run(nt, [&](size_t tid, size_t nth) {
        const size_t j0 = std::min(n, chunks * tid / nth * chunk_cols);
        const size_t j1 = std::min(n, chunks * (tid + 1) / nth * chunk_cols);
        if (j0 < j1)
          g.gemv(k, g.kc, a, trans_a ? lda : 1, b + j0, ldb, c + j0, j1 - j0, alpha, beta,
                 P.bias ? P.bias + j0 : nullptr);
      });
    }
    activate_all(P);
    return;
  }
  // Packing pays when its cost (one pass over the block) is spread over many
  // tiles, and whenever reading in place would thrash a cache:
  //  - B: reused by ceil(m / MR) row panels; read in place its KC x NR panel
  //    sits in few L1 sets when ldb is a multiple of 256 floats. A transposed
  //    B is always packed (the kernel needs NR contiguous columns).
  //  - A: reused by ceil(n / NR) column panels. Read in place, the kernel
  //    broadcasts from MR row streams (or, transposed, from a strided block
  //    that thrashes L2 when lda is a large power of two); a packed panel is
  //    one contiguous stream. Measured 3-15% faster from n = 80 on, whatever
  //    m and k (Zen 3, samples taken in turn with OpenBLAS); with 4 panels or
  //    fewer the copy is not repaid. Nor is it for a k-major A of at most 16
  //    rows (lda <= 16: the narrow product's op(B)^T): read in place it is
  //    already one dense stream (with the narrow path's column-by-column
  //    write-back: 18-22% faster at 128 x 10 x 128, NN and TN).
  // Measured against the MLP and square shapes (bench/gemm).
  P.pack_b = packs_b(g, trans_b, m, n, beta);
  P.pack_a = n > 4 * g.nr && !(trans_a && lda <= 16);
  if (P.pack_b && epilogue) P.packed_b = epilogue->packed_b;

  const double flops = 2.0 * m * n * k;
  size_t nt = 1;
  if (flops >= kMinParallelFlops && max_threads > 1)
    nt = std::min(max_threads, std::max<size_t>(1, (size_t)(flops / kFlopsPerThread)));
  if (nt <= 1) {
    run_region(P, 0, m, 0, n);
    return;
  }
  // More chunks than threads, handed out first come first served: a thread
  // that starts late (woken from sleep, descheduled on a shared machine) does
  // not hold the others back. Which thread computes a chunk does not change
  // its values.
  const size_t max_chunks = std::max(nt, std::min(nt * 4, (size_t)(flops / kFlopsPerChunk)));
  if (P.pack_b && !P.packed_b && packed_b_floats(kern, k, n) <= kMaxSharedPackedB) {
    // Packed once, then read by every chunk, so that chunks of rows do not
    // each pack the same B panels (BLIS shares its packed B likewise). The
    // buffer is the calling thread's, allocated before any thread starts; the
    // end of this parallel_run is the only barrier. Pieces (a K block x 4
    // column panels) go first come first served, as the chunks below.
    float* shared = t_shared_b.get(packed_b_floats(kern, k, n));
    const size_t kb = gemm_k_block(k, g.kc), groups = ceil_div(ceil_div(n, g.nr), 4);
    const size_t pieces = ceil_div(k, kb) * groups;
    std::atomic<size_t> next_piece{0};
    parallel_run(nt, [&](size_t, size_t) {
      for (size_t i = next_piece.fetch_add(1); i < pieces; i = next_piece.fetch_add(1)) {
        const size_t pc = i / groups * kb, j0 = i % groups * 4 * g.nr;
        pack_b_part(kern, trans_b, k, n, pc, j0, std::min(n, j0 + 4 * g.nr), b, ldb, shared);
      }
    });
    P.packed_b = shared;
  }
  size_t tm, tn;
  choose_grid(P, nt, max_chunks, &tm, &tn);
  const size_t chunks = tm * tn;
  const size_t um = ceil_div(m, g.mr), un = ceil_div(n, g.nr);
  std::atomic<size_t> next{0}, finished{0};
  parallel_run(nt, [&](size_t tid, size_t nth) {
    for (size_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      const size_t r = c / tn, q = c % tn;
      const size_t m0 = std::min(m, um * r / tm * g.mr), m1 = std::min(m, um * (r + 1) / tm * g.mr);
      const size_t n0 = std::min(n, un * q / tn * g.nr), n1 = std::min(n, un * (q + 1) / tn * g.nr);
      if (m0 < m1 && n0 < n1) run_region(P, m0, m1, n0, n1);
    }
    finished.fetch_add(1);
    // The caller waits for the helpers by yielding, not spinning: a helper
    // woken onto the caller's core (the scheduler's wake-affine placement)
    // would otherwise not run until the pool's spin-wait gives up.
    if (tid == 0)
      while (finished.load() < nth) std::this_thread::yield();
  });
}

bool sgemm_packs_b(const Kernels& kern, bool trans_b, size_t m, size_t n, float beta) {
  return packs_b(kern.gemm, trans_b, m, n, beta);
}

size_t packed_b_floats(const Kernels& kern, size_t k, size_t n) {
  const size_t nr = kern.gemm.nr;
  return k * ceil_div(n, nr) * nr;
}

void pack_b_whole(const Kernels& kern, bool trans_b, size_t k, size_t n, const float* b, size_t ldb, float* dst) {
  const size_t kb = gemm_k_block(k, kern.gemm.kc);
  for (size_t pc = 0; pc < k; pc += kb) pack_b_part(kern, trans_b, k, n, pc, 0, n, b, ldb, dst);
}

void sgemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
           const float* b, size_t ldb, float beta, float* c, size_t ldc, const GemmEpilogue* epilogue) {
  sgemm_with(kernels(), num_threads(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
}

}  // namespace simdnn
