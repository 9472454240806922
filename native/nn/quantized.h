// A quantized sequential network for inference: dense and conv layers as
// u8 x s8 integer products (int8_kernels.h), activations as 8-bit values with
// a scale and zero point (real = scale * (q - zero_point)), pooling and ReLU
// on the integer values, the output activation (softmax, sigmoid, ...) in float.
// Static mode: every scale comes from calibration; the int32 bias (real
// bias and zero-point compensation) and the requantization multipliers are
// computed once when the network is built. Dynamic mode: the input of each
// product is quantized with the range of the batch at hand.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "aligned.h"
#include "kernels/int8_kernels.h"
#include "kernels/math_kernels.h"
#include "layers/geometry.h"

namespace simdnn {

struct QuantParams {
  float scale = 1.f;
  int32_t zero_point = 0;
};

// Order is part of the binding's contract (lib/quantize maps names to these numbers).
enum class QOpKind : int { Linear = 0, MaxPool, AvgPool, Relu, Identity };
constexpr int kQOpKindCount = 5;

struct QOpSpec {
  QOpKind kind = QOpKind::Identity;
  // Linear (a dense layer is the 1x1 window over one pixel of `inputs` channels) and pooling.
  WindowGeometry geom;
  size_t units = 0;                  // Linear: output channels
  std::vector<int8_t> weights;       // Linear: [kh * kw * in_c, units], values in [-127, 127]
  std::vector<float> weight_scale;   // Linear: one per unit (all equal when per-tensor)
  std::vector<float> bias;           // Linear: one per unit (zeros when the layer has none)
  Act act = Act::Linear;             // Linear: Relu is fused into the integer epilogue, others run in float
  bool float_out = false;            // Linear: write dequantized floats (then act, then `out` unless last)
  QuantParams out;                   // static mode: the 8-bit output's quantization
  size_t in_size = 0, out_size = 0;  // values per sample (Identity: both the same)
};

class QuantizedNetwork {
 public:
  // Checks the spec (std::invalid_argument naming the op) and packs every
  // product's weights for the int8 kernel variant in use.
  QuantizedNetwork(size_t input_size, QuantParams input, bool dynamic, std::vector<QOpSpec> ops);

  size_t input_size() const { return input_size_; }
  size_t output_size() const { return ops_.empty() ? input_size_ : ops_.back().spec.out_size; }
  bool dynamic() const { return dynamic_; }
  // The kernel variant the weights are packed for (repacked on the next
  // predict if the variant in use changes).
  const char* kernel_name() const { return packed_for_ ? packed_for_->name : int8_kernels().name; }

  // Outputs of `rows` samples into y (rows x output_size()). Not reentrant:
  // the binding runs one call at a time per network.
  void predict(const float* x, size_t rows, float* y);

  size_t bytes() const;

 private:
  struct Op {
    QOpSpec spec;
    size_t k = 0, kp = 0;           // Linear: the product's k and its padded length
    bool pointwise = false;         // Linear: the patches are the input rows themselves
    std::vector<int32_t> colsum;    // Linear: Σ_k w[k, j]
    AlignedBuffer packed;           // Linear: weights packed for the kernel variant
    std::vector<int32_t> bias_i32;  // static: per unit, in accumulator units
    std::vector<float> mult;        // static: per unit
    QuantParams in;                 // static: the input's quantization
  };
  size_t input_size_;
  QuantParams input_;
  bool dynamic_;
  std::vector<Op> ops_;
  const Int8GemmKernels* packed_for_ = nullptr;
  size_t max_width_ = 0;  // the widest sample between ops (input included)
  // A thread's buffers, grown as needed: two 8-bit activation buffers and a float one.
  struct Workspace {
    std::vector<uint8_t> act[2];
    std::vector<float> fbuf;
  };
  std::vector<Workspace> ws_;  // one per thread of the current predict

  void pack_all(const Int8GemmKernels& kern);
  // The integer bias and multipliers of a product whose input has quantization `in`.
  static void epilogue_params(const Op& op, QuantParams in, std::vector<int32_t>& bias, std::vector<float>& mult);
  void run_linear(const Int8GemmKernels& kern, const Op& op, const uint8_t* x, size_t rows, QuantParams in,
                  const int32_t* bias, const float* mult, uint8_t* y8, float* yf) const;
  // Every op on `rows` samples, with w's buffers.
  void run_rows(const Int8GemmKernels& kern, Workspace& w, const float* x, size_t rows, float* y) const;
};

// Quantization of floats: q = clamp(round_half_even(x / scale) + zp, 0, 255) (ONNX QuantizeLinear).
void quantize_u8(const float* x, size_t n, QuantParams q, uint8_t* y);
void dequantize_u8(const uint8_t* x, size_t n, QuantParams q, float* y);
// Asymmetric u8 parameters whose range covers [lo, hi] and 0 (ONNX's dynamic rule).
QuantParams choose_params(float lo, float hi);

}  // namespace simdnn
