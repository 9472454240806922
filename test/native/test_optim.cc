// Fused optimizer updates against a float64 reference of the formulas in
// API.md: every optimizer and option, every ISA table, 1 and 2 threads
// (bitwise identical), schedules, the regularizer gradient by finite
// differences, validation, and the save / restore round trip.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.h"
#include "core/optimizer.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"

using namespace simdnn;

namespace {

#if defined(__aarch64__)
// qemu is slow: a smaller largest tensor, still above the parallel threshold set below.
const std::vector<size_t> kSizes = {1, 7, 1023, 4099};
constexpr size_t kThreshold = 1024;
#else
const std::vector<size_t> kSizes = {1, 7, 1023, 65537};
constexpr size_t kThreshold = 0;  // the default
#endif
constexpr int kSteps = 100;
double g_worst_w = 0, g_worst_state = 0;  // the largest error seen, as a fraction of its bound

struct Case {
  std::string name;
  OptimizerConfig cfg;
  Regularizer reg;  // the same for every tensor
};

// The learning rate of a schedule, written out by hand in double.
double ref_lr(const OptimizerConfig& c, int64_t step) {
  const LrSchedule& s = c.schedule;
  const double base = c.learning_rate;
  if (s.warmup_steps > 0) {
    if (step < s.warmup_steps) return base * (step + 1) / (double)s.warmup_steps;
    step -= s.warmup_steps;
  }
  switch (s.kind) {
    case ScheduleKind::Constant:
      return base;
    case ScheduleKind::ExponentialDecay: {
      double p = (double)step / s.decay_steps;
      return base * std::pow(s.decay_rate, s.staircase ? std::floor(p) : p);
    }
    case ScheduleKind::StepDecay:
      return base * std::pow(s.gamma, std::floor((double)step / s.step_size));
    case ScheduleKind::CosineDecay: {
      double d = std::min<double>(step, s.decay_steps) / s.decay_steps;
      return base * ((1 - s.alpha) * 0.5 * (1 + std::cos(3.14159265358979323846 * d)) + s.alpha);
    }
  }
  return base;
}

// The formulas of API.md in double, one tensor set at a time.
struct Reference {
  OptimizerConfig c;
  Regularizer reg;
  std::vector<std::vector<double>> w, s0, s1, s2;  // state: momentum | m, v, vmax | v | accumulator
  std::vector<std::vector<double>> h;              // scratch: the transformed gradient
  int64_t t = 0;

  Reference(const Case& k, const std::vector<std::vector<float>>& w0) : c(k.cfg), reg(k.reg) {
    for (auto& x : w0) {
      w.emplace_back(x.begin(), x.end());
      double init = c.kind == OptimizerKind::Adagrad ? (double)c.initial_accumulator : 0.0;
      s0.emplace_back(x.size(), init);
      s1.emplace_back(x.size(), 0.0);
      s2.emplace_back(x.size(), 0.0);
    }
  }

  // wf: the weights under test, only to break ties of sign(w) when the
  // reference weight is within rounding of 0 (the sign is discontinuous there).
  void step(const std::vector<const float*>& g, const std::vector<std::vector<float>>& wf) {
    const double lr = ref_lr(c, t);
    ++t;
    const size_t np = w.size();
    h.resize(np);
    std::vector<double> norm2(np, 0.0);
    for (size_t i = 0; i < np; ++i) {
      h[i].resize(w[i].size());
      for (size_t j = 0; j < w[i].size(); ++j) {
        double x = w[i][j];
        double sgn = std::fabs(x) < 1e-5 ? (wf[i][j] > 0) - (wf[i][j] < 0) : (x > 0) - (x < 0);
        h[i][j] = (double)g[i][j] + (double)reg.l1 * sgn + 2.0 * reg.l2 * x;
        norm2[i] += h[i][j] * h[i][j];
      }
    }
    std::vector<double> scale(np, 1.0);
    if (c.clip_norm > 0)
      for (size_t i = 0; i < np; ++i) scale[i] = c.clip_norm / std::max(std::sqrt(norm2[i]), (double)c.clip_norm);
    if (c.global_clip_norm > 0) {
      double sum = 0;
      for (double v : norm2) sum += v;
      for (size_t i = 0; i < np; ++i)
        scale[i] = c.global_clip_norm / std::max(std::sqrt(sum), (double)c.global_clip_norm);
    }
    const double b1 = c.beta1, b2 = c.beta2, eps = c.epsilon;
    const double bc1 = 1 - std::pow(b1, (double)t), bc2 = 1 - std::pow(b2, (double)t);
    for (size_t i = 0; i < np; ++i)
      for (size_t j = 0; j < w[i].size(); ++j) {
        double gg = h[i][j] * scale[i];
        if (c.clip_value > 0) gg = std::min<double>(std::max<double>(gg, -c.clip_value), c.clip_value);
        double& x = w[i][j];
        x -= lr * c.weight_decay * x;
        switch (c.kind) {
          case OptimizerKind::Sgd: {
            double& v = s0[i][j];
            v = c.momentum * v + gg;
            x -= c.nesterov ? lr * (gg + c.momentum * v) : lr * v;
            break;
          }
          case OptimizerKind::Adam:
          case OptimizerKind::AdamW: {
            double &m = s0[i][j], &v = s1[i][j], &vmax = s2[i][j];
            m = b1 * m + (1 - b1) * gg;
            v = b2 * v + (1 - b2) * gg * gg;
            vmax = std::max(vmax, v);
            double second = c.amsgrad ? vmax : v;
            x -= lr * (m / bc1) / (std::sqrt(second / bc2) + eps);
            break;
          }
          case OptimizerKind::RmsProp: {
            double& v = s0[i][j];
            v = c.rho * v + (1 - c.rho) * gg * gg;
            x -= lr * gg / (std::sqrt(v) + eps);
            break;
          }
          case OptimizerKind::Adagrad: {
            double& s = s0[i][j];
            s += gg * gg;
            x -= lr * gg / (std::sqrt(s) + eps);
            break;
          }
        }
      }
  }

  // The reference buffer of a state name, in Optimizer::state() naming.
  const std::vector<double>* buffer(const std::string& name, size_t i) const {
    switch (c.kind) {
      case OptimizerKind::Sgd:
        return name == "momentum" ? &s0[i] : nullptr;
      case OptimizerKind::Adam:
      case OptimizerKind::AdamW:
        return name == "m" ? &s0[i] : name == "v" ? &s1[i] : name == "vmax" ? &s2[i] : nullptr;
      case OptimizerKind::RmsProp:
        return name == "v" ? &s0[i] : nullptr;
      case OptimizerKind::Adagrad:
        return name == "accumulator" ? &s0[i] : nullptr;
    }
    return nullptr;
  }
};

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  auto base = [](OptimizerKind kind, float lr) {
    OptimizerConfig c;
    c.kind = kind;
    c.learning_rate = lr;
    return c;
  };
  std::vector<std::pair<std::string, OptimizerConfig>> opts;
  opts.push_back({"sgd", base(OptimizerKind::Sgd, 0.01f)});
  {
    auto c = base(OptimizerKind::Sgd, 0.01f);
    c.momentum = 0.9f;
    opts.push_back({"sgd-momentum", c});
    c.nesterov = true;
    opts.push_back({"sgd-nesterov", c});
  }
  opts.push_back({"adam", base(OptimizerKind::Adam, 0.01f)});
  {
    auto c = base(OptimizerKind::Adam, 0.01f);
    c.amsgrad = true;
    c.beta1 = 0.8f;
    c.beta2 = 0.99f;
    c.epsilon = 1e-6f;
    opts.push_back({"adam-amsgrad", c});
    c = base(OptimizerKind::AdamW, 0.01f);
    c.weight_decay = 0.05f;
    opts.push_back({"adamw", c});
    c.amsgrad = true;
    opts.push_back({"adamw-amsgrad", c});
  }
  opts.push_back({"rmsprop", base(OptimizerKind::RmsProp, 0.01f)});
  opts.push_back({"adagrad", base(OptimizerKind::Adagrad, 0.1f)});

  for (auto& [name, c] : opts) {
    cases.push_back({name, c, {}});
    cases.push_back({name + "+l1", c, {0.01f, 0}});
    cases.push_back({name + "+l2", c, {0, 0.01f}});
    cases.push_back({name + "+l1l2", c, {0.01f, 0.02f}});
    auto cv = c;
    cv.clip_value = 0.5f;
    cases.push_back({name + "+clipValue", cv, {}});
    auto cn = c;
    cn.clip_norm = 1.0f;
    cases.push_back({name + "+clipNorm", cn, {}});
    auto cg = c;
    cg.global_clip_norm = 2.0f;
    cases.push_back({name + "+globalClipNorm", cg, {0, 0.01f}});
    auto all = c;
    all.clip_norm = 20.0f;
    all.clip_value = 0.2f;
    cases.push_back({name + "+l1l2+clipNorm+clipValue", all, {0.01f, 0.02f}});
  }
  {
    auto c = base(OptimizerKind::Sgd, 0.01f);
    c.momentum = 0.5f;
    c.weight_decay = 0.1f;
    cases.push_back({"sgd-momentum+weightDecay", c, {}});
  }
  // Schedules, each with and without warmup, on sgd with momentum and on adam.
  std::vector<std::pair<std::string, LrSchedule>> schedules = {
      {"exponential", LrSchedule::exponential_decay(20, 0.5)},
      {"exponential-staircase", LrSchedule::exponential_decay(20, 0.5, true)},
      {"step", LrSchedule::step_decay(30, 0.5)},
      {"cosine", LrSchedule::cosine_decay(80, 0.1)},
      {"constant", LrSchedule::constant()},
  };
  for (auto& [sname, sched] : schedules)
    for (int64_t warmup : {0, 10})
      for (OptimizerKind kind : {OptimizerKind::Sgd, OptimizerKind::Adam}) {
        auto c = base(kind, 0.02f);
        if (kind == OptimizerKind::Sgd) c.momentum = 0.9f;
        c.schedule = sched;
        c.schedule.warmup_steps = warmup;
        if (sname == "constant" && warmup == 0) continue;  // covered above
        cases.push_back({std::string(kind == OptimizerKind::Sgd ? "sgd-momentum" : "adam") + "+" + sname +
                             (warmup ? "+warmup" : ""),
                         c,
                         {}});
      }
  return cases;
}

struct Data {
  std::vector<std::vector<float>> w0;
  std::vector<float> pool;  // gradients: step t of tensor i reads pool at t * 997 + offset_i
  std::vector<size_t> offsets;
  size_t total = 0;
};

Data make_data() {
  Data d;
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::normal_distribution<float> nrm(0.f, 1.f);
  for (size_t n : kSizes) {
    std::vector<float> w(n);
    for (auto& x : w) x = u(rng);
    if (n > 2) w[1] = 0.0f;  // sign(0) = 0
    d.w0.push_back(w);
    d.offsets.push_back(d.total);
    d.total += n;
  }
  d.pool.resize(d.total + 997 * (kSteps + 1));
  for (auto& x : d.pool) x = nrm(rng);
  return d;
}

std::vector<const float*> grads_at(const Data& d, int t) {
  std::vector<const float*> g;
  for (size_t off : d.offsets) g.push_back(d.pool.data() + (size_t)t * 997 + off);
  return g;
}

struct Run {
  std::vector<std::vector<float>> w;
  std::vector<std::vector<float>> state;  // in state() order
  std::vector<std::string> names;
};

Run run_optimizer(const Case& cs, const Kernels* k, size_t threads, const Data& d, int steps) {
  set_num_threads(threads);
  Optimizer opt(cs.cfg, k);
  if (kThreshold) opt.set_parallel_threshold(kThreshold);
  for (size_t n : kSizes) opt.add_param(n);
  Run r;
  r.w = d.w0;
  std::vector<Regularizer> regs(kSizes.size(), cs.reg);
  for (int t = 0; t < steps; ++t) {
    std::vector<float*> wp;
    for (auto& x : r.w) wp.push_back(x.data());
    std::vector<const float*> gp = grads_at(d, t);
    opt.step(wp.data(), gp.data(), regs.data());
  }
  for (auto& v : opt.state()) {
    r.names.push_back(v.name);
    r.state.emplace_back(v.data, v.data + v.n);
  }
  return r;
}

// |a - b| <= atol + rtol * |b|; returns the worst ratio to the bound.
double worst(const std::vector<float>& a, const std::vector<double>& b, double atol, double rtol, size_t* at) {
  double wr = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double e = std::fabs((double)a[i] - b[i]) / (atol + rtol * std::fabs(b[i]));
    if (!(e <= wr)) {
      wr = e;
      *at = i;
    }
  }
  return wr;
}

void test_against_reference() {
  const Data d = make_data();
  const auto cases = make_cases();
  for (const Case& cs : cases) {
    for (int isa = 0; isa < 4; ++isa) {
      const Kernels* k = kernels_for((Isa)isa);
      if (!k) continue;
      // The reference runs in lockstep with this table at one thread: it needs
      // the tested weights to break sign(w) ties within rounding of 0.
      Reference ref(cs, d.w0);
      Run one;
      {
        set_num_threads(1);
        Optimizer opt(cs.cfg, k);
        if (kThreshold) opt.set_parallel_threshold(kThreshold);
        for (size_t n : kSizes) opt.add_param(n);
        one.w = d.w0;
        std::vector<Regularizer> regs(kSizes.size(), cs.reg);
        for (int t = 0; t < kSteps; ++t) {
          ref.step(grads_at(d, t), one.w);
          std::vector<float*> wp;
          for (auto& x : one.w) wp.push_back(x.data());
          std::vector<const float*> gp = grads_at(d, t);
          opt.step(wp.data(), gp.data(), regs.data());
        }
        for (auto& v : opt.state()) {
          one.names.push_back(v.name);
          one.state.emplace_back(v.data, v.data + v.n);
        }
      }
      // Weights: 100 steps of float rounding against double; the bound is
      // relative to the weight, plus a little absolute slack near 0.
      const double atol = 2e-6, rtol = 2e-5;
      for (size_t i = 0; i < kSizes.size(); ++i) {
        size_t at = 0;
        double e = worst(one.w[i], ref.w[i], atol, rtol, &at);
        g_worst_w = std::max(g_worst_w, e);
        CHECK(e <= 1, "%s %s size %zu: w[%zu] = %.9g, reference %.9g (%.2fx the bound)", cs.name.c_str(), k->name,
              kSizes[i], at, one.w[i][at], ref.w[i][at], e);
      }
      // State buffers, ordered by tensor, then by buffer.
      Optimizer probe(cs.cfg, k);
      for (size_t n : kSizes) probe.add_param(n);
      auto views = probe.state();
      CHECK(views.size() == one.state.size(), "%s state size", cs.name.c_str());
      for (size_t j = 0; j < views.size() && j < one.state.size(); ++j) {
        const std::vector<double>* rb = ref.buffer(views[j].name, views[j].param);
        CHECK(rb != nullptr, "%s unexpected state %s", cs.name.c_str(), views[j].name.c_str());
        if (!rb) continue;
        size_t at = 0;
        double e = worst(one.state[j], *rb, 1e-6, 1e-4, &at);
        g_worst_state = std::max(g_worst_state, e);
        CHECK(e <= 1, "%s %s state %s of tensor %zu: [%zu] = %.9g, reference %.9g (%.2fx the bound)", cs.name.c_str(),
              k->name, views[j].name.c_str(), views[j].param, at, one.state[j][at], (*rb)[at], e);
      }
      // Two threads: bitwise the same as one.
      Run two = run_optimizer(cs, k, 2, d, kSteps);
      bool same = two.w == one.w && two.state == one.state;
      CHECK(same, "%s %s: 2 threads differ from 1 thread", cs.name.c_str(), k->name);
    }
  }
  set_num_threads(physical_cores());
  std::printf("reference: %zu cases x %d steps, sizes", cases.size(), kSteps);
  for (size_t n : kSizes) std::printf(" %zu", n);
  std::printf("; worst error %.3f of the bound (weights), %.3f (state)\n", g_worst_w, g_worst_state);
}

void test_schedules() {
  struct Expect {
    LrSchedule s;
    int64_t step;
    double lr;  // for base 0.1
  };
  const double b = 0.1;
  const std::vector<Expect> table = {
      {LrSchedule::constant(), 0, b},
      {LrSchedule::constant(), 1000, b},
      {LrSchedule::exponential_decay(10, 0.5), 0, b},
      {LrSchedule::exponential_decay(10, 0.5), 5, b * 0.70710678118654752},
      {LrSchedule::exponential_decay(10, 0.5), 20, 0.025},
      {LrSchedule::exponential_decay(10, 0.5, true), 15, 0.05},
      {LrSchedule::exponential_decay(10, 0.5, true), 9, 0.1},
      {LrSchedule::step_decay(10, 0.1), 9, 0.1},
      {LrSchedule::step_decay(10, 0.1), 10, 0.01},
      {LrSchedule::step_decay(10, 0.1), 25, 0.001},
      {LrSchedule::cosine_decay(100), 0, 0.1},
      {LrSchedule::cosine_decay(100), 50, 0.05},
      {LrSchedule::cosine_decay(100), 25, 0.1 * 0.5 * (1 + 0.70710678118654752)},
      {LrSchedule::cosine_decay(100), 100, 0.0},
      {LrSchedule::cosine_decay(100), 200, 0.0},
      {LrSchedule::cosine_decay(100, 0.1), 100, 0.01},
      {LrSchedule::cosine_decay(100, 0.1), 50, 0.1 * (0.9 * 0.5 + 0.1)},
      {LrSchedule::constant(4), 0, 0.025},
      {LrSchedule::constant(4), 1, 0.05},
      {LrSchedule::constant(4), 3, 0.1},
      {LrSchedule::constant(4), 4, 0.1},
      {LrSchedule::step_decay(10, 0.1, 10), 9, 0.1},
      {LrSchedule::step_decay(10, 0.1, 10), 19, 0.1},
      {LrSchedule::step_decay(10, 0.1, 10), 20, 0.01},
      {LrSchedule::cosine_decay(10, 0, 5), 0, 0.02},
      {LrSchedule::cosine_decay(10, 0, 5), 5, 0.1},
      {LrSchedule::cosine_decay(10, 0, 5), 10, 0.05},
      {LrSchedule::cosine_decay(10, 0, 5), 15, 0.0},
      {LrSchedule::exponential_decay(10, 0.5, false, 2), 1, 0.1},
      {LrSchedule::exponential_decay(10, 0.5, false, 2), 12, 0.05},
  };
  for (const Expect& e : table) {
    float got = e.s.lr_at(e.step, (float)b);
    CHECK(std::fabs(got - e.lr) <= 1e-7 * b + 1e-6 * e.lr, "schedule kind %d warmup %lld step %lld: %.9g, want %.9g",
          (int)e.s.kind, (long long)e.s.warmup_steps, (long long)e.step, got, e.lr);
  }
  // The optimizer reports the lr of its next step and follows set_learning_rate.
  OptimizerConfig c;
  c.learning_rate = 0.1f;
  c.schedule = LrSchedule::step_decay(2, 0.5);
  Optimizer opt(c);
  opt.add_param(3);
  float w[3] = {1, 2, 3}, g[3] = {1, 1, 1};
  float* wp = w;
  const float* gp = g;
  CHECK(opt.learning_rate_at_step() == 0.1f, "lr at step 0");
  opt.step(&wp, &gp);
  opt.step(&wp, &gp);
  CHECK(opt.iterations() == 2, "iterations %lld", (long long)opt.iterations());
  CHECK(std::fabs(opt.learning_rate_at_step() - 0.05f) < 1e-9, "lr at step 2: %g", opt.learning_rate_at_step());
  opt.set_learning_rate(0.2f);
  CHECK(std::fabs(opt.learning_rate_at_step() - 0.1f) < 1e-9, "lr after set_learning_rate: %g",
        opt.learning_rate_at_step());
  CHECK(opt.learning_rate() == 0.2f, "base lr");
  // Exactly lr * g per step for plain sgd: 1 - 0.1 - 0.1 - 0.1 (lr 0.2 * 0.5).
  opt.step(&wp, &gp);
  CHECK(std::fabs(w[0] - 0.7f) < 1e-6, "sgd with schedule: %g", w[0]);
}

void test_regularizer() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const Regularizer r{0.3f, 0.7f};
  for (int isa = 0; isa < 4; ++isa) {
    const Kernels* k = kernels_for((Isa)isa);
    if (!k) continue;
    // Gradient of the loss by central differences vs the kernel's regularizer
    // gradient (sgd, lr 1, zero loss gradient: w_new = w - reg_grad).
    const size_t n = 37;
    std::vector<float> w(n), zero(n, 0.f);
    for (auto& x : w) {
      x = u(rng);
      if (std::fabs(x) < 0.05f) x = 0.5f;
    }
    OptimStep s;
    s.lr = 1;
    s.l1 = r.l1;
    s.l2 = r.l2;
    std::vector<float> wn = w;
    k->optim.sgd(s, wn.data(), zero.data(), nullptr, n, wn.data());
    for (size_t i = 0; i < n; ++i) {
      const double analytic = (double)w[i] - wn[i];
      std::vector<float> wp = w, wm = w;
      const float h = 1e-2f;
      wp[i] += h;
      wm[i] -= h;
      const double dh = ((double)wp[i] - wm[i]);
      const double fd = (regularization_loss(*k, wp.data(), n, r) - regularization_loss(*k, wm.data(), n, r)) / dh;
      CHECK(std::fabs(fd - analytic) <= 1e-3 * (1 + std::fabs(analytic)), "%s reg grad [%zu]: fd %.7g analytic %.7g",
            k->name, i, fd, analytic);
    }
    // sign(0) = 0: only the l2 term (also 0) remains.
    float w0 = 0.0f, g0 = 0.25f;
    k->optim.sgd(s, &w0, &g0, nullptr, 1, &w0);
    CHECK(w0 == -0.25f, "%s sign(0) must be 0: %g", k->name, w0);
    // The loss itself, large and split into blocks, against double.
    std::vector<float> big(200003);
    double ab = 0, sq = 0;
    for (auto& x : big) x = u(rng), ab += std::fabs(x), sq += (double)x * x;
    for (size_t threads : {1, 2}) {
      set_num_threads(threads);
      double got = regularization_loss(*k, big.data(), big.size(), r);
      double want = r.l1 * ab + r.l2 * sq;
      CHECK(std::fabs(got - want) <= 1e-5 * want, "%s reg loss %.9g want %.9g", k->name, got, want);
      static double first = 0;
      if (threads == 1) first = got;
      CHECK(got == first, "%s reg loss differs across threads", k->name);
    }
    CHECK(regularization_loss(*k, big.data(), big.size(), Regularizer{}) == 0, "no regularizer, no loss");
  }
  set_num_threads(physical_cores());
}

void test_round_trip() {
  const Data d = make_data();
  const int half = 30;
  for (Case cs : make_cases()) {
    if (cs.name.find("+l1l2+clipNorm") == std::string::npos && cs.name.find("warmup") == std::string::npos) continue;
    // Reference: 2 * half steps in one optimizer.
    Run whole = run_optimizer(cs, nullptr, 1, d, 2 * half);
    // Save after `half` steps, restore into a fresh optimizer, continue.
    Optimizer a(cs.cfg);
    for (size_t n : kSizes) a.add_param(n);
    std::vector<std::vector<float>> w = d.w0;
    std::vector<Regularizer> regs(kSizes.size(), cs.reg);
    auto run = [&](Optimizer& o, int from, int to) {
      for (int t = from; t < to; ++t) {
        std::vector<float*> wp;
        for (auto& x : w) wp.push_back(x.data());
        std::vector<const float*> gp = grads_at(d, t);
        o.step(wp.data(), gp.data(), regs.data());
      }
    };
    run(a, 0, half);
    std::vector<std::vector<float>> saved;
    for (auto& v : a.state()) saved.emplace_back(v.data, v.data + v.n);
    const int64_t iters = a.iterations();
    Optimizer b(cs.cfg);
    for (size_t n : kSizes) b.add_param(n);
    auto views = b.state();
    CHECK(views.size() == saved.size(), "%s: state layout", cs.name.c_str());
    for (size_t j = 0; j < views.size() && j < saved.size(); ++j)
      std::memcpy(views[j].data, saved[j].data(), saved[j].size() * sizeof(float));
    b.set_iterations(iters);
    run(b, half, 2 * half);
    std::vector<std::vector<float>> after;
    for (auto& v : b.state()) after.emplace_back(v.data, v.data + v.n);
    CHECK(w == whole.w && after == whole.state, "%s: resumed run differs from the uninterrupted one", cs.name.c_str());
    // reset() starts over: the same as a fresh optimizer.
    b.reset();
    CHECK(b.iterations() == 0, "reset iterations");
    for (auto& v : b.state()) {
      const float init = cs.cfg.kind == OptimizerKind::Adagrad ? cs.cfg.initial_accumulator : 0.f;
      bool ok = std::all_of(v.data, v.data + v.n, [&](float x) { return x == init; });
      CHECK(ok, "%s: reset state %s", cs.name.c_str(), v.name.c_str());
    }
  }
}

template <typename F>
void expect_throw(const char* what, const char* needle, F&& f) {
  try {
    f();
    CHECK(false, "%s: no exception", what);
  } catch (const std::invalid_argument& e) {
    CHECK(std::strstr(e.what(), needle) != nullptr, "%s: message '%s' lacks '%s'", what, e.what(), needle);
  }
}

void test_validation() {
  auto with = [](auto edit) {
    OptimizerConfig c;
    c.kind = OptimizerKind::Adam;
    edit(c);
    return c;
  };
  expect_throw("lr < 0", "learningRate but received -1",
               [&] { Optimizer o(with([](auto& c) { c.learning_rate = -1; })); });
  expect_throw("lr NaN", "learningRate", [&] { Optimizer o(with([](auto& c) { c.learning_rate = NAN; })); });
  expect_throw("beta1 1", "for beta1 but received 1", [&] { Optimizer o(with([](auto& c) { c.beta1 = 1; })); });
  expect_throw("beta2 < 0", "beta2", [&] { Optimizer o(with([](auto& c) { c.beta2 = -0.1f; })); });
  expect_throw("rho", "rho", [&] { Optimizer o(with([](auto& c) { c.rho = 1.5f; })); });
  expect_throw("eps", "epsilon", [&] { Optimizer o(with([](auto& c) { c.epsilon = -1e-7f; })); });
  expect_throw("momentum", "momentum", [&] { Optimizer o(with([](auto& c) { c.momentum = -0.5f; })); });
  expect_throw("weightDecay", "weightDecay", [&] { Optimizer o(with([](auto& c) { c.weight_decay = INFINITY; })); });
  expect_throw("initialAccumulatorValue", "initialAccumulatorValue",
               [&] { Optimizer o(with([](auto& c) { c.initial_accumulator = -1; })); });
  expect_throw("clipValue", "clipValue", [&] { Optimizer o(with([](auto& c) { c.clip_value = -1; })); });
  expect_throw("both clip norms", "clipNorm and globalClipNorm",
               [&] { Optimizer o(with([](auto& c) { c.clip_norm = 1, c.global_clip_norm = 1; })); });
  expect_throw("kind", "optimizer", [&] { Optimizer o(with([](auto& c) { c.kind = (OptimizerKind)9; })); });
  expect_throw("decaySteps", "decaySteps",
               [&] { Optimizer o(with([](auto& c) { c.schedule = LrSchedule::exponential_decay(0, 0.5); })); });
  expect_throw("gamma", "gamma",
               [&] { Optimizer o(with([](auto& c) { c.schedule = LrSchedule::step_decay(3, 0); })); });
  expect_throw("alpha", "alpha",
               [&] { Optimizer o(with([](auto& c) { c.schedule = LrSchedule::cosine_decay(3, 1.5); })); });
  expect_throw("warmupSteps", "warmupSteps",
               [&] { Optimizer o(with([](auto& c) { c.schedule = LrSchedule::constant(-1); })); });
  // A bad regularizer is refused before anything moves.
  Optimizer o(with([](auto&) {}));
  o.add_param(2);
  float w[2] = {1, 2}, g[2] = {1, 1};
  float* wp = w;
  const float* gp = g;
  Regularizer bad{-0.1f, 0};
  expect_throw("l1 < 0", "l1", [&] { o.step(&wp, &gp, &bad); });
  CHECK(w[0] == 1 && w[1] == 2 && o.iterations() == 0, "rejected step must not update");
  expect_throw("null grads", "null", [&] { o.step(&wp, nullptr); });
  expect_throw("set_learning_rate", "learningRate", [&] { o.set_learning_rate(-2); });
  // State layout and bytes.
  OptimizerConfig ams = with([](auto& c) { c.amsgrad = true; });
  Optimizer oa(ams);
  oa.add_param(5);
  oa.add_param(100);
  auto views = oa.state();
  CHECK(views.size() == 6 && views[0].name == "m" && views[1].name == "v" && views[2].name == "vmax" &&
            views[3].param == 1 && views[3].n == 100,
        "adam amsgrad state layout");
  for (auto& v : views) CHECK(((uintptr_t)v.data & 63) == 0, "state %s not 64-byte aligned", v.name.c_str());
  CHECK(oa.state_bytes() == 3 * (64 + 448), "state_bytes %zu", oa.state_bytes());
  OptimizerConfig plain;
  Optimizer os(plain);
  os.add_param(10);
  CHECK(os.state().empty(), "sgd without momentum keeps no state");
}

}  // namespace

int main() {
  std::printf("ISA tables:");
  for (int isa = 0; isa < 4; ++isa)
    if (kernels_for((Isa)isa)) std::printf(" %s", isa_name((Isa)isa));
  std::printf("\n");
  test_validation();
  test_schedules();
  test_regularizer();
  test_round_trip();
  test_against_reference();
  return check_summary("test_optim");
}
