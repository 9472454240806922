// Integer GEMM kernels for quantized inference: C = epilogue(A · W) with A
// unsigned 8-bit activations (m x k, row stride lda) and W signed 8-bit
// weights (k x n, values in [-127, 127]) packed once per kernel variant.
// Every variant computes the exact int32 sums Σ a·w (no saturating step), so
// all of them are bitwise equal to the scalar reference, epilogue included:
//   t = (float)(acc + bias[j]) * mult[j]                        (f32 output: y = t)
//   q = round_half_even(min(max(t + zp, lo), 255))              (u8 output; lo = zp fuses ReLU)
// The float steps are single IEEE operations in this order on every ISA
// (no FMA), and the rounding is the CPU's round-to-nearest-even.
#pragma once
#include <cstddef>
#include <cstdint>

namespace simdnn {

// Rows of A are read in whole groups of kInt8KAlign bytes: the kernels read
// round_up(k, kInt8KAlign) bytes of each row (the bytes past k may hold
// anything: the packed weights are zero there), so the memory after the last
// row's k-th byte must stay readable for that long (see int8_a_slack).
constexpr size_t kInt8KAlign = 16;
inline size_t int8_k_padded(size_t k) { return (k + kInt8KAlign - 1) / kInt8KAlign * kInt8KAlign; }
// Bytes to allocate past an activation buffer so that the last row's padded read stays inside it.
constexpr size_t kInt8ASlack = kInt8KAlign;

struct Int8Epilogue {
  const int32_t* bias = nullptr;  // n values: the real bias and the zero-point compensation, in accumulator units
  const float* mult = nullptr;    // n values: input scale x weight scale (/ output scale for u8 output)
  float zp = 0.f;                 // u8 output: the output zero point
  float lo = 0.f;                 // u8 output: lower clamp (the zero point when a ReLU is fused, else 0)
  uint8_t* out_u8 = nullptr;      // exactly one of out_u8 / out_f32
  float* out_f32 = nullptr;
  size_t ldc = 0;  // row stride of the output, in elements
};

struct Int8GemmKernels {
  const char* name;  // "scalar", "avx2-int16", "avx-vnni", "avx512-vnni", "neon-widen", "neon-dot"
  // Bytes of the packed form of a k x n weight matrix.
  size_t (*packed_bytes)(size_t k, size_t n);
  // Packs w (k x n row-major) into `packed` (packed_bytes(k, n) bytes, 64-byte aligned).
  void (*pack)(const int8_t* w, size_t k, size_t n, void* packed);
  // The m x n product of A and the packed weights, through the epilogue.
  void (*gemm)(size_t m, size_t n, size_t k, const uint8_t* a, size_t lda, const void* packed, const Int8Epilogue& ep);
  // Quantizes n floats to u8: y = clamp(round_half_even(clamp(x / scale, ±1e6)) + zero_point, 0, 255), NaN as
  // -1e6 (ONNX QuantizeLinear); the same IEEE operations in every variant (a division, not a reciprocal).
  void (*quantize)(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y);
};

// The variants built for this machine's architecture, by name; nullptr when
// the build or the CPU lacks one.
const Int8GemmKernels* int8_kernels_named(const char* name);
// The variant in use: the fastest this CPU runs within the float kernels' ISA
// (SIMDNN_ISA), or the one SIMDNN_INT8 names.
const Int8GemmKernels& int8_kernels();
// Switches the variant (tests); false when unavailable.
bool select_int8(const char* name);
// Error text when SIMDNN_INT8 names something this CPU cannot run; empty if fine.
const char* int8_dispatch_error();
// Names of the variants this CPU runs, fastest first, comma-separated.
const char* int8_available();

namespace scalar {
extern const Int8GemmKernels kInt8Gemm;
}
#if defined(__x86_64__)
namespace avx2 {
extern const Int8GemmKernels kInt8Gemm;      // AVX2, int16 products (vpmaddwd)
extern const Int8GemmKernels kInt8GemmVnni;  // AVX-VNNI, ymm vpdpbusd
}  // namespace avx2
namespace avx512 {
extern const Int8GemmKernels kInt8GemmVnni;  // AVX-512 VNNI, zmm vpdpbusd
}
#endif
#if defined(__aarch64__)
namespace neon {
extern const Int8GemmKernels kInt8Gemm;     // widening 16-bit multiplies
extern const Int8GemmKernels kInt8GemmDot;  // sdot (ARMv8.2 dot product)
}  // namespace neon
#endif

}  // namespace simdnn
