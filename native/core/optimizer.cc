#include "optimizer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <new>
#include <stdexcept>

#include "threadpool.h"

namespace simdnn {

namespace {

// Norms and the regularization loss are summed per block of this many floats
// (block partials in float by the kernel, blocks in double), never per thread.
constexpr size_t kBlock = 16384;
// The update is handed out in chunks of at most this many floats (a multiple
// of one cache line of floats, 16).
constexpr size_t kChunk = 32768;
constexpr size_t kDefaultParallelThreshold = 65536;

// Runs fn(i) for every i in [0, count) on the compute pool, handing indices
// out dynamically so that a thread the OS delays (a busy machine) does not hold
// up the step. Each index is computed the same way whichever thread runs it,
// so results depend neither on the thread count nor on timing.
void dynamic_for(size_t count, const std::function<void(size_t)>& fn) {
  const size_t threads = std::min(num_threads(), count);
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  parallel_run(threads, [&](size_t, size_t) {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < count;) fn(i);
  });
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

[[noreturn]] void bad(const char* name, const char* expected, double value) {
  throw std::invalid_argument(std::string("Expected ") + expected + " for " + name + " but received " + num(value));
}

void check_nonneg(const char* name, float v) {
  if (!(v >= 0) || !std::isfinite(v)) bad(name, "a finite number >= 0", v);
}

void check_unit(const char* name, float v) {
  if (!(v >= 0 && v < 1)) bad(name, "a number in [0, 1)", v);
}

struct AlignedFree {
  void operator()(float* p) const { ::operator delete(p, std::align_val_t(64)); }
};
using Buffer = std::unique_ptr<float[], AlignedFree>;

size_t padded_bytes(size_t n) { return ((std::max<size_t>(n, 1) * sizeof(float) + 63) / 64) * 64; }

Buffer alloc_floats(size_t n) {
  if (n > (SIZE_MAX - 64) / sizeof(float)) throw std::bad_alloc();
  return Buffer(static_cast<float*>(::operator new(padded_bytes(n), std::align_val_t(64))));
}

}  // namespace

void validate(const OptimizerConfig& c) {
  const int kind = (int)c.kind;
  if (kind < 0 || kind > (int)OptimizerKind::Adagrad)
    bad("optimizer", "one of sgd, adam, adamw, rmsprop, adagrad (0..4)", kind);
  check_nonneg("learningRate", c.learning_rate);
  check_nonneg("momentum", c.momentum);
  check_unit("beta1", c.beta1);
  check_unit("beta2", c.beta2);
  check_nonneg("epsilon", c.epsilon);
  check_nonneg("weightDecay", c.weight_decay);
  check_unit("rho", c.rho);
  check_nonneg("initialAccumulatorValue", c.initial_accumulator);
  check_nonneg("clipNorm", c.clip_norm);
  check_nonneg("globalClipNorm", c.global_clip_norm);
  check_nonneg("clipValue", c.clip_value);
  if (c.clip_norm > 0 && c.global_clip_norm > 0)
    throw std::invalid_argument("Expected at most one of clipNorm and globalClipNorm but received both (" +
                                num(c.clip_norm) + " and " + num(c.global_clip_norm) + ")");
  c.schedule.validate();
}

double regularization_loss(const Kernels& k, const float* w, size_t n, const Regularizer& r) {
  if ((r.l1 == 0 && r.l2 == 0) || n == 0) return 0;
  const size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<float> abs_part(blocks), sq_part(blocks);
  auto block = [&](size_t b) {
    const size_t lo = b * kBlock, len = std::min(kBlock, n - lo);
    k.optim.abs_square_sums(w + lo, len, &abs_part[b], &sq_part[b]);
  };
  if (n < kDefaultParallelThreshold)
    for (size_t b = 0; b < blocks; ++b) block(b);
  else
    dynamic_for(blocks, block);
  double a = 0, q = 0;
  for (size_t b = 0; b < blocks; ++b) a += abs_part[b], q += sq_part[b];
  return (double)r.l1 * a + (double)r.l2 * q;
}

struct Optimizer::Impl {
  OptimizerConfig cfg;
  const Kernels* k;
  float base_lr;
  int64_t iters = 0;
  size_t threshold = kDefaultParallelThreshold;
  // Names of this optimizer's state buffers, in the order of Param::state.
  std::vector<const char*> names;

  struct Param {
    size_t n;
    Buffer state[3];
    bool frozen = false;
  };
  std::vector<Param> params;
  std::vector<size_t> offsets;  // start of each tensor in the concatenated index space
  size_t total = 0;

  // Per-step scratch, kept to avoid allocating on every step.
  std::vector<OptimStep> steps;
  std::vector<size_t> block_param, first_block;
  std::vector<float> block_sums;
  std::vector<double> norms2;

  explicit Impl(const OptimizerConfig& c, const Kernels* kt) : cfg(c), k(kt), base_lr(c.learning_rate) {
    switch (c.kind) {
      case OptimizerKind::Sgd:
        if (c.momentum > 0) names = {"momentum"};
        break;
      case OptimizerKind::Adam:
      case OptimizerKind::AdamW:
        names = {"m", "v"};
        if (c.amsgrad) names.push_back("vmax");
        break;
      case OptimizerKind::RmsProp:
        names = {"v"};
        break;
      case OptimizerKind::Adagrad:
        names = {"accumulator"};
        break;
    }
  }

  float state_init() const { return cfg.kind == OptimizerKind::Adagrad ? cfg.initial_accumulator : 0.0f; }

  void fill_state(Param& p) const {
    for (size_t s = 0; s < names.size(); ++s) std::fill(p.state[s].get(), p.state[s].get() + p.n, state_init());
  }

  OptimStep base_step() const {
    OptimStep s;
    const int64_t t = iters + 1;
    s.lr = cfg.schedule.lr_at(iters, base_lr);
    s.decay = (float)((double)s.lr * cfg.weight_decay);
    s.momentum = cfg.momentum;
    s.nesterov = cfg.nesterov;
    s.beta1 = cfg.beta1;
    s.beta2 = cfg.beta2;
    s.bias_correction1 = (float)(1.0 - std::pow((double)cfg.beta1, (double)t));
    s.bias_correction2 = (float)(1.0 - std::pow((double)cfg.beta2, (double)t));
    s.rho = cfg.rho;
    s.epsilon = cfg.epsilon;
    s.clip_value = cfg.clip_value;
    return s;
  }

  // Squared L2 norms of the regularized gradients, per tensor, into norms2.
  void gradient_norms(const float* const* w, const float* const* g) {
    const size_t np = params.size();
    block_param.clear();
    for (size_t i = 0; i < np; ++i)
      for (size_t b = 0; b * kBlock < params[i].n; ++b) block_param.push_back(i);
    block_sums.assign(block_param.size(), 0.f);
    // Block b of tensor i starts at (b - first block of i) * kBlock.
    first_block.assign(np, 0);
    for (size_t j = 0, i = 0; i < np; ++i) {
      first_block[i] = j;
      j += (params[i].n + kBlock - 1) / kBlock;
    }
    auto block = [&](size_t b) {
      const size_t i = block_param[b], lo = (b - first_block[i]) * kBlock;
      if (params[i].frozen) {
        block_sums[b] = 0.f;
        return;
      }
      block_sums[b] = k->optim.grad_sum_squares(steps[i], w[i] + lo, g[i] + lo, std::min(kBlock, params[i].n - lo));
    };
    const size_t nb = block_param.size();
    if (total < threshold)
      for (size_t b = 0; b < nb; ++b) block(b);
    else
      dynamic_for(nb, block);
    norms2.assign(np, 0.0);
    for (size_t b = 0; b < nb; ++b) norms2[block_param[b]] += block_sums[b];
  }

  void update(size_t i, const float* w, float* wo, const float* g, size_t lo, size_t hi) {
    Param& p = params[i];
    const OptimStep& s = steps[i];
    float* st[3] = {nullptr, nullptr, nullptr};
    for (size_t j = 0; j < names.size(); ++j) st[j] = p.state[j].get() + lo;
    w += lo;
    wo += lo;
    g += lo;
    const size_t n = hi - lo;
    switch (cfg.kind) {
      case OptimizerKind::Sgd:
        k->optim.sgd(s, w, g, st[0], n, wo);
        break;
      case OptimizerKind::Adam:
      case OptimizerKind::AdamW:
        k->optim.adam(s, w, g, st[0], st[1], st[2], n, wo);
        break;
      case OptimizerKind::RmsProp:
        k->optim.rmsprop(s, w, g, st[0], n, wo);
        break;
      case OptimizerKind::Adagrad:
        k->optim.adagrad(s, w, g, st[0], n, wo);
        break;
    }
  }

  // Updates the elements [b, e) of the concatenated parameters.
  void update_range(const float* const* w, float* const* wo, const float* const* g, size_t b, size_t e) {
    size_t i = (size_t)(std::upper_bound(offsets.begin(), offsets.end(), b) - offsets.begin()) - 1;
    for (; i < params.size() && offsets[i] < e; ++i) {
      const size_t off = offsets[i];
      const size_t lo = std::max(b, off) - off, hi = std::min(e, off + params[i].n) - off;
      if (lo < hi && !params[i].frozen) update(i, w[i], wo[i], g[i], lo, hi);
    }
  }

  void step(const float* const* w, float* const* wo, const float* const* g, const Regularizer* regs) {
    const size_t np = params.size();
    if (np == 0) {
      ++iters;
      return;
    }
    if (!w || !wo || !g) throw std::invalid_argument("Optimizer::step: weights and gradients must not be null");
    for (size_t i = 0; i < np; ++i) {
      if (params[i].n && (!w[i] || !wo[i] || !g[i]))
        throw std::invalid_argument("Optimizer::step: tensor " + std::to_string(i) + " has a null pointer");
      if (regs) {
        check_nonneg("l1", regs[i].l1);
        check_nonneg("l2", regs[i].l2);
      }
    }
    const OptimStep base = base_step();
    steps.assign(np, base);
    if (regs)
      for (size_t i = 0; i < np; ++i) steps[i].l1 = regs[i].l1, steps[i].l2 = regs[i].l2;

    if (cfg.clip_norm > 0 || cfg.global_clip_norm > 0) {
      gradient_norms(w, g);
      if (cfg.clip_norm > 0) {
        for (size_t i = 0; i < np; ++i) {
          const double norm = std::sqrt(norms2[i]), c = cfg.clip_norm;
          steps[i].grad_scale = norm > c ? (float)(c / norm) : 1.0f;
        }
      } else {
        double sum = 0;
        for (size_t i = 0; i < np; ++i) sum += norms2[i];
        const double norm = std::sqrt(sum), c = cfg.global_clip_norm;
        const float scale = norm > c ? (float)(c / norm) : 1.0f;
        for (size_t i = 0; i < np; ++i) steps[i].grad_scale = scale;
      }
    }

    if (total < threshold) {
      update_range(w, wo, g, 0, total);
    } else {
      const size_t chunk = std::max<size_t>(16, std::min(kChunk, threshold / 2) / 16 * 16);
      dynamic_for((total + chunk - 1) / chunk,
                  [&](size_t c) { update_range(w, wo, g, c * chunk, std::min(total, (c + 1) * chunk)); });
    }
    ++iters;
  }
};

Optimizer::Optimizer(const OptimizerConfig& config, const Kernels* k) {
  validate(config);
  impl_ = std::make_unique<Impl>(config, k ? k : &kernels());
}
Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

size_t Optimizer::add_param(size_t n) {
  Impl& im = *impl_;
  Impl::Param p;
  p.n = n;
  for (size_t s = 0; s < im.names.size(); ++s) p.state[s] = alloc_floats(n);
  im.fill_state(p);
  im.params.push_back(std::move(p));
  im.offsets.push_back(im.total);
  im.total += n;
  return im.params.size() - 1;
}

void Optimizer::set_frozen(size_t index, bool frozen) {
  if (index >= impl_->params.size())
    throw std::out_of_range("Optimizer::set_frozen: index " + std::to_string(index) + " out of range");
  impl_->params[index].frozen = frozen;
}

size_t Optimizer::num_params() const { return impl_->params.size(); }

size_t Optimizer::param_size(size_t index) const {
  if (index >= impl_->params.size())
    throw std::out_of_range("Optimizer::param_size: index " + std::to_string(index) + " out of range");
  return impl_->params[index].n;
}

void Optimizer::step(float* const* w, const float* const* g, const Regularizer* regs) { impl_->step(w, w, g, regs); }
void Optimizer::step(const float* const* w, float* const* w_out, const float* const* g, const Regularizer* regs) {
  impl_->step(w, w_out, g, regs);
}

int64_t Optimizer::iterations() const { return impl_->iters; }

void Optimizer::set_iterations(int64_t t) {
  if (t < 0) bad("iterations", "an integer >= 0", (double)t);
  impl_->iters = t;
}

float Optimizer::learning_rate_at_step() const { return impl_->cfg.schedule.lr_at(impl_->iters, impl_->base_lr); }

float Optimizer::learning_rate() const { return impl_->base_lr; }

void Optimizer::set_learning_rate(float lr) {
  check_nonneg("learningRate", lr);
  impl_->base_lr = lr;
}

const OptimizerConfig& Optimizer::config() const { return impl_->cfg; }

void Optimizer::set_parallel_threshold(size_t n) { impl_->threshold = n ? n : kDefaultParallelThreshold; }

std::vector<Optimizer::StateView> Optimizer::state() {
  std::vector<StateView> out;
  Impl& im = *impl_;
  for (size_t i = 0; i < im.params.size(); ++i)
    for (size_t s = 0; s < im.names.size(); ++s)
      out.push_back(StateView{im.names[s], i, im.params[i].state[s].get(), im.params[i].n});
  return out;
}

void Optimizer::reset() {
  for (auto& p : impl_->params) impl_->fill_state(p);
  impl_->iters = 0;
}

size_t Optimizer::state_bytes() const {
  size_t bytes = 0;
  for (auto& p : impl_->params) bytes += impl_->names.size() * padded_bytes(p.n);
  return bytes;
}

}  // namespace simdnn
