#include "norm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/threadpool.h"
#include "kernels/kernels.h"

namespace simdnn {
namespace {

// Rows per block of the column sums: the unit of work of a thread and of the
// fixed-order reduction (independent of the thread count).
constexpr size_t kBlockRows = 256;
// Below this many values a pass runs on the calling thread.
constexpr size_t kParallelValues = (size_t)1 << 16;

void init_param(Param& p, size_t n, float value) {
  p.rows = 1;
  p.cols = n;
  p.mutable_value().resize(n);
  std::fill(p.mutable_value().data(), p.mutable_value().data() + n, value);
  p.grad.resize(n);
  p.grad.zero();
}

// fn(r0, r1) over [0, rows) in blocks of kBlockRows, on several threads when
// the work is large enough.
template <typename Fn>
void for_blocks(size_t rows, size_t cols, size_t threads, Fn fn) {
  const size_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  auto one = [&](size_t b) { fn(b, b * kBlockRows, std::min(rows, (b + 1) * kBlockRows)); };
  if (threads <= 1 || blocks < 2 || rows * cols < kParallelValues) {
    for (size_t b = 0; b < blocks; ++b) one(b);
    return;
  }
  std::atomic<size_t> next{0};
  parallel_run(std::min(threads, blocks), [&](size_t, size_t) {
    for (size_t b; (b = next.fetch_add(1, std::memory_order_relaxed)) < blocks;) one(b);
  });
}

}  // namespace

BatchNorm::BatchNorm(size_t width, size_t channels, float momentum, float epsilon, bool center, bool scale)
    : width_(width), c_(channels), momentum_(momentum), epsilon_(epsilon), center_(center), scale_(scale) {
  if (scale_) init_param(gamma_, c_, 1.f);
  if (center_) init_param(beta_, c_, 0.f);
  init_param(moving_mean_, c_, 0.f);
  init_param(moving_var_, c_, 1.f);
  for (AlignedBuffer* b : {&mean_, &inv_, &a_, &b_, &d_, &pa_, &pb_}) b->resize(c_);
}

std::vector<Param*> BatchNorm::params() {
  std::vector<Param*> p;
  if (scale_) p.push_back(&gamma_);
  if (center_) p.push_back(&beta_);
  return p;
}

size_t BatchNorm::workspace_bytes() const { return y_.bytes() + partial_.bytes() + 7 * mean_.bytes(); }

void BatchNorm::inference_affine(float* a, float* b) const {
  const float* mm = moving_mean_.value().data();
  const float* mv = moving_var_.value().data();
  for (size_t c = 0; c < c_; ++c) {
    const float inv = 1.f / std::sqrt(mv[c] + epsilon_);
    a[c] = (scale_ ? gamma_.value().data()[c] : 1.f) * inv;
    b[c] = (center_ ? beta_.value().data()[c] : 0.f) - mm[c] * a[c];
  }
}

uint64_t BatchNorm::inference_version() const {
  return gamma_.version() + beta_.version() + moving_mean_.version() + moving_var_.version();
}

void BatchNorm::column_sums(const float* x, const float* dy, size_t m, const float* shift, double* s1, double* s2) {
  const NormKernels& k = kernels().norm;
  const size_t blocks = (m + kBlockRows - 1) / kBlockRows;
  partial_.resize(blocks * 2 * c_);
  float* part = partial_.data();
  const size_t c = c_;
  for_blocks(m, c, num_threads(), [&](size_t b, size_t r0, size_t r1) {
    float* p1 = part + b * 2 * c;
    if (dy)
      k.col_grad_sums(x + r0 * c, dy + r0 * c, r1 - r0, c, shift, p1, p1 + c);
    else
      k.col_moments(x + r0 * c, r1 - r0, c, shift, p1, p1 + c);
  });
  std::fill(s1, s1 + c, 0.0);
  std::fill(s2, s2 + c, 0.0);
  for (size_t b = 0; b < blocks; ++b)
    for (size_t j = 0; j < c; ++j) {
      s1[j] += part[b * 2 * c + j];
      s2[j] += part[b * 2 * c + c + j];
    }
}

void BatchNorm::affine(const float* x, size_t m, const float* a, const float* b, float* y, size_t threads) const {
  const NormKernels& k = kernels().norm;
  const size_t c = c_;
  for_blocks(m, c, threads,
             [&](size_t, size_t r0, size_t r1) { k.col_affine(x + r0 * c, r1 - r0, c, a, b, y + r0 * c); });
}

const float* BatchNorm::forward(const float* x, size_t rows, Pass pass, Rng& /*rng*/) {
  const size_t m = rows * (width_ / c_);
  last_rows_ = rows;
  used_batch_ = pass == Pass::Train && trainable_;
  float* mean = mean_.data();
  float* inv = inv_.data();
  if (used_batch_) {
    std::vector<double> s1(c_), s2(c_);
    // Sums around the first row's values, so that a large mean does not
    // cancel the variance.
    column_sums(x, nullptr, m, x, s1.data(), s2.data());
    float* mm = moving_mean_.mutable_value().data();
    float* mv = moving_var_.mutable_value().data();
    const float keep = momentum_, take = 1.f - momentum_;
    for (size_t c = 0; c < c_; ++c) {
      const double dm = s1[c] / (double)m;
      const double var = std::max(s2[c] / (double)m - dm * dm, 0.0);
      mean[c] = (float)((double)x[c] + dm);
      inv[c] = (float)(1.0 / std::sqrt(var + (double)epsilon_));
      mm[c] = mm[c] * keep + mean[c] * take;
      mv[c] = mv[c] * keep + (float)var * take;
    }
    for (size_t c = 0; c < c_; ++c) {
      a_.data()[c] = (scale_ ? gamma_.value().data()[c] : 1.f) * inv[c];
      b_.data()[c] = (center_ ? beta_.value().data()[c] : 0.f) - mean[c] * a_.data()[c];
    }
  } else {
    inference_affine(a_.data(), b_.data());
    const float* mm = moving_mean_.value().data();
    const float* mv = moving_var_.value().data();
    for (size_t c = 0; c < c_; ++c) {
      mean[c] = mm[c];
      inv[c] = 1.f / std::sqrt(mv[c] + epsilon_);
    }
  }
  y_.resize(rows * width_);
  affine(x, m, a_.data(), b_.data(), y_.data(), num_threads());
  return y_.data();
}

void BatchNorm::backward(const float* x, float* dy, float* dx, size_t rows, bool /*preact*/) {
  const size_t m = rows * (width_ / c_);
  std::vector<double> sdy(c_), sdyx(c_);
  column_sums(x, dy, m, mean_.data(), sdy.data(), sdyx.data());
  const float* inv = inv_.data();
  if (scale_)
    for (size_t c = 0; c < c_; ++c) gamma_.grad.data()[c] = (float)(sdyx[c] * inv[c]);
  if (center_)
    for (size_t c = 0; c < c_; ++c) beta_.grad.data()[c] = (float)sdy[c];
  if (!dx) return;
  float* a = a_.data();
  float* b = b_.data();
  float* d = d_.data();
  for (size_t c = 0; c < c_; ++c) {
    const double g = scale_ ? gamma_.value().data()[c] : 1.0, iv = inv[c];
    a[c] = (float)(g * iv);
    if (used_batch_) {
      // dx = γ·inv/m · (m·dy − Σdy − x̂·Σ(dy·x̂)),  x̂ = (x − μ)·inv
      const double k = g * iv * iv * iv * sdyx[c] / (double)m;
      b[c] = (float)-k;
      d[c] = (float)(-g * iv * sdy[c] / (double)m + k * (double)mean_.data()[c]);
    } else {
      b[c] = 0.f;
      d[c] = 0.f;
    }
  }
  const NormKernels& kn = kernels().norm;
  const size_t c = c_;
  for_blocks(m, c, num_threads(), [&](size_t, size_t r0, size_t r1) {
    kn.col_affine2(dy + r0 * c, x + r0 * c, r1 - r0, c, a, b, d, dx + r0 * c);
  });
}

void BatchNorm::prepare_predict(size_t) { inference_affine(pa_.data(), pb_.data()); }

const float* BatchNorm::predict_rows(const float* x, size_t rows, float* y) const {
  affine(x, rows * (width_ / c_), pa_.data(), pb_.data(), y, 1);
  return y;
}

LayerNorm::LayerNorm(size_t width, size_t features, float epsilon, bool center, bool scale)
    : width_(width), f_(features), epsilon_(epsilon), center_(center), scale_(scale) {
  if (scale_) init_param(gamma_, f_, 1.f);
  if (center_) init_param(beta_, f_, 0.f);
  ones_.resize(f_);
  zeros_.resize(f_);
  std::fill(ones_.data(), ones_.data() + f_, 1.f);
  zeros_.zero();
}

std::vector<Param*> LayerNorm::params() {
  std::vector<Param*> p;
  if (scale_) p.push_back(&gamma_);
  if (center_) p.push_back(&beta_);
  return p;
}

const float* LayerNorm::forward(const float* x, size_t rows, Pass pass, Rng& /*rng*/) {
  const size_t n = rows * (width_ / f_);
  y_.resize(rows * width_);
  const bool keep = pass != Pass::Predict;
  if (keep) {
    xhat_.resize(rows * width_);
    inv_.resize(n);
  }
  const NormKernels& k = kernels().norm;
  const size_t f = f_;
  float* xh = keep ? xhat_.data() : nullptr;
  float* iv = keep ? inv_.data() : nullptr;
  for_blocks(n, f, num_threads(), [&](size_t, size_t r0, size_t r1) {
    k.row_norm(x + r0 * f, r1 - r0, f, epsilon_, gamma(), beta(), y_.data() + r0 * f, xh ? xh + r0 * f : nullptr,
               iv ? iv + r0 : nullptr);
  });
  return y_.data();
}

const float* LayerNorm::predict_rows(const float* x, size_t rows, float* y) const {
  kernels().norm.row_norm(x, rows * (width_ / f_), f_, epsilon_, gamma(), beta(), y, nullptr, nullptr);
  return y;
}

void LayerNorm::backward(const float* /*x*/, float* dy, float* dx, size_t rows, bool /*preact*/) {
  const size_t n = rows * (width_ / f_);
  const size_t f = f_;
  const size_t blocks = (n + kBlockRows - 1) / kBlockRows;
  partial_.resize(blocks * 2 * f);
  partial_.zero();
  std::vector<float> scratch;
  float* tmp = dx;
  if (!tmp) {
    scratch.resize(n * f);
    tmp = scratch.data();
  }
  const NormKernels& k = kernels().norm;
  float* part = partial_.data();
  for_blocks(n, f, num_threads(), [&](size_t b, size_t r0, size_t r1) {
    k.row_norm_backward(xhat_.data() + r0 * f, inv_.data() + r0, dy + r0 * f, r1 - r0, f, gamma(), tmp + r0 * f,
                        part + b * 2 * f, part + b * 2 * f + f);
  });
  float* dg = scale_ ? gamma_.grad.data() : nullptr;
  float* db = center_ ? beta_.grad.data() : nullptr;
  if (dg) std::memset(dg, 0, f * sizeof(float));
  if (db) std::memset(db, 0, f * sizeof(float));
  for (size_t b = 0; b < blocks; ++b)
    for (size_t j = 0; j < f; ++j) {
      if (dg) dg[j] += part[b * 2 * f + j];
      if (db) db[j] += part[b * 2 * f + f + j];
    }
}

}  // namespace simdnn
