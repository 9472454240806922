// Prints the FMA peak of one core (see peak.h) as one line of JSON:
//   {"ymm": GFLOP/s, "zmm": GFLOP/s or null, "best": GFLOP/s}
// Built and run by bench/gemm/peak.mjs for suites that report a share of the peak.
#include "peak.h"

#include <cstdio>

int main() {
  const simdnn_bench::FmaPeak p = simdnn_bench::fma_peak();
  if (p.zmm > 0)
    std::printf("{\"ymm\": %.2f, \"zmm\": %.2f, \"best\": %.2f}\n", p.ymm, p.zmm, p.best());
  else
    std::printf("{\"ymm\": %.2f, \"zmm\": null, \"best\": %.2f}\n", p.ymm, p.best());
  return 0;
}
