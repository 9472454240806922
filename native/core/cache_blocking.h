// The GEMM's cache blocking (KC, MC, NC) derived from the sizes of the
// caches of the machine it runs on, instead of constants tuned for one CPU.
//
//  - KC: the B micro-panel (KC x NR floats) stays in L1 while the A
//    micro-panels (MR x KC) stream past it from L2. It gets a share of L1's
//    ways (the ISA's rule), the rest is left to the A stream and the C tile.
//  - MC: the packed A block (MC x KC) stays in L2 while the B panels of the
//    column block pass; it gets a share of L2 (B's panels and C's rows stream
//    through the rest).
//  - NC: the packed B block (KC x NC) in a share of L3, at most kMaxNc.
#pragma once
#include <cstddef>
#include <string>

namespace simdnn {

struct GemmKernels;

// Sizes in bytes (L1d and L2 of one core; L3 as the CPU reports it), 0 when
// unknown, and associativity (0: unknown).
struct CacheSizes {
  size_t l1d = 0, l2 = 0, l3 = 0;
  unsigned l1d_ways = 0, l2_ways = 0;
  std::string source;  // "sysfs", "cpuid 4", "cpuid 0x8000001d", "cpuid 0x80000005/6", "default", "test"
};

// How one ISA's kernels share the caches (fractions of each cache's size).
struct BlockingRule {
  double l1_share;  // of L1d for the B micro-panel (KC x NR)
  double l2_share;  // of L2 for the packed A block (MC x KC)
  double l3_share;  // of L3 for the packed B block (KC x NC)
  size_t kc_min, kc_max;
};

struct GemmBlocking {
  size_t kc, mc, nc;
};

// The caches of the CPU this runs on: Linux's sysfs when it has them, else
// CPUID (leaf 4 on Intel, 0x8000001D or the legacy 0x80000005/6 on AMD),
// else sizes common to the CPUs we build for (32 KiB L1d, 1 MiB L2, 16 MiB L3).
// Values outside plausible ranges (a hypervisor's) are replaced by those.
CacheSizes detect_cache_sizes();

// The blocking for a register tile of mr x nr floats under `rule` with these
// caches: KC a multiple of 8 in [kc_min, kc_max], MC a multiple of mr (at
// least 2 mr), NC a multiple of nr (at least nr, at most kMaxNc).
GemmBlocking derive_gemm_blocking(const CacheSizes& caches, size_t mr, size_t nr, const BlockingRule& rule);

// The rule of an ISA by its name ("scalar", "avx2", "avx512", "neon").
BlockingRule blocking_rule(const char* isa);

// Sets g.kc / g.mc / g.nc for these caches (g.mr, g.nr filled already).
// SIMDNN_GEMM_BLOCKING=KC,MC,NC overrides the derivation (for tuning: the
// values are checked and rounded as the derivation's are). Returns an error
// message for a malformed override (the derived values are kept), or "".
std::string apply_gemm_blocking(GemmKernels& g, const char* isa, const CacheSizes& caches);

// The caches detected once per process (what apply_gemm_blocking was given).
const CacheSizes& machine_caches();

constexpr size_t kMaxNc = 4096;

}  // namespace simdnn
