// sgemm against an fp64 reference: every ISA table, all transposes, edge
// shapes around MR / NR / KC, alpha / beta (beta == 0 over a NaN-poisoned C),
// padded leading dimensions, the fused epilogue, 1 and 2 threads (bitwise
// equal). C and act_out are poisoned with NaN: every element of the m x n
// window must be written and nothing outside it touched.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "core/gemm.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"

using namespace simdnn;

namespace {

#if defined(__aarch64__)
constexpr int kRandomCases = 14;  // qemu is slow
constexpr size_t kMaxDim = 160;
#else
constexpr int kRandomCases = 70;
constexpr size_t kMaxDim = 300;
#endif

const uint32_t kPoisonBits = 0x7fc0beefu;  // a quiet NaN with a payload we can recognise
float poison() {
  float f;
  std::memcpy(&f, &kPoisonBits, sizeof f);
  return f;
}
bool is_poison(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u == kPoisonBits;
}

struct Case {
  bool ta, tb;
  size_t m, n, k;
  size_t pad_a, pad_b, pad_c;
  float alpha, beta;
  bool bias;
  Act act;
  bool act_out;
};

// A matrix stored row-major with leading dimension ld, with a guard row of
// poison before and after and poison in the padding.
struct Stored {
  std::vector<float> buf;
  size_t rows, cols, ld;
  float* data() { return buf.data() + ld; }
  const float* data() const { return buf.data() + ld; }
  Stored(size_t r, size_t c, size_t pad) : rows(r), cols(c), ld(c + pad) { buf.assign((r + 2) * ld, poison()); }
  float& at(size_t i, size_t j) { return data()[i * ld + j]; }
  const float& at(size_t i, size_t j) const { return data()[i * ld + j]; }
};

const char* act_name(Act a) {
  static const char* names[] = {"linear",  "relu", "leaky_relu", "elu",     "gelu",
                                "sigmoid", "tanh", "softmax",    "softplus"};
  return names[(int)a];
}

std::string describe(const Kernels& k, size_t threads, const Case& c) {
  char s[256];
  std::snprintf(s, sizeof s, "%s t=%zu %c%c m=%zu n=%zu k=%zu pad=%zu/%zu/%zu alpha=%g beta=%g bias=%d act=%s out=%d",
                k.name, threads, c.ta ? 'T' : 'N', c.tb ? 'T' : 'N', c.m, c.n, c.k, c.pad_a, c.pad_b, c.pad_c, c.alpha,
                c.beta, c.bias, act_name(c.act), c.act_out);
  return s;
}

// Checks that the m x n window of s holds no poison and everything else does.
bool check_window(const Stored& s, size_t m, size_t n, const std::string& what) {
  size_t unwritten = 0, touched = 0;
  for (size_t idx = 0; idx < s.buf.size(); ++idx) {
    const long row = (long)(idx / s.ld) - 1;
    const size_t col = idx % s.ld;
    const bool inside = row >= 0 && (size_t)row < m && col < n;
    if (inside && std::isnan(s.buf[idx])) ++unwritten;
    if (!inside && !is_poison(s.buf[idx])) ++touched;
  }
  CHECK(unwritten == 0, "%s: %zu elements of the window not written (NaN)", what.c_str(), unwritten);
  CHECK(touched == 0, "%s: %zu elements outside the window touched", what.c_str(), touched);
  return unwritten == 0 && touched == 0;
}

std::mt19937 rng(1234);
float urand() { return std::uniform_real_distribution<float>(-1.f, 1.f)(rng); }

struct Result {
  Stored c, out;
};

Result run_case(const Kernels& k, size_t threads, const Case& c, const Stored& a, const Stored& b, const Stored& c0,
                const std::vector<float>& bias) {
  Result r{c0, Stored(c.m, c.n, c.pad_c)};
  GemmEpilogue ep;
  ep.bias = c.bias ? bias.data() : nullptr;
  ep.act = c.act;
  if (c.act_out) {
    ep.act_out = r.out.data();
    ep.ld_act_out = r.out.ld;
  }
  sgemm_with(k, threads, c.ta, c.tb, c.m, c.n, c.k, c.alpha, a.data(), a.ld, b.data(), b.ld, c.beta, r.c.data(), r.c.ld,
             &ep);
  return r;
}

bool bitwise_equal(const Stored& x, const Stored& y) {
  return x.buf.size() == y.buf.size() && std::memcmp(x.buf.data(), y.buf.data(), x.buf.size() * sizeof(float)) == 0;
}

void test_case(const Kernels& k, const Case& c) {
  const bool needs_math = c.act != Act::Linear;
  if (needs_math && (c.act == Act::Softmax ? !k.math.softmax_rows : !k.math.act_forward)) return;
  // Stored shapes: A is m x k (k x m with ta), B is k x n (n x k with tb).
  Stored a(c.ta ? c.k : c.m, c.ta ? c.m : c.k, c.pad_a), b(c.tb ? c.n : c.k, c.tb ? c.k : c.n, c.pad_b);
  for (size_t i = 0; i < a.rows; ++i)
    for (size_t j = 0; j < a.cols; ++j) a.at(i, j) = urand();
  for (size_t i = 0; i < b.rows; ++i)
    for (size_t j = 0; j < b.cols; ++j) b.at(i, j) = urand();
  Stored c0(c.m, c.n, c.pad_c);
  if (c.beta != 0.f)
    for (size_t i = 0; i < c.m; ++i)
      for (size_t j = 0; j < c.n; ++j) c0.at(i, j) = urand();
  else
    for (size_t i = 0; i < c.m; ++i)
      for (size_t j = 0; j < c.n; ++j) c0.at(i, j) = std::nanf("");  // write-only: must be ignored
  std::vector<float> bias(c.n);
  for (auto& x : bias) x = urand();

  // fp64 reference of the pre-activation z.
  std::vector<double> ref(c.m * c.n, 0.0), opb(c.k * c.n);
  for (size_t p = 0; p < c.k; ++p)
    for (size_t j = 0; j < c.n; ++j) opb[p * c.n + j] = c.tb ? b.at(j, p) : b.at(p, j);
  for (size_t i = 0; i < c.m; ++i) {
    double* r = &ref[i * c.n];
    for (size_t p = 0; p < c.k; ++p) {
      const double av = c.ta ? a.at(p, i) : a.at(i, p);
      const double* bp = &opb[p * c.n];
      for (size_t j = 0; j < c.n; ++j) r[j] += av * bp[j];
    }
    for (size_t j = 0; j < c.n; ++j) {
      r[j] *= c.alpha;
      if (c.beta != 0.f) r[j] += (double)c.beta * c0.at(i, j);
      if (c.bias) r[j] += bias[j];
    }
  }

  const Result r1 = run_case(k, 1, c, a, b, c0, bias);
  const Result r2 = run_case(k, 2, c, a, b, c0, bias);
  const std::string d1 = describe(k, 1, c);
  const bool in_place = c.act != Act::Linear && !c.act_out;
  check_window(r1.c, c.m, c.n, d1 + " C");
  check_window(r1.out, c.act_out ? c.m : 0, c.act_out ? c.n : 0, d1 + " act_out");
  CHECK(bitwise_equal(r1.c, r2.c) && bitwise_equal(r1.out, r2.out), "%s: 1 and 2 threads differ", d1.c_str());

  if (!in_place) {
    double err = 0, norm = 0;
    for (size_t i = 0; i < c.m; ++i)
      for (size_t j = 0; j < c.n; ++j) {
        const double e = (double)r1.c.at(i, j) - ref[i * c.n + j];
        err += e * e;
        norm += ref[i * c.n + j] * ref[i * c.n + j];
      }
    CHECK(std::sqrt(err) <= 1e-5 * std::sqrt(norm) + 1e-30, "%s: relative error %g", d1.c_str(),
          std::sqrt(err / (norm + 1e-300)));
  }
  if (c.act_out || in_place) {
    // act_out (or C in place) must be exactly the activation kernel applied to z.
    Result z = r1;
    if (in_place) {
      Case lin = c;
      lin.act = Act::Linear;
      z = run_case(k, 1, lin, a, b, c0, bias);
    }
    Stored want(c.m, c.n, c.pad_c);
    if (c.act == Act::Softmax)
      k.math.softmax_rows(z.c.data(), z.c.ld, want.data(), want.ld, c.m, c.n);
    else if (c.act == Act::Linear)
      want = z.c;
    else
      for (size_t i = 0; i < c.m; ++i) k.math.act_forward(c.act, &z.c.at(i, 0), &want.at(i, 0), c.n);
    const Stored& got = in_place ? r1.c : r1.out;
    size_t bad = 0;
    for (size_t i = 0; i < c.m; ++i)
      for (size_t j = 0; j < c.n; ++j) bad += std::memcmp(&got.at(i, j), &want.at(i, j), sizeof(float)) != 0;
    CHECK(bad == 0, "%s: %zu activation outputs differ from act_forward(z)", d1.c_str(), bad);
  }
}

size_t pick_dim(const Kernels& k) {
  const size_t mr = k.gemm.mr, nr = k.gemm.nr, kc = k.gemm.kc;
  const size_t special[] = {1,  2,      3,          5,          7,      13, 17,     31,         37,
                            61, 97,     127,        131,        mr - 1, mr, mr + 1, 2 * mr + 1, nr - 1,
                            nr, nr + 1, 2 * nr - 1, 3 * nr + 1, kc - 1, kc, kc + 1};
  std::uniform_int_distribution<size_t> coin(0, 2);
  size_t d;
  if (coin(rng) == 0)
    d = std::uniform_int_distribution<size_t>(1, kMaxDim)(rng);
  else
    d = special[std::uniform_int_distribution<size_t>(0, sizeof special / sizeof *special - 1)(rng)];
  return std::max<size_t>(1, std::min(d, kMaxDim + 1));
}

void test_isa(const Kernels& k) {
  const float alphas[] = {1.f, -0.5f, 2.f};
  const float betas[] = {0.f, 1.f, 0.75f};
  int skipped = 0;
  for (int t = 0; t < kRandomCases; ++t) {
    Case c{};
    c.ta = t & 1;
    c.tb = (t >> 1) & 1;
    c.m = pick_dim(k);
    c.n = pick_dim(k);
    c.k = pick_dim(k);
    c.pad_a = (t % 3) * 5;
    c.pad_b = (t % 5 == 0) ? 3 : 0;
    c.pad_c = (t % 2) ? 7 : 0;
    c.alpha = alphas[t % 3];
    c.beta = betas[(t / 3) % 3];
    c.bias = t % 4 == 3;
    c.act = Act::Linear;
    c.act_out = t % 7 == 6;
    if (t % 5 == 4) {
      c.act = (Act)(1 + (t / 5) % (kActCount - 1));
      c.act_out = (t / 5) % 2;
      c.bias = true;
      if (c.act == Act::Softmax ? !k.math.softmax_rows : !k.math.act_forward) ++skipped;
    }
    test_case(k, c);
  }
  // Fixed cases: every path (packed / in place) for every transpose, K and N
  // blocking boundaries, degenerate k / alpha.
  const size_t mr = k.gemm.mr, nr = k.gemm.nr, kc = k.gemm.kc;
  for (int tr = 0; tr < 4; ++tr) {
    const bool ta = tr & 1, tb = tr & 2;
    const size_t shapes[][3] = {
      {1, 1, 1},
      {1, 3 * nr + 5, 2 * kc + 3},
      {mr + 1, nr - 1, kc + 1},
      {2 * mr, 4 * nr + 1, kc - 1},
      {9 * mr + 2, 5 * nr + 3, 2 * kc + 1},
      {3, 2, 0},
      {530, 5 * nr + 3, 500},  // large enough that A is packed too
#if !defined(__aarch64__)
      {k.gemm.mc + mr + 1, 2 * nr + 1, 100},
      {7, k.gemm.nc + nr + 3, 9}
#endif
    };
    for (const auto& s : shapes) {
      Case c{ta, tb, s[0], s[1], s[2], 1, 2, 3, 1.5f, tr == 1 ? 0.f : 0.5f, true, Act::Linear, tr == 2};
      test_case(k, c);
    }
    Case zero_alpha{ta, tb, 5, 9, 4, 0, 0, 2, 0.f, 0.5f, true, Act::Linear, false};
    test_case(k, zero_alpha);
  }
  if (skipped) std::printf("SKIP %s: %d activation epilogue cases (math kernels not available yet)\n", k.name, skipped);
}

void test_errors(const Kernels& k) {
  std::vector<float> a(64, 1.f), b(64, 1.f), c(64, 0.f);
  bool threw = false;
  try {
    sgemm_with(k, 1, false, false, 4, 4, 4, 1.f, a.data(), 3, b.data(), 4, 0.f, c.data(), 4);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw, "%s: lda < k must throw std::invalid_argument", k.name);
}

}  // namespace

// The one-row path (batch-1 inference) gives the same bits as the same row
// computed inside a larger product by the micro-kernels, with every epilogue,
// on one thread and split by columns over two (wide layers: n * k >= 96 Ki).
void test_one_row_matches_tiles(const Kernels& k) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (size_t n : {1, 7, 16, 63, 64, 65, 130, 256})
    for (size_t kk : {1, 5, 255, 256, 257, 784, 1531})
      for (int act : {0, 1, 4, 7}) {
        const size_t m = 9;
        std::vector<float> a(m * kk), b(kk * n), bias(n), c1(n, NAN), cm(m * n, NAN), y1(n, NAN), ym(m * n, NAN);
        for (auto& v : a) v = u(rng);
        for (auto& v : b) v = u(rng);
        for (auto& v : bias) v = u(rng);
        GemmEpilogue ep;
        ep.bias = bias.data();
        ep.act = (Act)act;
        if (act != 0) {
          ep.act_out = y1.data();
          ep.ld_act_out = n;
        }
        if (act != 0) ep.act_out = ym.data();
        sgemm_with(k, 1, false, false, m, n, kk, 0.5f, a.data(), kk, b.data(), n, 0.f, cm.data(), n, &ep);
        for (size_t threads : {1, 2}) {
          std::fill(c1.begin(), c1.end(), NAN);
          std::fill(y1.begin(), y1.end(), NAN);
          if (act != 0) ep.act_out = y1.data();
          sgemm_with(k, threads, false, false, 1, n, kk, 0.5f, a.data(), kk, b.data(), n, 0.f, c1.data(), n, &ep);
          bool same = std::memcmp(c1.data(), cm.data(), n * sizeof(float)) == 0;
          if (act != 0) same = same && std::memcmp(y1.data(), ym.data(), n * sizeof(float)) == 0;
          CHECK(same, "%s one row n=%zu k=%zu act=%d threads=%zu differs from the tiled product", k.name, n, kk, act,
                threads);
        }
      }
}

// A narrow product (n below the tile width, computed through its transpose)
// gives the same bits as the same columns of a product wide enough for the
// direct path, for every transpose combination and epilogue (for softmax, its
// input), on 1 and 2 threads.
void test_narrow_matches_wide(const Kernels& k) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const size_t wide = std::max<size_t>(2 * k.gemm.nr, 16) + 3;  // wider than every n below
  for (size_t m : {31, 64, 97, 128, 300})
    for (size_t n : {1, 2, 5, 10, 12})
      for (size_t kk : {1, 7, 128, 257, 784})
        for (int t = 0; t < 4; ++t)
          for (int act : {0, 1, 4, 7}) {
            const bool ta = t & 1, tb = t & 2;
            std::vector<float> a(m * kk), bw(kk * wide), bn(kk * n), bias(wide);
            for (auto& v : a) v = u(rng);
            for (auto& v : bw) v = u(rng);
            for (auto& v : bias) v = u(rng);
            // B narrow = the first n columns of op(B) wide.
            for (size_t p = 0; p < kk; ++p)
              for (size_t j = 0; j < n; ++j) bn[tb ? j * kk + p : p * n + j] = bw[tb ? j * kk + p : p * wide + j];
            std::vector<float> cw(m * wide, NAN), yw(m * wide, NAN);
            GemmEpilogue ep;
            ep.bias = bias.data();
            ep.act = (Act)act;
            if (act != 0) ep.act_out = yw.data(), ep.ld_act_out = wide;
            sgemm_with(k, 1, ta, tb, m, wide, kk, 0.75f, a.data(), ta ? m : kk, bw.data(), tb ? kk : wide, 0.f,
                       cw.data(), wide, &ep);
            for (size_t threads : {1, 2}) {
              std::vector<float> cn(m * n, NAN), yn(m * n, NAN);
              if (act != 0) ep.act_out = yn.data(), ep.ld_act_out = n;
              sgemm_with(k, threads, ta, tb, m, n, kk, 0.75f, a.data(), ta ? m : kk, bn.data(), tb ? kk : n, 0.f,
                         cn.data(), n, &ep);
              bool same = true;
              for (size_t i = 0; i < m; ++i)
                same = same && std::memcmp(&cn[i * n], &cw[i * wide], n * sizeof(float)) == 0 &&
                       // (softmax normalizes over the row: only its input, C, is comparable)
                       (act == 0 || act == 7 || std::memcmp(&yn[i * n], &yw[i * wide], n * sizeof(float)) == 0);
              CHECK(same, "%s narrow %c%c m=%zu n=%zu k=%zu act=%d threads=%zu differs from the wide product", k.name,
                    ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, kk, act, threads);
            }
          }
}

// K blocks: as few as KC allows, of equal length (a multiple of 8, the last
// taking the rest), never longer than KC, covering k exactly.
void test_k_blocks() {
  for (size_t kc_max : {256, 320, 384})
    for (size_t k = 1; k <= 4 * kc_max + 9; ++k) {
      const size_t len = gemm_k_block(k, kc_max);
      size_t blocks = 0, covered = 0, last = 0;
      for (size_t pc = 0; pc < k; pc += len, ++blocks) covered += last = std::min(len, k - pc);
      const bool ok = len >= 1 && len <= kc_max && covered == k && blocks == (k + kc_max - 1) / kc_max &&
                      (k <= kc_max || len % 8 == 0) && last + 8 * blocks > len;
      CHECK(ok, "gemm_k_block(%zu, %zu) = %zu: %zu blocks, last %zu", k, kc_max, len, blocks, last);
    }
  CHECK(gemm_k_block(784, 256) == 200, "784 over KC 256: 4 blocks of 200 (the last 184), got %zu",
        gemm_k_block(784, 256));
}

// B packed once (pack_b_whole) and passed to many products gives the bits of
// the products that pack B themselves: every transpose of B, K blocking and
// column edges, epilogues, 1 and 2 threads.
void test_packed_b_matches(const Kernels& k) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const size_t nr = k.gemm.nr, kc = k.gemm.kc;
  for (bool tb : {false, true})
    for (size_t m : {3 * k.gemm.mr + 1, (size_t)97})
      for (size_t n : {nr, 3 * nr + 5, 2 * nr - 1})
        for (size_t kk : {(size_t)1, (size_t)37, kc + 1, 3 * kc + 16})
          for (int act : {0, 1, 7}) {
            std::vector<float> a(m * kk), b(kk * n), bias(n);
            for (auto& v : a) v = u(rng);
            for (auto& v : b) v = u(rng);
            for (auto& v : bias) v = u(rng);
            std::vector<float> packed(packed_b_floats(k, kk, n), NAN);
            pack_b_whole(k, tb, kk, n, b.data(), tb ? kk : n, packed.data());
            for (size_t threads : {1, 2}) {
              std::vector<float> c1(m * n, NAN), c2(m * n, NAN), y1(m * n, NAN), y2(m * n, NAN);
              GemmEpilogue ep;
              ep.bias = bias.data();
              ep.act = (Act)act;
              ep.act_out = act ? y1.data() : nullptr;
              ep.ld_act_out = n;
              sgemm_with(k, threads, false, tb, m, n, kk, 1.f, a.data(), kk, b.data(), tb ? kk : n, 0.f, c1.data(), n,
                         &ep);
              ep.packed_b = packed.data();
              ep.act_out = act ? y2.data() : nullptr;
              sgemm_with(k, threads, false, tb, m, n, kk, 1.f, a.data(), kk, b.data(), tb ? kk : n, 0.f, c2.data(), n,
                         &ep);
              const bool same = std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)) == 0 &&
                                std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)) == 0;
              CHECK(same, "%s packed B %c m=%zu n=%zu k=%zu act=%d threads=%zu differs from packing per product",
                    k.name, tb ? 'T' : 'N', m, n, kk, act, threads);
            }
          }
}

int main() {
  set_num_threads(2);
  test_k_blocks();
  for (int isa = 0; isa < 4; ++isa) {
    const Kernels* k = kernels_for((Isa)isa);
    if (!k) {
      std::printf("SKIP %s: not supported by this CPU or build\n", isa_name((Isa)isa));
      continue;
    }
    std::printf("testing %s (MR=%zu NR=%zu KC=%zu MC=%zu NC=%zu)\n", k->name, k->gemm.mr, k->gemm.nr, k->gemm.kc,
                k->gemm.mc, k->gemm.nc);
    test_isa(*k);
    test_errors(*k);
    test_one_row_matches_tiles(*k);
    test_narrow_matches_wide(*k);
    test_packed_b_matches(*k);
  }
  return check_summary("test_gemm");
}
