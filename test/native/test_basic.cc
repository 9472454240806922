// Every ISA's basic kernels agree with a double-precision reference.
#include <cmath>
#include <random>
#include <vector>

#include "check.h"
#include "kernels/kernels.h"

using namespace simdnn;

int main() {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int isa = 0; isa < 4; ++isa) {
    const Kernels* k = kernels_for((Isa)isa);
    if (!k) continue;
    for (size_t n : {0, 1, 2, 7, 15, 16, 17, 31, 33, 64, 257, 1023}) {
      std::vector<float> a(n), b(n), y(n), y0;
      for (size_t i = 0; i < n; ++i) a[i] = u(rng), b[i] = u(rng), y[i] = u(rng);
      double ref = 0, refsum = 0, absum = 0;
      for (size_t i = 0; i < n; ++i)
        ref += (double)a[i] * b[i], refsum += a[i], absum += std::fabs(a[i] * b[i]) + std::fabs(a[i]);
      float got = k->basic.dot(a.data(), b.data(), n);
      CHECK(std::fabs(got - ref) <= 1e-6 * (absum + 1), "%s dot n=%zu got %g want %g", k->name, n, got, ref);
      float s = k->basic.sum(a.data(), n);
      CHECK(std::fabs(s - refsum) <= 1e-6 * (absum + 1), "%s sum n=%zu", k->name, n);
      y0 = y;
      k->basic.axpy(n, 0.5f, a.data(), y.data());
      for (size_t i = 0; i < n; ++i)
        CHECK(std::fabs(y[i] - (y0[i] + 0.5 * a[i])) <= 1e-6, "%s axpy n=%zu i=%zu", k->name, n, i);
    }
  }
  return check_summary("test_basic");
}
