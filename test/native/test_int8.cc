// The int8 GEMM variants against the scalar reference (bitwise: u8 and f32
// outputs) and the scalar reference against exact int64 sums: awkward
// shapes (1, primes, around the tiles), padded row strides, u8 output with
// and without a fused ReLU, and worst-case values (every a = 255, every
// w = ±127, long k), which a saturating 16-bit pair sum (vpmaddubsw) would
// get wrong. The float-to-u8 quantization of every variant against the
// scalar one (ties, NaN, infinities, tails).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "kernels/int8_kernels.h"

using namespace simdnn;

namespace {

#if defined(__aarch64__)
constexpr int kRandomCases = 25;  // qemu is slow
#else
constexpr int kRandomCases = 150;
#endif

const char* kVariants[] = {"scalar", "avx2-int16", "avx-vnni", "avx512-vnni", "neon-widen", "neon-dot"};

struct Problem {
  size_t m, n, k, lda;
  std::vector<uint8_t> a;  // m x lda, plus the read slack
  std::vector<int8_t> w;   // k x n
  std::vector<int32_t> bias;
  std::vector<float> mult;
  float zp, lo;
};

Problem make(std::mt19937& rng, size_t m, size_t n, size_t k, size_t pad, bool worst, int worst_sign) {
  Problem p;
  p.m = m, p.n = n, p.k = k, p.lda = k + pad;
  p.a.assign(m * p.lda + int8_k_padded(k) + kInt8ASlack, 0);
  std::uniform_int_distribution<int> ua(0, 255), uw(-127, 127), ub(-100000, 100000);
  // Bytes outside the k columns hold junk: the kernels must ignore them.
  for (auto& v : p.a) v = (uint8_t)ua(rng);
  p.w.resize(k * n);
  for (auto& v : p.w) v = (int8_t)uw(rng);
  if (worst) {
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < k; ++j) p.a[i * p.lda + j] = 255;
    for (size_t j = 0; j < k * n; ++j) p.w[j] = (int8_t)(worst_sign * 127);
    if (worst_sign == 0)
      for (size_t j = 0; j < k * n; ++j) p.w[j] = (j / n) % 2 ? -127 : 127;
  }
  p.bias.resize(n);
  p.mult.resize(n);
  std::uniform_real_distribution<float> um(1e-6f, 1e-3f);
  for (size_t j = 0; j < n; ++j) {
    p.bias[j] = ub(rng);
    p.mult[j] = um(rng);
  }
  p.zp = (float)(rng() % 256);
  p.lo = 0.f;
  return p;
}

struct Out {
  std::vector<uint8_t> u8;
  std::vector<float> f32;
};

// Runs one variant; the output rows have a stride of n + 3 and the padding
// is poisoned, so writes outside the m x n window show.
Out run(const Int8GemmKernels& kern, const Problem& p, bool relu) {
  std::vector<uint8_t> packed(kern.packed_bytes(p.k, p.n) + 64);
  void* aligned = packed.data() + (64 - (reinterpret_cast<uintptr_t>(packed.data()) % 64)) % 64;
  kern.pack(p.w.data(), p.k, p.n, aligned);
  const size_t ldc = p.n + 3;
  Out o;
  o.u8.assign(p.m * ldc, 0xAB);
  o.f32.assign(p.m * ldc, -1234.5f);
  Int8Epilogue ep;
  ep.bias = p.bias.data();
  ep.mult = p.mult.data();
  ep.zp = p.zp;
  ep.lo = relu ? p.zp : 0.f;
  ep.ldc = ldc;
  ep.out_u8 = o.u8.data();
  kern.gemm(p.m, p.n, p.k, p.a.data(), p.lda, aligned, ep);
  ep.out_u8 = nullptr;
  ep.out_f32 = o.f32.data();
  kern.gemm(p.m, p.n, p.k, p.a.data(), p.lda, aligned, ep);
  return o;
}

std::string describe(const char* name, const Problem& p, bool relu) {
  char s[160];
  std::snprintf(s, sizeof s, "%s m=%zu n=%zu k=%zu lda=%zu relu=%d", name, p.m, p.n, p.k, p.lda, relu);
  return s;
}

// The scalar reference's f32 output equals the exact sum (in int64) through the documented epilogue.
void check_reference(const Problem& p, const Out& o) {
  const size_t ldc = p.n + 3;
  for (size_t i = 0; i < p.m; ++i)
    for (size_t j = 0; j < p.n; ++j) {
      int64_t s = 0;
      for (size_t kk = 0; kk < p.k; ++kk) s += (int64_t)p.a[i * p.lda + kk] * p.w[kk * p.n + j];
      const float want = (float)(int32_t)(s + p.bias[j]) * p.mult[j];
      CHECK(o.f32[i * ldc + j] == want, "reference m=%zu n=%zu k=%zu at (%zu,%zu): %g vs exact %g", p.m, p.n, p.k, i, j,
            o.f32[i * ldc + j], want);
      float t = want + p.zp;
      t = std::fmin(std::fmax(t, 0.f), 255.f);
      CHECK(o.u8[i * ldc + j] == (uint8_t)std::nearbyint(t), "reference u8 at (%zu,%zu)", i, j);
    }
}

void compare(const Problem& p, bool relu) {
  const Out ref = run(*int8_kernels_named("scalar"), p, relu);
  if (!relu) check_reference(p, ref);
  const size_t ldc = p.n + 3;
  for (const char* name : kVariants) {
    const Int8GemmKernels* k = int8_kernels_named(name);
    if (!k) continue;
    const Out o = run(*k, p, relu);
    size_t bad = 0;
    for (size_t i = 0; i < p.m; ++i)
      for (size_t j = 0; j < ldc; ++j) {
        const size_t at = i * ldc + j;
        if (j >= p.n) {
          bad += o.u8[at] != 0xAB || o.f32[at] != -1234.5f;
          continue;
        }
        uint32_t fa, fb;
        std::memcpy(&fa, &o.f32[at], 4);
        std::memcpy(&fb, &ref.f32[at], 4);
        bad += o.u8[at] != ref.u8[at] || fa != fb;
        if (relu) bad += o.u8[at] < (uint8_t)p.zp;
      }
    CHECK(bad == 0, "%s: %zu elements differ from the scalar reference (or written outside)",
          describe(name, p, relu).c_str(), bad);
  }
}

}  // namespace

int main() {
  std::printf("int8 variants here: %s (in use: %s)\n", int8_available(), int8_kernels().name);
  std::mt19937 rng(19);
  const size_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 13, 15, 16, 17, 31, 47, 48, 49, 97};
  for (size_t m : {(size_t)1, (size_t)5, (size_t)7})
    for (size_t n : sizes)
      for (size_t k : {(size_t)1, (size_t)3, (size_t)16, (size_t)17, (size_t)61}) {
        compare(make(rng, m, n, k, 0, false, 0), false);
        compare(make(rng, m, n, k, 5, false, 0), true);
      }
  // The networks' shapes (conv 3x3 over 1 and 32 channels, the MLP), with row counts around the
  // AVX-512 tiles (6, 8 and 12 rows for 4, 3 and 2 panels of 16 columns).
  for (size_t m : {(size_t)11, (size_t)12, (size_t)13, (size_t)24, (size_t)25})
    for (size_t n : {(size_t)10, (size_t)32, (size_t)48, (size_t)64, (size_t)128, (size_t)256})
      for (size_t k : {(size_t)9, (size_t)288, (size_t)784}) compare(make(rng, m, n, k, m % 3, false, 0), n % 3 == 1);
  std::uniform_int_distribution<size_t> dm(1, 70), dn(1, 130), dk(1, 400), dp(0, 9);
  for (int c = 0; c < kRandomCases; ++c) {
    Problem p = make(rng, dm(rng), dn(rng), dk(rng), dp(rng), false, 0);
    compare(p, c % 2 == 1);
  }
  // Worst case: a = 255 and w = 127 (all positive), w = -127, and alternating
  // signs: the exact sums reach 255 * 127 * k; vpmaddubsw would clamp each
  // pair at 32767 (255 * 127 * 2 = 64770).
  for (int sign : {1, -1, 0})
    for (size_t k : {(size_t)2, (size_t)64, (size_t)1000, (size_t)4099}) {
      Problem p = make(rng, 7, 19, k, 3, true, sign);
      compare(p, false);
      // The first element is the exact sum itself (bias 0, mult 1): no clamp anywhere.
      Problem q = p;
      std::fill(q.bias.begin(), q.bias.end(), 0);
      std::fill(q.mult.begin(), q.mult.end(), 1.f);
      for (const char* name : kVariants) {
        const Int8GemmKernels* kern = int8_kernels_named(name);
        if (!kern) continue;
        const Out o = run(*kern, q, false);
        int64_t s = 0;
        for (size_t kk = 0; kk < k; ++kk) s += 255 * (int64_t)q.w[kk * q.n];
        CHECK(o.f32[0] == (float)s, "%s worst case k=%zu sign=%d: %g, exact %lld", name, k, sign, o.f32[0],
              (long long)s);
      }
    }
  // quantize: every variant bitwise equal to the scalar one, and the reference equal to the rule with
  // round-half-to-even: ties (x / scale = k + 0.5), NaN, infinities, huge values, every tail length.
  {
    std::vector<float> x;
    const float scale = 0.25f;
    for (int t = -600; t <= 600; ++t) x.push_back(scale * (t * 0.5f));  // ties at every odd t
    std::uniform_real_distribution<float> du(-100.f, 100.f);
    for (int i = 0; i < 997; ++i) x.push_back(du(rng));
    for (float v : {NAN, INFINITY, -INFINITY, 3e38f, -3e38f, 0.f, -0.f}) x.push_back(v);
    for (int32_t zp : {0, 3, 128, 255}) {
      const Int8GemmKernels& ref = *int8_kernels_named("scalar");
      std::vector<uint8_t> want(x.size());
      ref.quantize(x.data(), x.size(), scale, zp, want.data());
      for (size_t i = 0; i < x.size(); ++i) {
        const float t = x[i] / scale;
        const double r = std::isnan(t) ? -1e6 : std::nearbyint(std::min(std::max((double)t, -1e6), 1e6));
        const double v = std::min(std::max(r + zp, 0.0), 255.0);
        CHECK(want[i] == (uint8_t)v, "scalar quantize of %g (zp %d): %d, expected %g", x[i], zp, want[i], v);
      }
      for (const char* name : kVariants) {
        const Int8GemmKernels* kern = int8_kernels_named(name);
        if (!kern) continue;
        for (size_t len : {x.size(), (size_t)1, (size_t)7, (size_t)15, (size_t)17, (size_t)33}) {
          std::vector<uint8_t> got(len + 1, 0xAB);
          kern->quantize(x.data() + x.size() - len, len, scale, zp, got.data());
          size_t bad = got[len] != 0xAB;
          for (size_t i = 0; i < len; ++i) bad += got[i] != want[x.size() - len + i];
          CHECK(bad == 0, "%s quantize, %zu values, zp %d: %zu differ from the scalar reference (or written past)",
                name, len, zp, bad);
        }
      }
    }
  }
  return check_summary("int8");
}
