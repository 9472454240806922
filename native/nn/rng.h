// The one seeded random generator (xoshiro256**, seeded through splitmix64)
// that drives initialization, shuffling and dropout.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace simdnn {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }

  void reseed(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) {
      x += 0x9e3779b97f4a7c15ull;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
    has_spare_ = false;
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double uniform() { return (double)(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), unbiased.
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = next();
    while (r >= limit);
    return r % n;
  }
  // Standard normal (Box-Muller, both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1;
    do u1 = uniform();
    while (u1 <= 0.0);
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(6.283185307179586 * u2);
    has_spare_ = true;
    return r * std::cos(6.283185307179586 * u2);
  }
  // Fills perm with a uniformly random permutation of 0..n-1 (Fisher-Yates).
  void permutation(uint32_t* perm, size_t n) {
    for (size_t i = 0; i < n; ++i) perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; --i) {
      size_t j = (size_t)below(i);
      uint32_t t = perm[i - 1];
      perm[i - 1] = perm[j];
      perm[j] = t;
    }
  }

  // The full state as text (for saving a model mid-training), and back.
  std::string save() const {
    char buf[160];
    uint64_t spare_bits;
    static_assert(sizeof spare_bits == sizeof spare_, "double is 64-bit");
    __builtin_memcpy(&spare_bits, &spare_, sizeof spare_bits);
    std::snprintf(buf, sizeof buf, "%016llx:%016llx:%016llx:%016llx:%016llx:%d", (unsigned long long)s_[0],
                  (unsigned long long)s_[1], (unsigned long long)s_[2], (unsigned long long)s_[3],
                  (unsigned long long)spare_bits, has_spare_ ? 1 : 0);
    return buf;
  }
  bool load(const std::string& text) {
    unsigned long long s[4], spare_bits;
    int has = 0, used = 0;
    if (std::sscanf(text.c_str(), "%16llx:%16llx:%16llx:%16llx:%16llx:%d%n", &s[0], &s[1], &s[2], &s[3], &spare_bits,
                    &has, &used) != 6 ||
        (size_t)used != text.size() || (s[0] | s[1] | s[2] | s[3]) == 0 || (has != 0 && has != 1))
      return false;
    for (int i = 0; i < 4; ++i) s_[i] = s[i];
    uint64_t bits = spare_bits;
    __builtin_memcpy(&spare_, &bits, sizeof spare_);
    has_spare_ = has == 1;
    return true;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace simdnn
