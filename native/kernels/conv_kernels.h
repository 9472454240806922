// Convolution kernels over channels-last samples that are not products
// (native/nn/layers/conv.h does the rest as an implicit GEMM on sgemm).
//
// Direct convolution of a layer with few input channels (a first layer on 1
// or 3 channels, k = kh·kw·C = 9 or 27): each output pixel's filters are
// vectors, and every tap broadcasts one input value into them. The products
// of the implicit GEMM would run on k = 9 and spend more time gathering
// patches and storing tiles than multiplying.
//
// Winograd F(2x2, 3x3) (Lavin and Gray, 2015) for inference of 3x3
// convolutions with stride 1 and dilation 1 (native/nn/layers/conv_winograd.h):
// a 2x2 block of output pixels (a tile) comes from a 4x4 block of input
// pixels d as
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// and the elementwise products, summed over input channels, are 16 matrix
// products V_ξ[tiles, C] · U_ξ[C, F] (ξ = 4i + j indexes the 4x4 positions).
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  Aᵀ = [1 1 1 0; 0 1 -1 -1].
// The kernels here are the two transforms; the products are sgemm's.
#pragma once
#include <cstddef>

namespace simdnn {

struct ConvShape {
  size_t in_h, in_w, channels;   // an input sample [in_h, in_w, channels]
  size_t out_h, out_w, filters;  // an output sample [out_h, out_w, filters]
  size_t k_h, k_w, s_h, s_w, d_h, d_w;
  size_t pad_t, pad_l;      // zero rows above and columns left of the input
  size_t tiles_h, tiles_w;  // Winograd: ceil(out_h / 2), ceil(out_w / 2)
};

struct ConvKernels {
  // Taps (k_h · k_w · channels) the direct kernel takes at most.
  static constexpr size_t kMaxDirectTaps = 128;
  // Output pixels [p0, p0 + n) (numbered over the batch: sample, row,
  // column) into y[p, f], p counted from p0: z = Σ_t x_t · w[t, f] over the
  // window's taps t in the kernel's [k_h, k_w, channels] order, accumulated
  // from zero with one fused multiply-add per tap in that order (a tap in the
  // padding adds 0 · w), then z + bias[f] (bias nullptr: none) and max(0, ·)
  // when relu: the same operations, and so the same bits, as the implicit
  // GEMM with its epilogue.
  void (*direct)(const float* x, const ConvShape& s, size_t p0, size_t n, const float* w, const float* bias, bool relu,
                 float* y);
  // Winograd: tiles [t0, t0 + n) (numbered over the batch: sample, tile row,
  // tile column) of the input x into v: v[ξ * ld + r * channels + c] is
  // Bᵀ d B at position ξ for tile t0 + r and channel c. Input pixels outside
  // the sample (padding, the edge of a last tile) read as zero.
  void (*winograd_input)(const float* x, const ConvShape& s, size_t t0, size_t n, float* v, size_t ld);
  // Winograd: the products' results m[ξ * ld + r * filters + f] of tiles
  // [t0, t0 + n) to the output y (whole samples, [out_h, out_w, filters]
  // each): Aᵀ M A plus bias (nullptr: none), then max(0, ·) when relu. Tile
  // pixels past the output's edge are not written.
  void (*winograd_output)(const float* m, size_t ld, const ConvShape& s, size_t t0, size_t n, const float* bias,
                          bool relu, float* y);
};

}  // namespace simdnn
