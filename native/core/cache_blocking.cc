#include "cache_blocking.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "../kernels/gemm_kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace simdnn {
namespace {

constexpr size_t KiB = 1024, MiB = 1024 * 1024;

bool read_line(const std::string& path, std::string& out) {
  std::ifstream f(path);
  return static_cast<bool>(std::getline(f, out));
}

// "48K", "1024K", "32M" -> bytes (0 when unreadable).
size_t parse_size(const std::string& s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (end == s.c_str()) return 0;
  if (*end == 'K') return (size_t)v * KiB;
  if (*end == 'M') return (size_t)v * MiB;
  if (*end == 'G') return (size_t)v * 1024 * MiB;
  return (size_t)v;
}

// /sys/devices/system/cpu/cpu0/cache/indexN/{level,type,size,ways_of_associativity}
bool from_sysfs(CacheSizes& c) {
  bool any = false;
  for (int i = 0; i < 8; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::string level, type, size, ways;
    if (!read_line(dir + "level", level) || !read_line(dir + "type", type) || !read_line(dir + "size", size)) break;
    read_line(dir + "ways_of_associativity", ways);
    const size_t bytes = parse_size(size);
    const unsigned w = (unsigned)std::strtoul(ways.c_str(), nullptr, 10);
    if (level == "1" && (type == "Data" || type == "Unified")) c.l1d = bytes, c.l1d_ways = w, any = true;
    if (level == "2" && type != "Instruction") c.l2 = bytes, c.l2_ways = w, any = true;
    if (level == "3" && type != "Instruction") c.l3 = bytes, any = true;
  }
  if (any) c.source = "sysfs";
  return any;
}

#if defined(__x86_64__)
// Deterministic cache parameters: leaf 4 (Intel) and 0x8000001D (AMD) share
// one layout.
bool from_cpuid_leaf(unsigned leaf, CacheSizes& c) {
  unsigned a = 0, b = 0, cx = 0, d = 0;
  bool any = false;
  for (unsigned sub = 0; sub < 16; ++sub) {
    if (!__get_cpuid_count(leaf, sub, &a, &b, &cx, &d)) return false;
    const unsigned type = a & 31, level = (a >> 5) & 7;
    if (type == 0) break;
    const unsigned ways = ((b >> 22) & 1023) + 1, parts = ((b >> 12) & 1023) + 1, line = (b & 4095) + 1;
    const size_t bytes = (size_t)ways * parts * line * ((size_t)cx + 1);
    if (type == 2) continue;  // instruction cache
    if (level == 1) c.l1d = bytes, c.l1d_ways = ways, any = true;
    if (level == 2) c.l2 = bytes, c.l2_ways = ways, any = true;
    if (level == 3) c.l3 = bytes, any = true;
  }
  return any;
}

// AMD's legacy leaves (what some hypervisors pass through when 0x8000001D is
// empty): L1d in 0x80000005 ECX, L2 in 0x80000006 ECX, L3 in its EDX.
bool from_cpuid_legacy_amd(CacheSizes& c) {
  unsigned a = 0, b = 0, cx = 0, d = 0;
  if ((unsigned)__get_cpuid_max(0x80000000, nullptr) < 0x80000006u) return false;
  __get_cpuid(0x80000005, &a, &b, &cx, &d);
  c.l1d = (size_t)(cx >> 24) * KiB;
  c.l1d_ways = (cx >> 16) & 255;
  __get_cpuid(0x80000006, &a, &b, &cx, &d);
  c.l2 = (size_t)(cx >> 16) * KiB;
  c.l3 = (size_t)(d >> 18) * 512 * KiB;
  return c.l1d > 0 || c.l2 > 0;
}

bool from_cpuid(CacheSizes& c) {
  unsigned a = 0, b = 0, cx = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &cx, &d)) return false;
  char vendor[13];
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &cx, 4);
  vendor[12] = 0;
  if (std::strcmp(vendor, "GenuineIntel") == 0) {
    if (a >= 4 && from_cpuid_leaf(4, c)) return c.source = "cpuid 4", true;
    return false;
  }
  if (std::strcmp(vendor, "AuthenticAMD") == 0 || std::strcmp(vendor, "HygonGenuine") == 0) {
    unsigned e1 = 0;
    if (__get_cpuid(0x80000001, &a, &b, &e1, &d) && (e1 & (1u << 22)) && from_cpuid_leaf(0x8000001D, c))
      return c.source = "cpuid 0x8000001d", true;
    c = CacheSizes{};
    if (from_cpuid_legacy_amd(c)) return c.source = "cpuid 0x80000005/6", true;
  }
  return false;
}
#endif

// Sizes a hypervisor may report (0, or an L3 of hundreds of MiB for a
// 2-core guest) are replaced by common ones.
void sanitize(CacheSizes& c) {
  if (c.l1d < 8 * KiB || c.l1d > 512 * KiB) c.l1d = 32 * KiB, c.l1d_ways = 0;
  if (c.l2 < 128 * KiB || c.l2 > 64 * MiB) c.l2 = 1 * MiB, c.l2_ways = 0;
  if (c.l3 > 0 && c.l3 < c.l2) c.l3 = 0;  // no L3 (many ARM cores): L2 is the last level
  if (c.l3 > 256 * MiB) c.l3 = 0;
  if (c.l3 == 0) c.l3 = c.l2 > 16 * MiB ? c.l2 : 16 * MiB;
}

size_t round_down(size_t v, size_t q) { return v / q * q; }

}  // namespace

CacheSizes detect_cache_sizes() {
  CacheSizes c;
  bool found = from_sysfs(c);
#if defined(__x86_64__)
  if (!found || c.l1d == 0) {
    c = CacheSizes{};
    found = from_cpuid(c);
  }
#endif
  if (!found) c = CacheSizes{}, c.source = "default";
  sanitize(c);
  return c;
}

GemmBlocking derive_gemm_blocking(const CacheSizes& caches, size_t mr, size_t nr, const BlockingRule& rule) {
  GemmBlocking b;
  const double f = sizeof(float);
  size_t kc = round_down((size_t)(caches.l1d * rule.l1_share / (f * nr)), 8);
  if (kc < rule.kc_min) kc = rule.kc_min;
  if (kc > rule.kc_max) kc = rule.kc_max;
  b.kc = kc;
  size_t mc = round_down((size_t)(caches.l2 * rule.l2_share / (f * kc)), mr);
  if (mc < 2 * mr) mc = 2 * mr;
  b.mc = mc;
  size_t nc = round_down((size_t)(caches.l3 * rule.l3_share / (f * kc)), nr);
  if (nc > kMaxNc) nc = round_down(kMaxNc, nr);
  if (nc < nr) nc = nr;
  b.nc = nc;
  return b;
}

BlockingRule blocking_rule(const char* isa) {
  // AVX-512 (12 x 32 tile): B's panel in 3/4 of L1 (192 on Zen 4's 32 KiB,
  // 288 on Zen 5's 48 KiB), A's block in an eighth of L2.
  if (std::strcmp(isa, "avx512") == 0) return {0.75, 0.125, 0.5, 128, 384};
  // AVX2 (6 x 16 tile): about half of L1 (264 on Zen 3's 32 KiB: k = 784 is
  // then three blocks), A's block in 29% of L2 (144 x 264 in Zen 3's 512 KiB).
  if (std::strcmp(isa, "avx2") == 0) return {0.52, 0.2905, 0.5, 128, 384};
  // NEON (8 x 12 tile): B's panel in 3/8 of a 32 KiB L1 (Cortex-A72), at most 256.
  if (std::strcmp(isa, "neon") == 0) return {0.375, 0.125, 0.5, 128, 256};
  // The scalar reference (4 x 16): half of L1, a small A block, a narrow B block.
  return {0.5, 0.0625, 0.0625, 128, 256};
}

std::string apply_gemm_blocking(GemmKernels& g, const char* isa, const CacheSizes& caches) {
  const GemmBlocking b = derive_gemm_blocking(caches, g.mr, g.nr, blocking_rule(isa));
  g.kc = b.kc;
  g.mc = b.mc;
  g.nc = b.nc;
  const char* env = std::getenv("SIMDNN_GEMM_BLOCKING");
  if (!env || !*env) return "";
  unsigned long kc = 0, mc = 0, nc = 0;
  char tail = 0;
  if (std::sscanf(env, "%lu,%lu,%lu%c", &kc, &mc, &nc, &tail) != 3 || kc < 8 || kc > 4096 || mc < g.mr || mc > 65536 ||
      nc < g.nr || nc > 65536)
    return std::string("SIMDNN_GEMM_BLOCKING must be KC,MC,NC (KC 8-4096, MC >= MR, NC >= NR), but received '") + env +
           "'";
  g.kc = round_down(kc, 8);
  g.mc = round_down(mc, g.mr);
  g.nc = round_down(nc, g.nr);
  return "";
}

const CacheSizes& machine_caches() {
  static const CacheSizes c = detect_cache_sizes();
  return c;
}

}  // namespace simdnn
