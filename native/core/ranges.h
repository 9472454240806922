// Whether two float arrays share any byte of storage, compared by address.
#pragma once
#include <cstddef>
#include <cstdint>

namespace simdnn {

inline bool floats_overlap(const float* a, size_t na, const float* b, size_t nb) {
  if (na == 0 || nb == 0) return false;
  const uintptr_t a0 = reinterpret_cast<uintptr_t>(a), b0 = reinterpret_cast<uintptr_t>(b);
  return a0 < b0 + nb * sizeof(float) && b0 < a0 + na * sizeof(float);
}

}  // namespace simdnn
