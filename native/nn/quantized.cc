#include "quantized.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/threadpool.h"
#include "kernels/kernels.h"

namespace simdnn {
namespace {

// Output pixels per gathered block of patches (a multiple of every kernel's row tile).
constexpr size_t kBlockPixels = 96;
// Below this many multiply-adds per thread a product runs on the calling thread.
constexpr double kMinMacsPerThread = 2e5;
// Static mode runs a batch in blocks of samples whose activations fit in about this many bytes (the
// private L2 of one core), each block through every op, so that no layer's output for the whole
// batch streams through memory; the threads take contiguous shares of the batch.
constexpr size_t kBlockBytes = 512 * 1024;

thread_local std::vector<uint8_t> t_patches;

// Copies n bytes in 16-byte chunks: up to 15 bytes past the end of both dst
// and src may be read and written (the caller's buffers have that slack, and
// its later writes replace what lands past dst + n).
inline void copy_overrun(uint8_t* dst, const uint8_t* src, size_t n) {
  for (size_t i = 0; i < n; i += 16) std::memcpy(dst + i, src + i, 16);
}

// Patches of `count` consecutive pixels of one output row whose every kernel
// row lies inside the input, without dilation across: kernel row a of pixel t
// is the run of `run` bytes at src[a] + t * step, copied in CH 16-byte chunks.
template <size_t CH>
void gather_runs(const uint8_t* const* src, size_t k_h, size_t run, size_t step, size_t count, size_t kp, uint8_t* d) {
  for (size_t t = 0; t < count; ++t, d += kp) {
    const size_t off = t * step;
    uint8_t* o = d;
    for (size_t a = 0; a < k_h; ++a, o += run) {
      if constexpr (CH == 0)
        copy_overrun(o, src[a] + off, run);
      else
        for (size_t c = 0; c < CH; ++c) std::memcpy(o + 16 * c, src[a] + off + 16 * c, 16);
    }
  }
}

// Rows [p0, p0 + n) of the u8 patch matrix (row stride kp) of x; padded cells
// hold the zero point. A kernel row without dilation inside the input is one
// run of k_w * in_c bytes, copied in 16-byte chunks: the writes go left to
// right, so each run's spill past its end is overwritten by the next run, the
// next row, or lands in the row's padding [k, kp) (zero weights) or the
// buffer's slack; x must be readable 15 bytes past each sample (kInt8ASlack).
void gather_u8(const WindowGeometry& g, const uint8_t* x, size_t p0, size_t n, size_t kp, uint8_t pad, uint8_t* dst) {
  const size_t pix = g.pixels(), C = g.in_c, run = g.k_w * C, chunks = (run + 15) / 16;
  size_t sample = p0 / pix, oi = (p0 % pix) / g.out_w, oj = (p0 % pix) % g.out_w;
  // The output columns whose kernel rows lie inside the input horizontally: [j_lo, j_hi).
  size_t j_lo = 0, j_hi = 0;
  if (g.d_w == 1 && g.k_w <= g.in_w + g.pad_l) {
    j_lo = (g.pad_l + g.s_w - 1) / g.s_w;
    const size_t last = g.in_w + g.pad_l - g.k_w;  // oj * s_w <= last
    j_hi = std::min(g.out_w, last / g.s_w + 1);
  }
  const uint8_t* rows_src[16];
  for (size_t r = 0; r < n;) {
    uint8_t* d = dst + r * kp;
    const uint8_t* base = x + sample * g.in_size();
    const long ih0 = (long)(oi * g.s_h) - (long)g.pad_t;
    const bool rows_in = ih0 >= 0 && ih0 + (long)((g.k_h - 1) * g.d_h) < (long)g.in_h;
    if (rows_in && g.k_h <= 16 && oj >= j_lo && oj < j_hi) {
      // A stretch of whole pixels in this output row.
      const size_t count = std::min(j_hi - oj, n - r);
      for (size_t a = 0; a < g.k_h; ++a)
        rows_src[a] = base + (((size_t)ih0 + a * g.d_h) * g.in_w + oj * g.s_w - g.pad_l) * C;
      const size_t step = g.s_w * C;
      switch (chunks) {
        case 1:
          gather_runs<1>(rows_src, g.k_h, run, step, count, kp, d);
          break;
        case 2:
          gather_runs<2>(rows_src, g.k_h, run, step, count, kp, d);
          break;
        case 3:
          gather_runs<3>(rows_src, g.k_h, run, step, count, kp, d);
          break;
        case 4:
          gather_runs<4>(rows_src, g.k_h, run, step, count, kp, d);
          break;
        case 6:
          gather_runs<6>(rows_src, g.k_h, run, step, count, kp, d);
          break;
        default:
          gather_runs<0>(rows_src, g.k_h, run, step, count, kp, d);
      }
      r += count;
      oj += count;
    } else {
      const long iw0 = (long)(oj * g.s_w) - (long)g.pad_l;
      for (size_t a = 0; a < g.k_h; ++a) {
        const long ih = ih0 + (long)(a * g.d_h);
        if (ih < 0 || ih >= (long)g.in_h) {
          std::memset(d, pad, run);
          d += run;
          continue;
        }
        const uint8_t* src = base + (size_t)ih * g.in_w * C;
        for (size_t b = 0; b < g.k_w; ++b, d += C) {
          const long iw = iw0 + (long)(b * g.d_w);
          if (iw < 0 || iw >= (long)g.in_w)
            std::memset(d, pad, C);
          else
            std::memcpy(d, src + (size_t)iw * C, C);
        }
      }
      ++r;
      ++oj;
    }
    if (oj == g.out_w) {
      oj = 0;
      if (++oi == g.out_h) {
        oi = 0;
        ++sample;
      }
    }
  }
}

// sum / cells rounded half to even (as ONNX's QuantizeLinear rounds the float average); 0 for no cells.
inline uint32_t average_even(uint32_t sum, uint32_t cells) {
  if (cells == 0) return 0;
  const uint32_t q = sum / cells, r2 = 2 * (sum % cells);
  return q + (r2 > cells || (r2 == cells && (q & 1)));
}

// The window cells [lo, hi) of output index o along an axis that lie inside the input.
inline void cell_range(size_t o, size_t s, size_t d, size_t k, size_t pad, size_t in, size_t* lo, size_t* hi) {
  const long start = (long)(o * s) - (long)pad;
  size_t a = 0, b = k;
  while (a < k && start + (long)(a * d) < 0) ++a;
  while (b > a && start + (long)((b - 1) * d) >= (long)in) --b;
  *lo = a;
  *hi = b;
}

// Max or average pooling of u8 values (the scale and zero point pass through:
// max is exact, the average is rounded half to even to an integer). Max runs
// on the bytes themselves (the compiler's u8 vector max); a window without
// cells (not possible with TensorFlow's padding rule) gives 0.
void pool_u8(const WindowGeometry& g, bool max, const uint8_t* x, size_t s0, size_t s1, uint8_t* y) {
  const size_t C = g.in_c, out_sample = g.pixels() * C;
  std::vector<uint32_t> sum(max ? 0 : C);
  std::vector<size_t> rows(2 * g.out_h), cols(2 * g.out_w);
  for (size_t oi = 0; oi < g.out_h; ++oi)
    cell_range(oi, g.s_h, g.d_h, g.k_h, g.pad_t, g.in_h, &rows[2 * oi], &rows[2 * oi + 1]);
  for (size_t oj = 0; oj < g.out_w; ++oj)
    cell_range(oj, g.s_w, g.d_w, g.k_w, g.pad_l, g.in_w, &cols[2 * oj], &cols[2 * oj + 1]);
  for (size_t s = s0; s < s1; ++s) {
    const uint8_t* xs = x + s * g.in_size();
    uint8_t* ys = y + s * out_sample;
    for (size_t oi = 0; oi < g.out_h; ++oi) {
      const size_t a0 = rows[2 * oi], a1 = rows[2 * oi + 1], ih0 = oi * g.s_h - g.pad_t;  // wrap-around cancels below
      for (size_t oj = 0; oj < g.out_w; ++oj) {
        const size_t b0 = cols[2 * oj], b1 = cols[2 * oj + 1], iw0 = oj * g.s_w - g.pad_l;
        uint8_t* dst = ys + (oi * g.out_w + oj) * C;
        if (max) {
          if (a0 == a1 || b0 == b1) {
            std::memset(dst, 0, C);
            continue;
          }
          // 16 channels at a time, their maximum kept in a register across the cells.
          const uint8_t* first = xs + ((ih0 + a0 * g.d_h) * g.in_w + iw0 + b0 * g.d_w) * C;
          size_t c = 0;
#if defined(__GNUC__)
          typedef uint8_t U8x16 __attribute__((vector_size(16)));
          for (; c + 16 <= C; c += 16) {
            U8x16 v;
            std::memcpy(&v, first + c, 16);
            for (size_t a = a0; a < a1; ++a)
              for (size_t b = b0; b < b1; ++b) {
                U8x16 u;
                std::memcpy(&u, xs + ((ih0 + a * g.d_h) * g.in_w + iw0 + b * g.d_w) * C + c, 16);
                v = u > v ? u : v;
              }
            std::memcpy(dst + c, &v, 16);
          }
#endif
          for (; c < C; ++c) {
            uint8_t v = first[c];
            for (size_t a = a0; a < a1; ++a)
              for (size_t b = b0; b < b1; ++b)
                v = std::max(v, xs[((ih0 + a * g.d_h) * g.in_w + iw0 + b * g.d_w) * C + c]);
            dst[c] = v;
          }
          continue;
        }
        std::fill(sum.begin(), sum.end(), 0u);
        for (size_t a = a0; a < a1; ++a)
          for (size_t b = b0; b < b1; ++b) {
            const uint8_t* src = xs + ((ih0 + a * g.d_h) * g.in_w + iw0 + b * g.d_w) * C;
            for (size_t c = 0; c < C; ++c) sum[c] += src[c];
          }
        const uint32_t cells = (uint32_t)((a1 - a0) * (b1 - b0));
        for (size_t c = 0; c < C; ++c) dst[c] = (uint8_t)average_even(sum[c], cells);
      }
    }
  }
}

std::string op_name(size_t i) { return "quantized op " + std::to_string(i); }

void min_max(const float* x, size_t n, float* lo, float* hi) {
  float a = x[0], b = x[0];
  for (size_t i = 1; i < n; ++i) {
    a = std::min(a, x[i]);
    b = std::max(b, x[i]);
  }
  *lo = a;
  *hi = b;
}

}  // namespace

void quantize_u8(const float* x, size_t n, QuantParams q, uint8_t* y) {
  int8_kernels().quantize(x, n, q.scale, q.zero_point, y);
}

void dequantize_u8(const uint8_t* x, size_t n, QuantParams q, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = ((float)x[i] - (float)q.zero_point) * q.scale;
}

QuantParams choose_params(float lo, float hi) {
  lo = std::min(lo, 0.f);
  hi = std::max(hi, 0.f);
  QuantParams p;
  p.scale = (hi - lo) / 255.f;
  if (!(p.scale > 0.f) || !std::isfinite(p.scale)) p.scale = 1.f;
  const float zp = std::nearbyint(-lo / p.scale);
  p.zero_point = (int32_t)std::min(255.f, std::max(0.f, zp));
  return p;
}

QuantizedNetwork::QuantizedNetwork(size_t input_size, QuantParams input, bool dynamic, std::vector<QOpSpec> ops)
    : input_size_(input_size), input_(input), dynamic_(dynamic) {
  auto check_params = [](QuantParams p, const std::string& what) {
    if (!(p.scale > 0.f) || !std::isfinite(p.scale) || p.zero_point < 0 || p.zero_point > 255)
      throw std::invalid_argument(what + ": expected a finite scale > 0 and a zero point from 0 to 255");
  };
  if (!dynamic) check_params(input, "input quantization");
  size_t width = input_size;
  ops_.resize(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    Op& op = ops_[i];
    op.spec = std::move(ops[i]);
    QOpSpec& s = op.spec;
    const std::string what = op_name(i);
    const bool last = i + 1 == ops.size();
    switch (s.kind) {
      case QOpKind::Linear: {
        s.geom.resolve(what);
        if (s.geom.in_size() != width)
          throw std::invalid_argument(what + ": expected " + std::to_string(width) + " inputs per sample, got " +
                                      std::to_string(s.geom.in_size()));
        op.k = s.geom.k_h * s.geom.k_w * s.geom.in_c;
        op.kp = int8_k_padded(op.k);
        if (s.units == 0 || s.weights.size() != op.k * s.units || s.weight_scale.size() != s.units ||
            s.bias.size() != s.units)
          throw std::invalid_argument(what + ": weights, scales and bias do not match " + std::to_string(op.k) + " x " +
                                      std::to_string(s.units));
        for (int8_t w : s.weights)
          if (w < -127) throw std::invalid_argument(what + ": weights must lie in [-127, 127]");
        for (size_t j = 0; j < s.units; ++j)
          if (!(s.weight_scale[j] > 0.f) || !std::isfinite(s.weight_scale[j]) || !std::isfinite(s.bias[j]))
            throw std::invalid_argument(what + ": weight scales must be finite and > 0, biases finite");
        if (s.act != Act::Linear && s.act != Act::Relu) s.float_out = true;
        if (dynamic || last) s.float_out = true;
        if (s.act == Act::Softmax && s.geom.pixels() != 1 && s.float_out && !last)
          throw std::invalid_argument(what + ": softmax is supported on the output layer only");
        if (!dynamic && !(s.float_out && last)) check_params(s.out, what + " output quantization");
        op.pointwise = s.geom.k_h == 1 && s.geom.k_w == 1 && s.geom.s_h == 1 && s.geom.s_w == 1 &&
                       s.geom.out_h == s.geom.in_h && s.geom.out_w == s.geom.in_w;
        op.colsum.assign(s.units, 0);
        for (size_t kk = 0; kk < op.k; ++kk)
          for (size_t j = 0; j < s.units; ++j) op.colsum[j] += s.weights[kk * s.units + j];
        s.in_size = width;
        s.out_size = s.geom.pixels() * s.units;
        break;
      }
      case QOpKind::MaxPool:
      case QOpKind::AvgPool:
        s.geom.resolve(what);
        if (s.geom.in_size() != width) throw std::invalid_argument(what + ": the pooling window's input size differs");
        s.in_size = width;
        s.out_size = s.geom.pixels() * s.geom.in_c;
        break;
      case QOpKind::Relu:
      case QOpKind::Identity:
        s.in_size = s.out_size = width;
        break;
      default:
        throw std::invalid_argument(what + ": unknown kind");
    }
    width = s.out_size;
  }
  max_width_ = input_size;
  for (const Op& op : ops_) max_width_ = std::max(max_width_, op.spec.out_size);
  // The static input quantization of each product, and its integer epilogue.
  if (!dynamic) {
    QuantParams cur = input_;
    for (Op& op : ops_) {
      if (op.spec.kind == QOpKind::Linear) {
        op.in = cur;
        epilogue_params(op, cur, op.bias_i32, op.mult);
        cur = op.spec.out;
      }
    }
  }
  pack_all(int8_kernels());
}

void QuantizedNetwork::pack_all(const Int8GemmKernels& kern) {
  for (Op& op : ops_) {
    if (op.spec.kind != QOpKind::Linear) continue;
    const size_t bytes = kern.packed_bytes(op.k, op.spec.units);
    op.packed.resize((bytes + sizeof(float) - 1) / sizeof(float));
    kern.pack(op.spec.weights.data(), op.k, op.spec.units, op.packed.data());
  }
  packed_for_ = &kern;
}

void QuantizedNetwork::epilogue_params(const Op& op, QuantParams in, std::vector<int32_t>& bias,
                                       std::vector<float>& mult) {
  const QOpSpec& s = op.spec;
  bias.resize(s.units);
  mult.resize(s.units);
  for (size_t j = 0; j < s.units; ++j) {
    const double acc_scale = (double)in.scale * (double)s.weight_scale[j];
    const double b = std::nearbyint((double)s.bias[j] / acc_scale);
    const double comp = (double)in.zero_point * (double)op.colsum[j];
    const double v = std::min(2147483647.0, std::max(-2147483648.0, b - comp));
    bias[j] = (int32_t)v;
    mult[j] = (float)(s.float_out ? acc_scale : acc_scale / (double)s.out.scale);
  }
}

void QuantizedNetwork::run_linear(const Int8GemmKernels& kern, const Op& op, const uint8_t* x, size_t rows,
                                  QuantParams in, const int32_t* bias, const float* mult, uint8_t* y8,
                                  float* yf) const {
  const QOpSpec& s = op.spec;
  const size_t n = s.units, total = rows * s.geom.pixels();
  Int8Epilogue ep;
  ep.bias = bias;
  ep.mult = mult;
  ep.ldc = n;
  if (!s.float_out) {
    ep.zp = (float)s.out.zero_point;
    ep.lo = s.act == Act::Relu ? ep.zp : 0.f;
  }
  const double macs = (double)total * (double)op.k * (double)n;
  const size_t threads = std::max<size_t>(1, std::min<size_t>(num_threads(), (size_t)(macs / kMinMacsPerThread)));
  const size_t grain = std::max<size_t>(1, (total + threads - 1) / threads);
  const void* packed = op.packed.data();
  parallel_for(total, grain, [&](size_t p0, size_t p1) {
    Int8Epilogue e = ep;
    if (op.pointwise) {
      if (y8) e.out_u8 = y8 + p0 * n;
      if (!y8) e.out_f32 = yf + p0 * n;
      kern.gemm(p1 - p0, n, op.k, x + p0 * op.k, op.k, packed, e);
      return;
    }
    if (t_patches.size() < kBlockPixels * op.kp + kInt8ASlack) t_patches.assign(kBlockPixels * op.kp + kInt8ASlack, 0);
    for (size_t b = p0; b < p1; b += kBlockPixels) {
      const size_t m = std::min(kBlockPixels, p1 - b);
      gather_u8(s.geom, x, b, m, op.kp, (uint8_t)in.zero_point, t_patches.data());
      if (y8) e.out_u8 = y8 + b * n;
      if (!y8) e.out_f32 = yf + b * n;
      kern.gemm(m, n, op.k, t_patches.data(), op.kp, packed, e);
    }
  });
}

void QuantizedNetwork::predict(const float* x, size_t rows, float* y) {
  if (rows == 0) return;
  const Int8GemmKernels& kern = int8_kernels();
  if (&kern != packed_for_) pack_all(kern);
  if (dynamic_) {
    // The ranges of the whole batch: one block, each op split across the threads.
    if (ws_.empty()) ws_.resize(1);
    run_rows(kern, ws_[0], x, rows, y);
    return;
  }
  const size_t block = std::max<size_t>(1, kBlockBytes / (2 * max_width_ + 1));
  const size_t out = output_size();
  auto run_share = [&](Workspace& w, size_t r0, size_t r1) {
    for (size_t b = r0; b < r1; b += block) {
      const size_t n = std::min(block, r1 - b);
      run_rows(kern, w, x + b * input_size_, n, y + b * out);
    }
  };
  // One sample: each op split across the threads; more: the threads take shares of the samples.
  const size_t threads = rows > 1 ? std::min(num_threads(), rows) : 1;
  if (ws_.size() < threads) ws_.resize(threads);
  if (threads <= 1) {
    run_share(ws_[0], 0, rows);
    return;
  }
  parallel_run(threads, [&](size_t tid, size_t nt) {
    const size_t r0 = rows * tid / nt, r1 = rows * (tid + 1) / nt;
    if (r0 < r1) run_share(ws_[tid], r0, r1);
  });
}

void QuantizedNetwork::run_rows(const Int8GemmKernels& kern, Workspace& w, const float* x, size_t rows,
                                float* y) const {
  const size_t need = rows * max_width_ + kInt8ASlack;
  for (auto& b : w.act)
    if (b.size() < need) b.resize(need);
  if (w.fbuf.size() < rows * max_width_) w.fbuf.resize(rows * max_width_);
  float* fbuf = w.fbuf.data();

  int cur = 0;
  QuantParams q = input_;
  const size_t n_in = rows * input_size_;
  if (dynamic_) {
    float lo, hi;
    min_max(x, n_in, &lo, &hi);
    q = choose_params(lo, hi);
  }
  parallel_for(n_in, 1 << 16, [&](size_t a, size_t b) { quantize_u8(x + a, b - a, q, w.act[0].data() + a); });
  bool have_float = false;  // the output is in y already (written by the last op)
  std::vector<int32_t> bias;
  std::vector<float> mult;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const Op& op = ops_[i];
    const QOpSpec& s = op.spec;
    const bool last = i + 1 == ops_.size();
    const uint8_t* src = w.act[cur].data();
    uint8_t* dst = w.act[1 - cur].data();
    switch (s.kind) {
      case QOpKind::Linear: {
        const int32_t* b = op.bias_i32.data();
        const float* m = op.mult.data();
        if (dynamic_) {
          epilogue_params(op, q, bias, mult);
          b = bias.data();
          m = mult.data();
        }
        float* yf = last ? y : fbuf;
        run_linear(kern, op, src, rows, q, b, m, s.float_out ? nullptr : dst, yf);
        if (!s.float_out) {
          q = s.out;
          cur = 1 - cur;
          break;
        }
        const size_t n = rows * s.out_size;
        if (s.act == Act::Softmax)
          kernels().math.softmax_rows(yf, s.units, yf, s.units, rows * s.geom.pixels(), s.units);
        else if (s.act != Act::Linear)
          kernels().math.act_forward(s.act, yf, yf, n);
        if (last) {
          have_float = true;
          break;
        }
        if (dynamic_) {
          float lo, hi;
          min_max(fbuf, n, &lo, &hi);
          q = choose_params(lo, hi);
        } else {
          q = s.out;
        }
        parallel_for(n, 1 << 16, [&](size_t a, size_t e) { quantize_u8(fbuf + a, e - a, q, dst + a); });
        cur = 1 - cur;
        break;
      }
      case QOpKind::MaxPool:
      case QOpKind::AvgPool:
        parallel_for(rows, 1, [&](size_t a, size_t e) { pool_u8(s.geom, s.kind == QOpKind::MaxPool, src, a, e, dst); });
        cur = 1 - cur;
        break;
      case QOpKind::Relu: {
        const size_t n = rows * s.out_size;
        const uint8_t z = (uint8_t)q.zero_point;
        for (size_t j = 0; j < n; ++j) dst[j] = std::max(src[j], z);
        cur = 1 - cur;
        break;
      }
      case QOpKind::Identity:
        break;
    }
  }
  if (!have_float) dequantize_u8(w.act[cur].data(), rows * output_size(), q, y);
}

size_t QuantizedNetwork::bytes() const {
  size_t b = 0;
  for (const Workspace& w : ws_) b += w.act[0].capacity() + w.act[1].capacity() + w.fbuf.capacity() * sizeof(float);
  for (const Op& op : ops_) b += op.spec.weights.size() + op.packed.bytes() + op.spec.units * 16;
  return b;
}

}  // namespace simdnn
