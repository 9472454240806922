#include "conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/gemm.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"

namespace simdnn {
namespace {

// Per-thread scratch: a block's 16 transformed input matrices and the 16
// products.
thread_local AlignedBuffer t_v;
thread_local AlignedBuffer t_m;

// A block's V and M together are kept near this many bytes, so that they stay
// in L2 between the transforms and the products.
constexpr size_t kBlockBytes = 256 * 1024;
constexpr size_t kMaxBlockTiles = 240;
// Below this many multiply-adds (of the products) a call runs on one thread.
constexpr double kMinParallelMacs = 2e5;

}  // namespace

bool WinogradConv::enabled() {
  static const bool on = [] {
    const char* v = std::getenv("SIMDNN_WINOGRAD");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return on;
}

bool WinogradConv::applies(const WindowGeometry& g, Act act) {
  return enabled() && g.k_h == 3 && g.k_w == 3 && g.s_h == 1 && g.s_w == 1 && g.d_h == 1 && g.d_w == 1 &&
         g.in_c >= kMinChannels && (act == Act::Linear || act == Act::Relu);
}

WinogradConv::WinogradConv(const WindowGeometry& g, size_t filters) : s_(conv_shape(g, filters)) {}

void WinogradConv::prepare(const Kernels& kern, const float* kernel, uint64_t version) {
  if (ready(kern, version)) return;
  for_ = nullptr;
  const size_t C = s_.channels, F = s_.filters, cf = C * F;
  AlignedBuffer transformed(16 * cf);  // U_ξ, each C x F row-major
  float* u = transformed.data();
  // U = G g Gᵀ per (channel, filter), G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1], in
  // double; g[a][b] is kernel[a][b][c][f].
  for (size_t c = 0; c < C; ++c)
    for (size_t f = 0; f < F; ++f) {
      double g[3][3], r[4][3];
      for (size_t a = 0; a < 3; ++a)
        for (size_t b = 0; b < 3; ++b) g[a][b] = kernel[((a * 3 + b) * C + c) * F + f];
      for (size_t b = 0; b < 3; ++b) {
        r[0][b] = g[0][b];
        r[1][b] = 0.5 * (g[0][b] + g[1][b] + g[2][b]);
        r[2][b] = 0.5 * (g[0][b] - g[1][b] + g[2][b]);
        r[3][b] = g[2][b];
      }
      for (size_t i = 0; i < 4; ++i) {
        const double w[4] = {r[i][0], 0.5 * (r[i][0] + r[i][1] + r[i][2]), 0.5 * (r[i][0] - r[i][1] + r[i][2]),
                             r[i][2]};
        for (size_t j = 0; j < 4; ++j) u[(i * 4 + j) * cf + c * F + f] = (float)w[j];
      }
    }
  packed_stride_ = packed_b_floats(kern, C, F);
  packed_.resize(16 * packed_stride_);
  for (size_t x = 0; x < 16; ++x) pack_b_whole(kern, false, C, F, u + x * cf, F, packed_.data() + x * packed_stride_);
  for_ = &kern;
  version_ = version;
}

size_t WinogradConv::block_tiles(const Kernels& kern) const {
  const size_t mr = kern.gemm.mr;
  size_t n = kBlockBytes / (16 * (s_.channels + s_.filters) * sizeof(float));
  n = std::min(kMaxBlockTiles, n / mr * mr);
  return std::max(mr, n);
}

void WinogradConv::run_block(const Kernels& kern, const float* x, size_t t0, size_t n, size_t cap, const float* bias,
                             bool relu, float* y) const {
  const size_t C = s_.channels, F = s_.filters;
  t_v.resize(16 * cap * C);
  t_m.resize(16 * cap * F);
  float* v = t_v.data();
  float* m = t_m.data();
  kern.conv.winograd_input(x, s_, t0, n, v, cap * C);
  // The 16 products M_ξ = V_ξ · U_ξ straight on the micro-kernels: V_ξ read
  // in place (row-major, C apart), U_ξ packed; for each NR-wide panel of U_ξ
  // (in L1), every MR-row tile of V_ξ. (sgemm's driver, called 16 times per
  // block, cost more than these small products on one thread.)
  const GemmKernels& g = kern.gemm;
  const size_t kb = gemm_k_block(C, g.kc), npad = (F + g.nr - 1) / g.nr * g.nr;
  const GemmTileOut first{1.f, 0.f, nullptr}, rest{1.f, 1.f, nullptr};
  for (size_t xi = 0; xi < 16; ++xi) {
    const float* a = v + xi * cap * C;
    const float* pb = packed_.data() + xi * packed_stride_;
    float* c = m + xi * cap * F;
    for (size_t pc = 0; pc < C; pc += kb) {
      const size_t kc = std::min(kb, C - pc);
      for (size_t j0 = 0; j0 < F; j0 += g.nr) {
        const float* bp = pb + pc * npad + j0 * kc;
        const size_t cols = std::min(g.nr, F - j0);
        for (size_t i0 = 0; i0 < n; i0 += g.mr) {
          const size_t rows = std::min(g.mr, n - i0);
          g.rowmajor[rows](kc, a + i0 * C + pc, C, bp, g.nr, c + i0 * F + j0, F, cols, pc == 0 ? &first : &rest);
        }
      }
    }
  }
  kern.conv.winograd_output(m, cap * F, s_, t0, n, bias, relu, y);
}

void WinogradConv::run(const Kernels& kern, const float* x, size_t rows, const float* bias, bool relu, float* y,
                       size_t threads) const {
  const size_t total = rows * s_.tiles_h * s_.tiles_w, mr = kern.gemm.mr;
  if (total == 0) return;
  const double macs = 16.0 * (double)total * (double)s_.channels * (double)s_.filters;
  const size_t cap = block_tiles(kern);
  size_t bt = cap, blocks = (total + bt - 1) / bt;
  const size_t nt = macs < kMinParallelMacs ? 1 : std::min(threads, std::max<size_t>(blocks, total / mr));
  if (nt > 1 && blocks < 4 * nt) {
    // Few blocks (a small batch): blocks of equal size, a whole number per
    // thread (one sample's 36 tiles on 2 threads: 18 and 18, not 24 and 12
    // in whole register tiles).
    const size_t want = (blocks + nt - 1) / nt * nt, even = (total + want - 1) / want;
    bt = std::min(bt, even);
    blocks = (total + bt - 1) / bt;
  }
  if (nt <= 1) {
    for (size_t b = 0; b < blocks; ++b) run_block(kern, x, b * bt, std::min(bt, total - b * bt), cap, bias, relu, y);
    return;
  }
  // Tiles write disjoint output pixels: blocks are independent.
  std::atomic<size_t> next{0};
  parallel_run(nt, [&](size_t, size_t) {
    for (size_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1))
      run_block(kern, x, b * bt, std::min(bt, total - b * bt), cap, bias, relu, y);
  });
}

}  // namespace simdnn
