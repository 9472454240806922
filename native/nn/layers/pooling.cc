#include "pooling.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/threadpool.h"

// The channel loops below are exact whatever the vector width (copies,
// compares and selects; average pooling adds each channel in window order), so
// on x86-64 Linux with GCC they are compiled for AVX-512 and AVX2 as well and
// the CPU picks the version at load (the rest of this layer's code is built
// for the baseline ISA).
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(SIMDNN_NO_CLONES)
#define SIMDNN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIMDNN_CLONES
#endif

namespace simdnn {
namespace {
// Samples per thread below which pooling stays on the calling thread (it is
// bound by memory bandwidth; waking the pool costs more for small batches).
constexpr size_t kMinParallelValues = 1 << 16;

// One more cell of a max window, for C channels: branch-free on restrict
// pointers, so that the compiler vectorizes it (the first maximum wins).
SIMDNN_CLONES void max_step(const float* __restrict x, float* __restrict y, uint32_t* __restrict arg, uint32_t base,
                            size_t n) {
  for (size_t c = 0; c < n; ++c) {
    const float v = x[c], m = y[c];
    const uint32_t mask = 0u - (uint32_t)(v > m);
    y[c] = v > m ? v : m;
    arg[c] = (arg[c] & ~mask) | ((base + (uint32_t)c) & mask);
  }
}

SIMDNN_CLONES void max_step(const float* __restrict x, float* __restrict y, size_t n) {
  for (size_t c = 0; c < n; ++c) y[c] = x[c] > y[c] ? x[c] : y[c];
}

SIMDNN_CLONES void add_step(const float* __restrict x, float* __restrict y, size_t n) {
  for (size_t c = 0; c < n; ++c) y[c] += x[c];
}

// One cell of a tiled max window, C channels: the gradient where this cell
// is the argmax, else 0 (branch-free, so that it vectorizes).
SIMDNN_CLONES void hits(const uint32_t* __restrict arg, const float* __restrict g, uint32_t off, float* __restrict d,
                        size_t n) {
  for (size_t c = 0; c < n; ++c) {
    const uint32_t hit = 0u - (uint32_t)(arg[c] == off + (uint32_t)c);
    uint32_t bits;
    std::memcpy(&bits, g + c, 4);
    bits &= hit;
    std::memcpy(d + c, &bits, 4);
  }
}
// The same, and 0 where the pooled value is not above 0 (the ReLU before).
SIMDNN_CLONES void hits_masked(const uint32_t* __restrict arg, const float* __restrict p, const float* __restrict g,
                               uint32_t off, float* __restrict d, size_t n) {
  for (size_t c = 0; c < n; ++c) {
    const uint32_t hit = 0u - ((uint32_t)(arg[c] == off + (uint32_t)c) & (uint32_t)(p[c] > 0.f));
    uint32_t bits;
    std::memcpy(&bits, g + c, 4);
    bits &= hit;
    std::memcpy(d + c, &bits, 4);
  }
}

// Max pooling of one sample over windows that tile it without padding or
// overlap (stride = window, dilation 1, every window inside): no bounds checks,
// and each window's channel loops in one function the compiler vectorizes.
// The same values and argmax (first maximum in window order) as the general
// loop below.
template <bool kArg>
inline void max_tiled_impl(const float* __restrict xs, float* __restrict ys, uint32_t* __restrict as, size_t in_w,
                           size_t C, size_t out_h, size_t out_w, size_t kh, size_t kw) {
  for (size_t oi = 0; oi < out_h; ++oi)
    for (size_t oj = 0; oj < out_w; ++oj) {
      float* __restrict yo = ys + (oi * out_w + oj) * C;
      uint32_t* __restrict ao = kArg ? as + (oi * out_w + oj) * C : nullptr;
      const size_t off0 = (oi * kh * in_w + oj * kw) * C;
      for (size_t c = 0; c < C; ++c) yo[c] = xs[off0 + c];
      if (kArg)
        for (size_t c = 0; c < C; ++c) ao[c] = (uint32_t)(off0 + c);
      for (size_t a = 0; a < kh; ++a)
        for (size_t b = a == 0 ? 1 : 0; b < kw; ++b) {
          const size_t off = off0 + (a * in_w + b) * C;
          const float* __restrict xc = xs + off;
          for (size_t c = 0; c < C; ++c) {
            const float v = xc[c], m = yo[c];
            yo[c] = v > m ? v : m;
            if (kArg) {
              const uint32_t mask = 0u - (uint32_t)(v > m);
              ao[c] = (ao[c] & ~mask) | ((uint32_t)(off + c) & mask);
            }
          }
        }
    }
}

SIMDNN_CLONES void max_tiled(const float* xs, float* ys, size_t in_w, size_t C, size_t out_h, size_t out_w, size_t kh,
                             size_t kw) {
  max_tiled_impl<false>(xs, ys, nullptr, in_w, C, out_h, out_w, kh, kw);
}
SIMDNN_CLONES void max_tiled_arg(const float* xs, float* ys, uint32_t* as, size_t in_w, size_t C, size_t out_h,
                                 size_t out_w, size_t kh, size_t kw) {
  max_tiled_impl<true>(xs, ys, as, in_w, C, out_h, out_w, kh, kw);
}

}  // namespace

void Pool::run(const float* x, size_t s0, size_t s1, float* y, uint32_t* argmax) const {
  const size_t C = g_.in_c, in_size = g_.in_size(), out_size = output_size();
  const bool inside_tiles = mode_ == PoolMode::Max && g_.s_h == g_.k_h && g_.s_w == g_.k_w && g_.d_h == 1 &&
                            g_.d_w == 1 && g_.pad_t == 0 && g_.pad_l == 0 && g_.out_h * g_.k_h <= g_.in_h &&
                            g_.out_w * g_.k_w <= g_.in_w;
  if (inside_tiles) {
    for (size_t s = s0; s < s1; ++s) {
      if (argmax)
        max_tiled_arg(x + s * in_size, y + s * out_size, argmax + s * out_size, g_.in_w, C, g_.out_h, g_.out_w, g_.k_h,
                      g_.k_w);
      else
        max_tiled(x + s * in_size, y + s * out_size, g_.in_w, C, g_.out_h, g_.out_w, g_.k_h, g_.k_w);
    }
    return;
  }
  for (size_t s = s0; s < s1; ++s) {
    const float* xs = x + s * in_size;
    float* ys = y + s * out_size;
    uint32_t* as = argmax ? argmax + s * out_size : nullptr;
    for (size_t oi = 0; oi < g_.out_h; ++oi)
      for (size_t oj = 0; oj < g_.out_w; ++oj) {
        float* yo = ys + (oi * g_.out_w + oj) * C;
        uint32_t* ao = as ? as + (oi * g_.out_w + oj) * C : nullptr;
        const long top = (long)(oi * g_.s_h) - (long)g_.pad_t, left = (long)(oj * g_.s_w) - (long)g_.pad_l;
        size_t count = 0;
        for (size_t a = 0; a < g_.k_h; ++a) {
          const long ih = top + (long)(a * g_.d_h);
          if (ih < 0 || ih >= (long)g_.in_h) continue;
          for (size_t b = 0; b < g_.k_w; ++b) {
            const long iw = left + (long)(b * g_.d_w);
            if (iw < 0 || iw >= (long)g_.in_w) continue;
            const size_t off = ((size_t)ih * g_.in_w + (size_t)iw) * C;
            const float* xc = xs + off;
            if (count == 0) {
              std::memcpy(yo, xc, C * sizeof(float));
              if (ao)
                for (size_t c = 0; c < C; ++c) ao[c] = (uint32_t)(off + c);
            } else if (mode_ == PoolMode::Average) {
              add_step(xc, yo, C);
            } else if (ao) {
              max_step(xc, yo, ao, (uint32_t)off, C);
            } else {
              max_step(xc, yo, C);
            }
            ++count;
          }
        }
        if (count == 0) {  // not reached with TensorFlow's padding; kept for safety
          std::memset(yo, 0, C * sizeof(float));
          if (ao)
            for (size_t c = 0; c < C; ++c) ao[c] = std::numeric_limits<uint32_t>::max();
        } else if (mode_ == PoolMode::Average && count > 1) {
          const float inv = 1.f / (float)count;
          for (size_t c = 0; c < C; ++c) yo[c] *= inv;
        }
      }
  }
}

const float* Pool::predict_rows(const float* x, size_t rows, float* y) const {
  run(x, 0, rows, y, nullptr);
  return y;
}

const float* Pool::forward(const float* x, size_t rows, Pass pass, Rng&) {
  const size_t n = rows * output_size();
  y_.resize(n);
  uint32_t* am = nullptr;
  if (mode_ == PoolMode::Max && pass != Pass::Predict) {
    argmax_.resize(n);
    am = argmax_.data();
  }
  const size_t nt = std::min(num_threads(), rows);
  if (nt <= 1 || rows * input_size() < kMinParallelValues) {
    run(x, 0, rows, y_.data(), am);
  } else {
    parallel_run(nt, [&](size_t tid, size_t nth) { run(x, rows * tid / nth, rows * (tid + 1) / nth, y_.data(), am); });
  }
  return y_.data();
}

bool Pool::tiled() const {
  const bool rows = g_.out_h == 1 || (g_.s_h == g_.k_h && g_.d_h == 1);
  const bool cols = g_.out_w == 1 || (g_.s_w == g_.k_w && g_.d_w == 1);
  return rows && cols && (g_.k_h == 1 || g_.d_h == 1) && (g_.k_w == 1 || g_.d_w == 1);
}

void Pool::max_backward_tiled(const uint32_t* as, const float* ys, const float* dys, float* dxs) const {
  const size_t C = g_.in_c, row = g_.in_w * C;
  // Cells no window covers (the remainder of 'valid' windows) get zero.
  const size_t cover_h = std::min<size_t>(g_.in_h, (g_.out_h - 1) * g_.s_h + g_.k_h - g_.pad_t);
  const size_t cover_w = std::min<size_t>(g_.in_w, (g_.out_w - 1) * g_.s_w + g_.k_w - g_.pad_l);
  if (cover_h < g_.in_h) std::memset(dxs + cover_h * row, 0, (g_.in_h - cover_h) * row * sizeof(float));
  if (cover_w < g_.in_w)
    for (size_t ih = 0; ih < cover_h; ++ih)
      std::memset(dxs + ih * row + cover_w * C, 0, (g_.in_w - cover_w) * C * sizeof(float));
  const bool mask = relu_input_;
  for (size_t oi = 0; oi < g_.out_h; ++oi)
    for (size_t oj = 0; oj < g_.out_w; ++oj) {
      const size_t o = (oi * g_.out_w + oj) * C;
      const uint32_t* __restrict ao = as + o;
      const float* __restrict po = ys + o;
      const float* __restrict go = dys + o;
      const long top = (long)(oi * g_.s_h) - (long)g_.pad_t, left = (long)(oj * g_.s_w) - (long)g_.pad_l;
      for (size_t a = 0; a < g_.k_h; ++a) {
        const long ih = top + (long)a;
        if (ih < 0 || ih >= (long)g_.in_h) continue;
        for (size_t b = 0; b < g_.k_w; ++b) {
          const long iw = left + (long)b;
          if (iw < 0 || iw >= (long)g_.in_w) continue;
          const uint32_t off = (uint32_t)(((size_t)ih * g_.in_w + (size_t)iw) * C);
          float* __restrict d = dxs + off;
          if (mask)
            hits_masked(ao, po, go, off, d, C);
          else
            hits(ao, go, off, d, C);
        }
      }
    }
}

void Pool::max_backward_scatter(const uint32_t* as, const float* ys, const float* dys, float* dxs) const {
  const size_t out_size = output_size();
  std::memset(dxs, 0, input_size() * sizeof(float));
  for (size_t i = 0; i < out_size; ++i) {
    if (as[i] == std::numeric_limits<uint32_t>::max()) continue;
    if (relu_input_ && !(ys[i] > 0.f)) continue;
    dxs[as[i]] += dys[i];
  }
}

void Pool::backward(const float*, float* dy, float* dx, size_t rows, bool) {
  if (!dx) return;
  const size_t C = g_.in_c, in_size = g_.in_size(), out_size = output_size();
  const bool tiles = tiled();
  auto range = [&](size_t s0, size_t s1) {
    for (size_t s = s0; s < s1; ++s) {
      float* dxs = dx + s * in_size;
      const float* dys = dy + s * out_size;
      if (mode_ == PoolMode::Max) {
        const uint32_t* as = argmax_.data() + s * out_size;
        const float* ys = y_.data() + s * out_size;
        if (tiles)
          max_backward_tiled(as, ys, dys, dxs);
        else
          max_backward_scatter(as, ys, dys, dxs);
        continue;
      }
      std::memset(dxs, 0, in_size * sizeof(float));
      for (size_t oi = 0; oi < g_.out_h; ++oi)
        for (size_t oj = 0; oj < g_.out_w; ++oj) {
          const float* dyo = dys + (oi * g_.out_w + oj) * C;
          const long top = (long)(oi * g_.s_h) - (long)g_.pad_t, left = (long)(oj * g_.s_w) - (long)g_.pad_l;
          size_t count = 0;
          for (size_t a = 0; a < g_.k_h; ++a) {
            const long ih = top + (long)(a * g_.d_h);
            if (ih < 0 || ih >= (long)g_.in_h) continue;
            for (size_t b = 0; b < g_.k_w; ++b) {
              const long iw = left + (long)(b * g_.d_w);
              if (iw >= 0 && iw < (long)g_.in_w) ++count;
            }
          }
          if (count == 0) continue;
          const float inv = 1.f / (float)count;
          for (size_t a = 0; a < g_.k_h; ++a) {
            const long ih = top + (long)(a * g_.d_h);
            if (ih < 0 || ih >= (long)g_.in_h) continue;
            for (size_t b = 0; b < g_.k_w; ++b) {
              const long iw = left + (long)(b * g_.d_w);
              if (iw < 0 || iw >= (long)g_.in_w) continue;
              float* d = dxs + ((size_t)ih * g_.in_w + (size_t)iw) * C;
              for (size_t c = 0; c < C; ++c) d[c] += dyo[c] * inv;
            }
          }
        }
    }
  };
  const size_t nt = std::min(num_threads(), rows);
  if (nt <= 1 || rows * in_size < kMinParallelValues)
    range(0, rows);
  else
    parallel_run(nt, [&](size_t tid, size_t nth) { range(rows * tid / nth, rows * (tid + 1) / nth); });
}

}  // namespace simdnn
