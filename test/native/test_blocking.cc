// The GEMM's cache blocking derived from cache tables (Zen 3, Zen 4, Zen 5,
// Skylake-SP, Neoverse N1): blocks that fit the caches they are meant for,
// the values measured best where they were tuned, the override, and products
// computed with every derived blocking equal to an fp64 reference.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "core/cache_blocking.h"
#include "core/gemm.h"
#include "kernels/kernels.h"

using namespace simdnn;

namespace {

constexpr size_t KiB = 1024, MiB = 1024 * 1024;

struct Machine {
  const char* name;
  CacheSizes caches;
};

std::vector<Machine> machines() {
  auto make = [](size_t l1, unsigned w1, size_t l2, unsigned w2, size_t l3) {
    CacheSizes c;
    c.l1d = l1, c.l1d_ways = w1, c.l2 = l2, c.l2_ways = w2, c.l3 = l3, c.source = "test";
    return c;
  };
  return {
      {"Zen 3 (EPYC 7003)", make(32 * KiB, 8, 512 * KiB, 8, 32 * MiB)},
      {"Zen 4 (EPYC 9004)", make(32 * KiB, 8, 1 * MiB, 8, 32 * MiB)},
      {"Zen 5 (EPYC 9005)", make(48 * KiB, 12, 1 * MiB, 16, 32 * MiB)},
      {"Skylake-SP (Xeon Gold 6148)", make(32 * KiB, 8, 1 * MiB, 16, 27 * MiB + 512 * KiB)},
      {"Neoverse N1 (Graviton2)", make(64 * KiB, 4, 1 * MiB, 8, 32 * MiB)},
  };
}

struct Tile {
  const char* isa;
  size_t mr, nr;
};
const Tile kTiles[] = {{"scalar", 4, 4}, {"avx2", 6, 16}, {"avx512", 12, 32}, {"neon", 8, 12}};

void test_blocks_fit_their_caches() {
  for (const Machine& m : machines())
    for (const Tile& t : kTiles) {
      const GemmBlocking b = derive_gemm_blocking(m.caches, t.mr, t.nr, blocking_rule(t.isa));
      const size_t b_panel = b.kc * t.nr * 4, a_block = b.mc * b.kc * 4, b_block = b.kc * b.nc * 4;
      CHECK(b.kc % 8 == 0 && b.kc >= 128 && b.kc <= 384, "%s %s: KC %zu not a multiple of 8 in [128, 384]", m.name,
            t.isa, b.kc);
      CHECK(b_panel <= m.caches.l1d, "%s %s: B panel %zu B exceeds L1d %zu B", m.name, t.isa, b_panel, m.caches.l1d);
      CHECK(b.mc % t.mr == 0 && b.mc >= 2 * t.mr, "%s %s: MC %zu not a multiple of MR %zu (>= 2 MR)", m.name, t.isa,
            b.mc, t.mr);
      CHECK(a_block <= m.caches.l2 / 2, "%s %s: A block %zu B exceeds half of L2 %zu B", m.name, t.isa, a_block,
            m.caches.l2);
      CHECK(b.nc % t.nr == 0 && b.nc >= t.nr && b.nc <= kMaxNc, "%s %s: NC %zu not a multiple of NR %zu in range",
            m.name, t.isa, b.nc, t.nr);
      CHECK(b_block <= m.caches.l3, "%s %s: B block %zu B exceeds L3 %zu B", m.name, t.isa, b_block, m.caches.l3);
      std::printf("  %-28s %-7s KC %3zu MC %4zu NC %4zu (B panel %5.1f KiB of L1d, A block %6.1f KiB of L2)\n", m.name,
                  t.isa, b.kc, b.mc, b.nc, b_panel / 1024.0, a_block / 1024.0);
    }
  // Where the constants were tuned by measurement, the derivation gives them.
  const std::vector<Machine> ms = machines();
  const GemmBlocking zen3_avx2 = derive_gemm_blocking(ms[0].caches, 6, 16, blocking_rule("avx2"));
  CHECK(zen3_avx2.kc == 264 && zen3_avx2.mc == 144, "Zen 3 AVX2: KC %zu MC %zu, tuned 264 / 144", zen3_avx2.kc,
        zen3_avx2.mc);
  const GemmBlocking zen4 = derive_gemm_blocking(ms[1].caches, 12, 32, blocking_rule("avx512"));
  CHECK(zen4.kc == 192, "Zen 4 AVX-512: KC %zu, tuned 192", zen4.kc);
  const GemmBlocking zen5 = derive_gemm_blocking(ms[2].caches, 12, 32, blocking_rule("avx512"));
  CHECK(zen5.kc > zen4.kc, "Zen 5's 48 KiB L1d gives a longer KC than Zen 4's 32 KiB: %zu vs %zu", zen5.kc, zen4.kc);
}

void test_override() {
  const CacheSizes c = machines()[2].caches;
  const Kernels* k = kernels_for(Isa::Scalar);
  GemmKernels g = k->gemm;
  setenv("SIMDNN_GEMM_BLOCKING", "100,50,70", 1);
  std::string err = apply_gemm_blocking(g, "scalar", c);
  CHECK(err.empty() && g.kc == 96 && g.mc == 48 && g.nc == 68, "override 100,50,70 -> %zu,%zu,%zu (%s)", g.kc, g.mc,
        g.nc, err.c_str());
  setenv("SIMDNN_GEMM_BLOCKING", "256,x", 1);
  err = apply_gemm_blocking(g, "scalar", c);
  const GemmBlocking d = derive_gemm_blocking(c, g.mr, g.nr, blocking_rule("scalar"));
  CHECK(
      err.find("SIMDNN_GEMM_BLOCKING must be KC,MC,NC") != std::string::npos && err.find("256,x") != std::string::npos,
      "a malformed override is named: '%s'", err.c_str());
  CHECK(g.kc == d.kc && g.mc == d.mc && g.nc == d.nc, "a malformed override keeps the derived blocking");
  unsetenv("SIMDNN_GEMM_BLOCKING");
}

// Every ISA's kernels with every machine's blocking compute the product (an
// fp64 reference; shapes across several K, M and N blocks).
void test_products_with_each_blocking() {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int isa = 0; isa < 4; ++isa) {
    const Kernels* base = kernels_for((Isa)isa);
    if (!base) continue;
    for (const Machine& mach : machines()) {
      Kernels k = *base;
      const GemmBlocking b = derive_gemm_blocking(mach.caches, k.gemm.mr, k.gemm.nr, blocking_rule(k.name));
      k.gemm.kc = b.kc, k.gemm.mc = b.mc, k.gemm.nc = b.nc;
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          const size_t m = b.mc + k.gemm.mr + 3, n = 2 * k.gemm.nr + 7, kk = 2 * b.kc + 19;
          std::vector<float> a(m * kk), bm(kk * n), c(m * n, NAN);
          for (auto& v : a) v = u(rng);
          for (auto& v : bm) v = u(rng);
          sgemm_with(k, 2, ta, tb, m, n, kk, 1.f, a.data(), ta ? m : kk, bm.data(), tb ? kk : n, 0.f, c.data(), n);
          double worst = 0;
          for (size_t i = 0; i < m; ++i)
            for (size_t j = 0; j < n; ++j) {
              double ref = 0, mag = 0;
              for (size_t p = 0; p < kk; ++p) {
                const double x = ta ? a[p * m + i] : a[i * kk + p], y = tb ? bm[j * kk + p] : bm[p * n + j];
                ref += x * y, mag += std::fabs(x * y);
              }
              worst = std::fmax(worst, std::fabs(c[i * n + j] - ref) / (mag + 1e-30));
            }
          CHECK(worst < 1e-5, "%s with %s's blocking %c%c %zux%zux%zu: relative error %g", k.name, mach.name,
                ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, kk, worst);
        }
    }
  }
}

}  // namespace

int main() {
  test_blocks_fit_their_caches();
  test_override();
  test_products_with_each_blocking();
  const CacheSizes& here = machine_caches();
  std::printf("this machine: L1d %zu KiB, L2 %zu KiB, L3 %zu KiB (%s)\n", here.l1d / 1024, here.l2 / 1024,
              here.l3 / 1024, here.source.c_str());
  return check_summary("test_blocking");
}
