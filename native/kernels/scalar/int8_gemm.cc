// The reference int8 GEMM: plain loops over int32 sums, the oracle of the
// SIMD variants. Packed form: the weights as given, k rows padded with zeros
// to int8_k_padded(k).
#include <algorithm>
#include <cstring>
#include <vector>

#include "../generic/int8_epilogue.h"
#include "../int8_kernels.h"

namespace simdnn {
namespace scalar {
namespace {

size_t packed_bytes(size_t k, size_t n) { return int8_k_padded(k) * n; }

void pack(const int8_t* w, size_t k, size_t n, void* packed) {
  int8_t* p = static_cast<int8_t*>(packed);
  std::memcpy(p, w, k * n);
  std::memset(p + k * n, 0, (int8_k_padded(k) - k) * n);
}

void gemm(size_t m, size_t n, size_t k, const uint8_t* a, size_t lda, const void* packed, const Int8Epilogue& ep) {
  const int8_t* w = static_cast<const int8_t*>(packed);
  const size_t kp = int8_k_padded(k);
  std::vector<int32_t> acc(n);
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* row = a + i * lda;
    std::fill(acc.begin(), acc.end(), 0);
    // Over the padded length, as the SIMD kernels read it (the padding weighs zero).
    for (size_t p = 0; p < kp; ++p) {
      const int32_t x = row[p];
      const int8_t* wr = w + p * n;
      for (size_t j = 0; j < n; ++j) acc[j] += x * (int32_t)wr[j];
    }
    for (size_t j = 0; j < n; ++j) int8_store(ep, i, j, acc[j]);
  }
}

}  // namespace

const Int8GemmKernels kInt8Gemm = {"scalar", packed_bytes, pack, gemm, int8_quantize_ref};

}  // namespace scalar
}  // namespace simdnn
