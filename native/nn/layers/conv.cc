#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/threadpool.h"
#include "kernels/kernels.h"

namespace simdnn {
namespace {

// Per-thread scratch: the gathered patches of one block, and the patch-shaped
// input gradient of one block.
thread_local AlignedBuffer t_patches;
thread_local AlignedBuffer t_patch_grad;

// A gathered block of patches is kept near this many floats (64 KiB), so that
// it stays in L2 next to the packed kernel while the product reads it.
constexpr size_t kBlockFloats = 32768;
constexpr size_t kMaxBlockPixels = 384;
// The weight gradient sums over pixels (its product's k): longer blocks
// there mean fewer passes over the K x F partial sums (each product of a
// block loads and stores all of them).
constexpr size_t kGradBlockScale = 8;

// Copies a short run of floats (a tap's channels: often 1 to 96) without the
// call and size dispatch of memcpy.
inline void copy_floats(float* dst, const float* src, size_t n) {
  if (n > 32) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  for (size_t i = 0; i < n; ++i) dst[i] = src[i];
}
// The same for the row lengths of small first layers (kernel width x 1 or 3
// channels), as straight-line code.
template <size_t N>
inline void copy_fixed(float* __restrict dst, const float* __restrict src) {
  for (size_t i = 0; i < N; ++i) dst[i] = src[i];
}
inline void copy_row(float* dst, const float* src, size_t n) {
  switch (n) {
    case 3:
      return copy_fixed<3>(dst, src);
    case 5:
      return copy_fixed<5>(dst, src);
    case 7:
      return copy_fixed<7>(dst, src);
    case 9:
      return copy_fixed<9>(dst, src);
    case 15:
      return copy_fixed<15>(dst, src);
    default:
      return copy_floats(dst, src, n);
  }
}
inline void zero_floats(float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = 0.f;
}
// Parts of the weight gradient, each summed on one thread and then added in a
// fixed order: the result does not depend on the thread count.
constexpr size_t kGradParts = 8;
// Below this many multiply-adds a pass runs on the calling thread alone.
constexpr double kMinParallelMacs = 2e5;
// A layer on at most this many input channels (a first layer on 1 or 3) runs
// its forward pass on the direct kernel, with no patches gathered: on a
// 28x28x1 input with 32 filters of 3x3 (k = 9), the gather and the products'
// stores of the implicit GEMM took most of the layer's time.
constexpr size_t kMaxDirectChannels = 4;

}  // namespace

Conv::Conv(const WindowGeometry& g, size_t filters, bool use_bias, Act act)
    : g_(g), filters_(filters), k_(g.k_h * g.k_w * g.in_c), use_bias_(use_bias), act_(act) {
  pointwise_ = g_.k_h == 1 && g_.k_w == 1 && g_.s_h == 1 && g_.s_w == 1 && g_.pad_t == 0 && g_.pad_l == 0 &&
               g_.out_h == g_.in_h && g_.out_w == g_.in_w;
  shape_ = conv_shape(g_, filters_);
  direct_ = !pointwise_ && g_.in_c <= kMaxDirectChannels && k_ <= ConvKernels::kMaxDirectTaps &&
            (act_ == Act::Linear || act_ == Act::Relu);
  if (WinogradConv::applies(g_, act_)) winograd_ = std::make_unique<WinogradConv>(g_, filters_);
  kernel_.rows = k_;
  kernel_.cols = filters;
  kernel_.mutable_value().resize(k_ * filters);
  kernel_.grad.resize(k_ * filters);
  kernel_.mutable_value().zero();
  kernel_.grad.zero();
  if (use_bias) {
    bias_.rows = 1;
    bias_.cols = filters;
    bias_.mutable_value().resize(filters);
    bias_.grad.resize(filters);
    bias_.mutable_value().zero();
    bias_.grad.zero();
  }
}

void Conv::init(const InitSpec& kernel_init, const InitSpec& bias_init, Rng& rng) {
  // Keras's fans for a conv kernel: receptive field x in (fan in) and x filters (fan out).
  const size_t field = g_.k_h * g_.k_w;
  initialize(kernel_init, kernel_.mutable_value().data(), k_ * filters_, field * g_.in_c, field * filters_, rng);
  if (use_bias_) initialize(bias_init, bias_.mutable_value().data(), filters_, k_, filters_, rng);
}

std::vector<Param*> Conv::params() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

size_t Conv::block_pixels(const Kernels& kern) const {
  const size_t mr = kern.gemm.mr;
  size_t n = std::min(kMaxBlockPixels, std::max<size_t>(kBlockFloats / k_, 1));
  n = std::max(mr, n / mr * mr);
  return n;
}

void Conv::gather(const float* x, size_t p0, size_t n, float* dst) const {
  const size_t pix = g_.pixels(), C = g_.in_c, kw = g_.k_w, row_len = kw * C;
  // The pixel's (sample, row, column), advanced one pixel at a time (no
  // divisions per pixel).
  size_t sample = p0 / pix, oi = (p0 % pix) / g_.out_w, oj = (p0 % pix) % g_.out_w;
  const float* base = x + sample * g_.in_size();
  for (size_t r = 0; r < n; ++r) {
    float* d = dst + r * k_;
    const long iw0 = (long)(oj * g_.s_w) - (long)g_.pad_l;
    const bool row_inside = iw0 >= 0 && (size_t)iw0 + (kw - 1) * g_.d_w < g_.in_w;
    for (size_t a = 0; a < g_.k_h; ++a, d += row_len) {
      const long ih = (long)(oi * g_.s_h + a * g_.d_h) - (long)g_.pad_t;
      if (ih < 0 || ih >= (long)g_.in_h) {
        zero_floats(d, row_len);
        continue;
      }
      const float* src_row = base + (size_t)ih * g_.in_w * C;
      if (row_inside && g_.d_w == 1) {
        copy_row(d, src_row + (size_t)iw0 * C, row_len);
        continue;
      }
      for (size_t b = 0; b < kw; ++b) {
        const long iw = iw0 + (long)(b * g_.d_w);
        if (iw < 0 || iw >= (long)g_.in_w)
          zero_floats(d + b * C, C);
        else
          copy_floats(d + b * C, src_row + (size_t)iw * C, C);
      }
    }
    if (++oj == g_.out_w) {
      oj = 0;
      if (++oi == g_.out_h) {
        oi = 0;
        base += g_.in_size();
      }
    }
  }
}

void Conv::scatter_add(const float* dp, size_t p0, size_t n, float* dx) const {
  const auto axpy = kernels().basic.axpy;
  const size_t pix = g_.pixels(), C = g_.in_c, kw = g_.k_w, row_len = kw * C;
  size_t sample = p0 / pix, oi = (p0 % pix) / g_.out_w, oj = (p0 % pix) % g_.out_w;
  float* base = dx + sample * g_.in_size();
  for (size_t r = 0; r < n; ++r) {
    const float* s = dp + r * k_;
    const long iw0 = (long)(oj * g_.s_w) - (long)g_.pad_l;
    const bool row_inside = iw0 >= 0 && (size_t)iw0 + (kw - 1) * g_.d_w < g_.in_w;
    for (size_t a = 0; a < g_.k_h; ++a, s += row_len) {
      const long ih = (long)(oi * g_.s_h + a * g_.d_h) - (long)g_.pad_t;
      if (ih < 0 || ih >= (long)g_.in_h) continue;
      float* dst_row = base + (size_t)ih * g_.in_w * C;
      if (row_inside && g_.d_w == 1) {
        axpy(row_len, 1.f, s, dst_row + (size_t)iw0 * C);
        continue;
      }
      for (size_t b = 0; b < kw; ++b) {
        const long iw = iw0 + (long)(b * g_.d_w);
        if (iw >= 0 && iw < (long)g_.in_w) axpy(C, 1.f, s + b * C, dst_row + (size_t)iw * C);
      }
    }
    if (++oj == g_.out_w) {
      oj = 0;
      if (++oi == g_.out_h) {
        oi = 0;
        base += g_.in_size();
      }
    }
  }
}

const float* Conv::packed_if_current(const Kernels& kern) const {
  const bool current = packed_for_ == &kern && packed_version_ == kernel_.version() && packed_.size() != 0;
  return current ? packed_.data() : nullptr;
}

const float* Conv::packed_kernel(const Kernels& kern) {
  if (!sgemm_packs_b(kern, false, block_pixels(kern), filters_, 0.f)) return nullptr;
  if (!packed_if_current(kern)) {
    packed_for_ = nullptr;
    packed_.resize(packed_b_floats(kern, k_, filters_));
    pack_b_whole(kern, false, k_, filters_, kernel_.value().data(), filters_, packed_.data());
    packed_for_ = &kern;
    packed_version_ = kernel_.version();
  }
  return packed_.data();
}

void Conv::forward_block(const Kernels& kern, const float* x, size_t p0, size_t n, float* z, float* act_out,
                         const float* packed) const {
  if (direct_) {
    kern.conv.direct(x, shape_, p0, n, kernel_.value().data(), use_bias_ ? bias_.value().data() : nullptr,
                     act_ == Act::Relu, z + p0 * filters_);
    return;
  }
  const float* a;
  if (pointwise_) {
    a = x + p0 * k_;
  } else {
    t_patches.resize(block_pixels(kern) * k_);
    gather(x, p0, n, t_patches.data());
    a = t_patches.data();
  }
  GemmEpilogue ep;
  ep.bias = use_bias_ ? bias_.value().data() : nullptr;
  ep.act = act_;
  ep.act_out = act_out ? act_out + p0 * filters_ : nullptr;
  ep.ld_act_out = filters_;
  ep.packed_b = packed;
  sgemm_with(kern, 1, false, false, n, filters_, k_, 1.f, a, k_, kernel_.value().data(), filters_, 0.f,
             z + p0 * filters_, filters_, &ep);
}

void Conv::run_forward(const float* x, size_t rows, float* z, float* act_out, const float* packed,
                       size_t threads) const {
  const Kernels& kern = kernels();
  const size_t total = rows * g_.pixels(), mr = kern.gemm.mr;
  const double macs = (double)total * (double)k_ * (double)filters_;
  size_t bp = block_pixels(kern), blocks = (total + bp - 1) / bp;
  const size_t nt = macs < kMinParallelMacs ? 1 : std::min(threads, std::max<size_t>(blocks, total / mr));
  if (nt > 1 && blocks < 4 * nt) {
    // Few blocks (a small batch): blocks of equal size, a whole number per
    // thread, so that no thread waits on a long last block.
    const size_t want = (blocks + nt - 1) / nt * nt, even = (total + want - 1) / want;
    bp = std::min(bp, (even + mr - 1) / mr * mr);
    blocks = (total + bp - 1) / bp;
  }
  if (nt <= 1) {
    for (size_t b = 0; b < blocks; ++b)
      forward_block(kern, x, b * bp, std::min(bp, total - b * bp), z, act_out, packed);
    return;
  }
  // Blocks are independent (each output element is the same chain of FMAs
  // whichever thread computes it): first come first served.
  std::atomic<size_t> next{0};
  parallel_run(nt, [&](size_t, size_t) {
    for (size_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1))
      forward_block(kern, x, b * bp, std::min(bp, total - b * bp), z, act_out, packed);
  });
}

void Conv::run_winograd(const Kernels& kern, const float* x, size_t rows, float* y, size_t threads) const {
  winograd_->run(kern, x, rows, use_bias_ ? bias_.value().data() : nullptr, act_ == Act::Relu, y, threads);
}

void Conv::prepare_predict(size_t) {
  if (winograd_)
    winograd_->prepare(kernels(), kernel_.value().data(), kernel_.version());
  else if (!direct_)
    packed_kernel(kernels());
}

const float* Conv::predict_rows(const float* x, size_t rows, float* y) const {
  const Kernels& kern = kernels();
  if (winograd_ && winograd_->ready(kern, kernel_.version())) {
    run_winograd(kern, x, rows, y, 1);
    return y;
  }
  run_forward(x, rows, y, nullptr, packed_if_current(kern), 1);
  return y;
}

const float* Conv::forward(const float* x, size_t rows, Pass pass, Rng&) {
  const Kernels& kern = kernels();
  if (pass == Pass::Predict && winograd_) {
    winograd_->prepare(kern, kernel_.value().data(), kernel_.version());
    y_.resize(rows * output_size());
    run_winograd(kern, x, rows, y_.data(), num_threads());
    return y_.data();
  }
  // (The direct kernel reads the kernel as stored: nothing to pack.)
  const float* packed = direct_ ? nullptr : packed_kernel(kern);
  const size_t n = rows * output_size();
  y_.resize(n);
  // ReLU needs no pre-activation for backward (y > 0 exactly where z > 0):
  // applied in place, it saves writing a second copy of the output.
  if (act_ == Act::Linear || act_ == Act::Relu || pass == Pass::Predict) {
    run_forward(x, rows, y_.data(), nullptr, packed, num_threads());
    return y_.data();
  }
  z_.resize(n);
  run_forward(x, rows, z_.data(), y_.data(), packed, num_threads());
  return y_.data();
}

void Conv::backward(const float* x, float* dy, float* dx, size_t rows, bool preact) {
  const Kernels& kern = kernels();
  const size_t F = filters_, total = rows * g_.pixels(), n = total * F;
  float* dz = dy;
  if (!preact && act_ != Act::Linear) {
    if (act_ == Act::Softmax) {
      dz_.resize(n);
      kern.math.softmax_backward_rows(y_.data(), dy, dz_.data(), total, F);
      dz = dz_.data();
    } else {
      // Elementwise, in place (dy may be overwritten); ReLU reads its output.
      kern.math.act_backward(act_, act_ == Act::Relu ? y_.data() : z_.data(), y_.data(), dy, dy, n);
    }
  }
  if (use_bias_) {
    // Column sums in pixel order (deterministic).
    float* gb = bias_.grad.data();
    std::memset(gb, 0, F * sizeof(float));
    for (size_t r = 0; r < total; ++r) {
      const float* row = dz + r * F;
      for (size_t j = 0; j < F; ++j) gb[j] += row[j];
    }
  }
  const size_t bp = block_pixels(kern);
  const double macs = (double)total * (double)k_ * (double)F;
  const size_t threads = macs < kMinParallelMacs ? 1 : num_threads();

  // dW: kGradParts contiguous ranges of blocks, each summed into its own
  // partial (dW_part = Σ patchesᵀ · dZ), then the parts added in order. With
  // more taps x channels than filters the partials are transposed (dWᵀ =
  // Σ dZᵀ · patches): the product's rows are then the F filters and its
  // columns the K taps, so that both operands are packed and every register
  // tile is full (for K = 288, F = 64 the k-major patches read in place were
  // the slowest product of the step).
  const size_t gbp = bp * kGradBlockScale, gblocks = (total + gbp - 1) / gbp;
  const size_t parts = std::min(kGradParts, gblocks), kf = k_ * F;
  const bool transposed = k_ >= F;
  partial_.resize(parts * kf);
  auto grad_part = [&](size_t part) {
    const size_t b0 = gblocks * part / parts, b1 = gblocks * (part + 1) / parts;
    float* acc = partial_.data() + part * kf;
    for (size_t b = b0; b < b1; ++b) {
      const size_t p0 = b * gbp, m = std::min(gbp, total - p0);
      const float* a;
      if (pointwise_) {
        a = x + p0 * k_;
      } else {
        t_patches.resize(gbp * k_);
        gather(x, p0, m, t_patches.data());
        a = t_patches.data();
      }
      const float beta = b == b0 ? 0.f : 1.f;
      if (transposed)
        sgemm_with(kern, 1, true, false, F, k_, m, 1.f, dz + p0 * F, F, a, k_, beta, acc, k_);
      else
        sgemm_with(kern, 1, true, false, k_, F, m, 1.f, a, k_, dz + p0 * F, F, beta, acc, F);
    }
  };
  if (threads <= 1) {
    for (size_t part = 0; part < parts; ++part) grad_part(part);
  } else {
    std::atomic<size_t> next{0};
    parallel_run(std::min(threads, parts), [&](size_t, size_t) {
      for (size_t part = next.fetch_add(1); part < parts; part = next.fetch_add(1)) grad_part(part);
    });
  }
  float* gw = kernel_.grad.data();
  float* sum = partial_.data();
  for (size_t part = 1; part < parts; ++part) kern.basic.axpy(kf, 1.f, partial_.data() + part * kf, sum);
  if (transposed) {
    for (size_t f = 0; f < F; ++f)
      for (size_t t = 0; t < k_; ++t) gw[t * F + f] = sum[f * k_ + t];
  } else {
    std::memcpy(gw, sum, kf * sizeof(float));
  }

  if (!dx) return;
  if (pointwise_) {
    sgemm(false, true, total, k_, F, 1.f, dz, F, kernel_.value().data(), F, 0.f, dx, k_);
    return;
  }
  // dX: samples split over threads (a sample's patches overlap, so one thread
  // adds all of a sample's contributions, in pixel order).
  std::memset(dx, 0, rows * g_.in_size() * sizeof(float));
  const size_t pix = g_.pixels();
  // Wᵀ packed once for every block's product (each would pack it again).
  packed_t_.resize(packed_b_floats(kern, F, k_));
  pack_b_whole(kern, true, F, k_, kernel_.value().data(), F, packed_t_.data());
  auto input_grad = [&](size_t s0, size_t s1) {
    t_patch_grad.resize(bp * k_);
    for (size_t p0 = s0 * pix; p0 < s1 * pix; p0 += bp) {
      const size_t m = std::min(bp, s1 * pix - p0);
      GemmEpilogue ep;
      ep.packed_b = packed_t_.data();
      sgemm_with(kern, 1, false, true, m, k_, F, 1.f, dz + p0 * F, F, kernel_.value().data(), F, 0.f,
                 t_patch_grad.data(), k_, &ep);
      scatter_add(t_patch_grad.data(), p0, m, dx);
    }
  };
  const size_t nt = std::min(threads, rows);
  if (nt <= 1) {
    input_grad(0, rows);
  } else {
    parallel_run(nt, [&](size_t tid, size_t nth) { input_grad(rows * tid / nth, rows * (tid + 1) / nth); });
  }
}

}  // namespace simdnn
