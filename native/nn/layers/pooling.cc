#include "pooling.h"

#include <cstring>
#include <limits>

#include "core/threadpool.h"

namespace simdnn {
namespace {
// Samples per thread below which pooling stays on the calling thread (it is
// bound by memory bandwidth; waking the pool costs more for small batches).
constexpr size_t kMinParallelValues = 1 << 16;
}  // namespace

void Pool::run(const float* x, size_t s0, size_t s1, float* y, uint32_t* argmax) const {
  const size_t C = g_.in_c, in_size = g_.in_size(), out_size = output_size();
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
              for (size_t c = 0; c < C; ++c) yo[c] += xc[c];
            } else if (ao) {
              for (size_t c = 0; c < C; ++c)
                if (xc[c] > yo[c]) yo[c] = xc[c], ao[c] = (uint32_t)(off + c);
            } else {
              for (size_t c = 0; c < C; ++c) yo[c] = xc[c] > yo[c] ? xc[c] : yo[c];
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

void Pool::backward(const float*, float* dy, float* dx, size_t rows, bool) {
  if (!dx) return;
  const size_t C = g_.in_c, in_size = g_.in_size(), out_size = output_size();
  auto range = [&](size_t s0, size_t s1) {
    std::memset(dx + s0 * in_size, 0, (s1 - s0) * in_size * sizeof(float));
    for (size_t s = s0; s < s1; ++s) {
      float* dxs = dx + s * in_size;
      const float* dys = dy + s * out_size;
      if (mode_ == PoolMode::Max) {
        const uint32_t* as = argmax_.data() + s * out_size;
        for (size_t i = 0; i < out_size; ++i)
          if (as[i] != std::numeric_limits<uint32_t>::max()) dxs[as[i]] += dys[i];
        continue;
      }
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
