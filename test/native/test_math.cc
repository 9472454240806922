// MathKernels on every available ISA: vector math accuracy (printed as max ulp
// and max relative error per function and ISA), activations forward/backward
// against double references and finite differences, softmax, every loss and
// its gradient, the stability cases, and each SIMD ISA against scalar on
// awkward lengths.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "check.h"
#include "kernels/kernels.h"

using namespace simdnn;

#if defined(__aarch64__)
static const size_t kSweep = 200000;  // qemu is slow
#else
static const size_t kSweep = 4000000;
#endif

static const char* act_name(Act a) {
  static const char* names[] = {"linear", "relu", "leakyRelu", "elu", "gelu", "sigmoid", "tanh", "softmax", "softplus"};
  return names[(int)a];
}

// One float ulp at the magnitude of ref (subnormal spacing below FLT_MIN).
static double ulp_of(double ref) {
  double a = std::fabs(ref);
  if (a < FLT_MIN) return std::ldexp(1.0, -149);
  int e;
  std::frexp(a, &e);  // a = m 2^e, m in [0.5, 1)
  return std::ldexp(1.0, e - 24);
}

static double phi_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
static double phi_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }

// ---------------------------------------------------------------- references

static double ref_act(Act a, double x) {
  switch (a) {
    case Act::Linear:
      return x;
    case Act::Relu:
      return x > 0 ? x : 0;
    case Act::LeakyRelu:
      return x > 0 ? x : 0.01 * x;
    case Act::Elu:
      return x > 0 ? x : std::expm1(x);
    case Act::Gelu:
      return x * phi_cdf(x);
    case Act::Sigmoid:
      return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
    case Act::Tanh:
      return std::tanh(x);
    case Act::Softplus:
      return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
    default:
      return NAN;
  }
}

static double ref_act_grad(Act a, double x) {
  switch (a) {
    case Act::Linear:
      return 1;
    case Act::Relu:
      return x > 0 ? 1 : 0;
    case Act::LeakyRelu:
      return x > 0 ? 1 : 0.01;
    case Act::Elu:
      return x > 0 ? 1 : std::exp(x);
    case Act::Gelu:
      return phi_cdf(x) + x * phi_pdf(x);
    case Act::Sigmoid: {
      double s = ref_act(Act::Sigmoid, x), e = std::exp(-std::fabs(x));
      return x >= 0 ? s * e / (1 + e) : s / (1 + e);
    }
    case Act::Tanh: {
      double c = std::cosh(x);
      return std::isinf(c) ? 0 : 1 / (c * c);
    }
    case Act::Softplus:
      return ref_act(Act::Sigmoid, x);
    default:
      return NAN;
  }
}

// ---------------------------------------------------------------- vector math

struct ErrStat {
  double max_ulp = 0, max_rel = 0, at_ulp = 0, at_rel = 0;
  void add(double x, float got, double ref) {
    double err = std::fabs((double)got - ref);
    double u = err / ulp_of(ref);
    if (u > max_ulp) max_ulp = u, at_ulp = x;
    if (ref != 0 && std::fabs(ref) >= FLT_MIN) {
      double r = err / std::fabs(ref);
      if (r > max_rel) max_rel = r, at_rel = x;
    }
  }
};

typedef void (*VecFn)(const float*, float*, size_t);

static ErrStat sweep(VecFn fn, double (*ref)(double), const std::vector<float>& xs) {
  std::vector<float> y(xs.size());
  fn(xs.data(), y.data(), xs.size());
  ErrStat s;
  for (size_t i = 0; i < xs.size(); ++i) s.add(xs[i], y[i], ref(xs[i]));
  return s;
}

static std::vector<float> linspace(double a, double b, size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = (float)(a + (b - a) * (double)i / (double)(n - 1));
  return v;
}

// Log-spaced magnitudes in [a, b] with both signs.
static std::vector<float> logspace_signed(double a, double b, size_t n) {
  std::vector<float> v;
  for (size_t i = 0; i < n; ++i) {
    float x = (float)std::exp(std::log(a) + (std::log(b) - std::log(a)) * (double)i / (double)(n - 1));
    v.push_back(x);
    v.push_back(-x);
  }
  return v;
}

static float eval1(VecFn fn, float x) {
  // Through a full vector and through a tail, both must agree.
  float in[33], out[33];
  for (int i = 0; i < 33; ++i) in[i] = x;
  fn(in, out, 33);
  for (int i = 1; i < 33; ++i)
    if (std::memcmp(&out[i], &out[0], 4) != 0) return NAN;
  return out[0];
}

static bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

static void test_vector_math(const Kernels& k) {
  const MathKernels& m = k.math;
  // exp
  {
    ErrStat s = sweep(
        m.vexp, [](double x) { return std::exp(x); }, linspace(-87.3, 88.72, kSweep));
    ErrStat s2 = sweep(
        m.vexp, [](double x) { return std::exp(x); }, logspace_signed(1e-30, 1, kSweep / 20));
    s.max_ulp = std::max(s.max_ulp, s2.max_ulp), s.max_rel = std::max(s.max_rel, s2.max_rel);
    std::printf("  %-7s exp   [-87.3, 88.72]      max %.2f ulp (x=%g), max rel %.3g\n", k.name, s.max_ulp, s.at_ulp,
                s.max_rel);
    CHECK(s.max_ulp <= 2.5 && s.max_rel <= 2e-7, "%s exp ulp %g rel %g", k.name, s.max_ulp, s.max_rel);
    // Subnormal results: within one subnormal step plus the relative error.
    std::vector<float> xs = linspace(-103.9, -87.3, kSweep / 10), y(xs.size());
    m.vexp(xs.data(), y.data(), xs.size());
    double worst = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      double ref = std::exp((double)xs[i]);
      worst = std::max(worst, std::fabs(y[i] - ref) / (std::ldexp(1.0, -149) + 2e-7 * ref));
    }
    CHECK(worst <= 1.0, "%s exp subnormal range worst %g", k.name, worst);
    CHECK(eval1(m.vexp, 0.f) == 1.f, "%s exp(0)", k.name);
    CHECK(eval1(m.vexp, -INFINITY) == 0.f, "%s exp(-inf)", k.name);
    CHECK(eval1(m.vexp, INFINITY) == INFINITY, "%s exp(inf)", k.name);
    CHECK(eval1(m.vexp, 88.73f) == INFINITY, "%s exp(88.73)", k.name);
    CHECK(eval1(m.vexp, 1000.f) == INFINITY, "%s exp(1000)", k.name);
    CHECK(eval1(m.vexp, FLT_MAX) == INFINITY, "%s exp(FLT_MAX)", k.name);
    CHECK(eval1(m.vexp, -104.f) == 0.f, "%s exp(-104)", k.name);
    CHECK(eval1(m.vexp, -1000.f) == 0.f, "%s exp(-1000)", k.name);
    CHECK(eval1(m.vexp, -FLT_MAX) == 0.f, "%s exp(-FLT_MAX)", k.name);
    CHECK(std::isnan(eval1(m.vexp, NAN)), "%s exp(nan)", k.name);
    CHECK(eval1(m.vexp, 1e-40f) == 1.f, "%s exp(subnormal)", k.name);
    const float big = eval1(m.vexp, 88.72f);
    const double big_ref = std::exp((double)88.72f);
    CHECK(std::isfinite(big) && std::fabs(big - big_ref) <= 2 * ulp_of(big_ref), "%s exp(88.72)=%g", k.name, big);
  }
  // log
  {
    std::vector<float> xs = linspace(0.5, 2.0, kSweep / 2);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    for (size_t i = 0; i < kSweep / 2; ++i) {
      int e = (int)(u(rng) * 276) - 149;
      float x = (float)std::ldexp(1.0 + u(rng), e);
      if (x > 0 && std::isfinite(x)) xs.push_back(x);
    }
    for (float x : {FLT_MIN, FLT_MAX, 1.4e-45f, 1e-40f, 1.17e-38f, 1.f, 0.99999994f, 1.0000001f}) xs.push_back(x);
    ErrStat s = sweep(
        m.vlog, [](double x) { return std::log(x); }, xs);
    std::printf("  %-7s log   (0, FLT_MAX]        max %.2f ulp (x=%g), max rel %.3g\n", k.name, s.max_ulp, s.at_ulp,
                s.max_rel);
    CHECK(s.max_ulp <= 2.5 && s.max_rel <= 2e-7, "%s log ulp %g rel %g", k.name, s.max_ulp, s.max_rel);
    CHECK(eval1(m.vlog, 0.f) == -INFINITY, "%s log(0)", k.name);
    CHECK(eval1(m.vlog, -0.f) == -INFINITY, "%s log(-0)", k.name);
    CHECK(std::isnan(eval1(m.vlog, -1.f)), "%s log(-1)", k.name);
    CHECK(std::isnan(eval1(m.vlog, -1e-40f)), "%s log(-subnormal)", k.name);
    CHECK(std::isnan(eval1(m.vlog, -INFINITY)), "%s log(-inf)", k.name);
    CHECK(eval1(m.vlog, INFINITY) == INFINITY, "%s log(inf)", k.name);
    CHECK(std::isnan(eval1(m.vlog, NAN)), "%s log(nan)", k.name);
    CHECK(eval1(m.vlog, 1.f) == 0.f, "%s log(1)", k.name);
  }
  // tanh
  {
    std::vector<float> xs = linspace(-10, 10, kSweep);
    std::vector<float> sm = logspace_signed(1e-30, 1, kSweep / 20);
    xs.insert(xs.end(), sm.begin(), sm.end());
    ErrStat s = sweep(
        m.vtanh, [](double x) { return std::tanh(x); }, xs);
    std::printf("  %-7s tanh  [-10, 10]           max %.2f ulp (x=%g), max rel %.3g\n", k.name, s.max_ulp, s.at_ulp,
                s.max_rel);
    CHECK(s.max_ulp <= 2.5 && s.max_rel <= 2e-7, "%s tanh ulp %g rel %g", k.name, s.max_ulp, s.max_rel);
    CHECK(eval1(m.vtanh, INFINITY) == 1.f && eval1(m.vtanh, -INFINITY) == -1.f, "%s tanh(+-inf)", k.name);
    CHECK(eval1(m.vtanh, 50.f) == 1.f && eval1(m.vtanh, -1e30f) == -1.f, "%s tanh saturation", k.name);
    CHECK(std::isnan(eval1(m.vtanh, NAN)), "%s tanh(nan)", k.name);
    float z = eval1(m.vtanh, -0.f);
    CHECK(z == 0.f && std::signbit(z), "%s tanh(-0)", k.name);
    CHECK(eval1(m.vtanh, 1e-40f) == 1e-40f, "%s tanh(subnormal)", k.name);
  }
  // erf
  {
    std::vector<float> xs = linspace(-5, 5, kSweep);
    std::vector<float> sm = logspace_signed(1e-30, 1, kSweep / 20);
    xs.insert(xs.end(), sm.begin(), sm.end());
    ErrStat s = sweep(
        m.verf, [](double x) { return std::erf(x); }, xs);
    std::printf("  %-7s erf   [-5, 5]             max %.2f ulp (x=%g), max rel %.3g\n", k.name, s.max_ulp, s.at_ulp,
                s.max_rel);
    CHECK(s.max_ulp <= 2.5 && s.max_rel <= 2e-7, "%s erf ulp %g rel %g", k.name, s.max_ulp, s.max_rel);
    CHECK(eval1(m.verf, INFINITY) == 1.f && eval1(m.verf, -INFINITY) == -1.f, "%s erf(+-inf)", k.name);
    CHECK(eval1(m.verf, 4.f) == 1.f && eval1(m.verf, -1e30f) == -1.f, "%s erf saturation", k.name);
    CHECK(std::isnan(eval1(m.verf, NAN)), "%s erf(nan)", k.name);
    float z = eval1(m.verf, -0.f);
    CHECK(z == 0.f && std::signbit(z), "%s erf(-0)", k.name);
  }
}

// ---------------------------------------------------------------- activations

static const Act kActs[] = {Act::Linear, Act::Relu,    Act::LeakyRelu, Act::Elu,
                            Act::Gelu,   Act::Sigmoid, Act::Tanh,      Act::Softplus};

static void test_activations(const Kernels& k) {
  const MathKernels& m = k.math;
  std::vector<float> xs = linspace(-20, 20, 40001);
  std::vector<float> sm = logspace_signed(1e-20, 20, 2000);
  xs.insert(xs.end(), sm.begin(), sm.end());
  for (float x : {0.f, -0.f, 30.f, -30.f, 88.f, -88.f, 100.f, -100.f, 1000.f, -1000.f}) xs.push_back(x);
  const size_t n = xs.size();
  std::vector<float> y(n), dy(n), dx(n), y2(n);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-2.f, 2.f);
  for (float& g : dy) g = u(rng);
  for (Act a : kActs) {
    m.act_forward(a, xs.data(), y.data(), n);
    double fwd_rel = 0, bwd_rel = 0, fd_rel = 0;
    for (size_t i = 0; i < n; ++i) {
      const double x = xs[i], ref = ref_act(a, x);
      // 6 ulp-ish relative, with an absolute floor far below anything useful.
      const double err = std::fabs(y[i] - ref) / (std::fabs(ref) + 1e-30);
      if (std::fabs(ref) > 1e-30) fwd_rel = std::max(fwd_rel, err);
      CHECK(std::fabs(y[i] - ref) <= 4e-7 * std::fabs(ref) + 1e-37, "%s %s(%g) = %.9g, want %.9g", k.name, act_name(a),
            x, y[i], ref);
    }
    m.act_backward(a, xs.data(), y.data(), dy.data(), dx.data(), n);
    for (size_t i = 0; i < n; ++i) {
      const double x = xs[i], ref = dy[i] * ref_act_grad(a, x);
      // Gelu' = Phi + x phi cancels (it crosses 0 near x = -0.75): the error
      // is bounded relative to the size of its terms, not of the sum.
      const double mag = a == Act::Gelu ? std::fabs(dy[i]) * (phi_cdf(x) + std::fabs(x) * phi_pdf(x)) : std::fabs(ref);
      const double err = std::fabs(dx[i] - ref);
      if (mag > 1e-30) bwd_rel = std::max(bwd_rel, err / mag);
      CHECK(err <= 6e-7 * mag + 1e-37, "%s %s'(%g) dx = %.9g, want %.9g", k.name, act_name(a), x, dx[i], ref);
      // Central differences of the double forward, away from kinks.
      if (std::fabs(x) < 1e-3 && (a == Act::Relu || a == Act::LeakyRelu || a == Act::Elu)) continue;
      if (std::fabs(x) > 50) continue;
      const double h = 1e-5 * std::max(1.0, std::fabs(x));
      const double fd = dy[i] * (ref_act(a, x + h) - ref_act(a, x - h)) / (2 * h);
      const double fe = std::fabs(dx[i] - fd);
      CHECK(fe <= 1e-6 * std::fabs(dy[i]) + 1e-6 * std::fabs(fd), "%s %s'(%g) dx = %.9g, finite difference %.9g",
            k.name, act_name(a), x, dx[i], fd);
      if (std::fabs(fd) > 1e-3) fd_rel = std::max(fd_rel, fe / std::fabs(fd));
    }
    std::printf("  %-7s %-9s forward max rel %.3g, backward max rel %.3g (vs finite diff %.3g)\n", k.name, act_name(a),
                fwd_rel, bwd_rel, fd_rel);
    // NaN propagates through the forward of every activation.
    float nan_in[5] = {NAN, NAN, NAN, NAN, NAN}, nan_out[5];
    m.act_forward(a, nan_in, nan_out, 5);
    CHECK(std::isnan(nan_out[0]) && std::isnan(nan_out[4]), "%s %s(nan)", k.name, act_name(a));
    // In place: x == y and dx == dy give the same results.
    y2 = xs;
    m.act_forward(a, y2.data(), y2.data(), n);
    CHECK(std::memcmp(y2.data(), y.data(), n * 4) == 0, "%s %s in-place forward", k.name, act_name(a));
    y2 = dy;
    m.act_backward(a, xs.data(), y.data(), y2.data(), y2.data(), n);
    CHECK(std::memcmp(y2.data(), dx.data(), n * 4) == 0, "%s %s in-place backward", k.name, act_name(a));
  }
  // Conventions at 0 and saturation.
  float x0[3] = {0.f, -0.f, 0.f}, g1[3] = {1.f, 1.f, 1.f}, out[3], yy[3];
  m.act_forward(Act::Relu, x0, yy, 3);
  m.act_backward(Act::Relu, x0, yy, g1, out, 3);
  CHECK(out[0] == 0.f && out[1] == 0.f, "%s relu'(0) must be 0", k.name);
  m.act_backward(Act::LeakyRelu, x0, yy, g1, out, 3);
  CHECK(out[0] == 0.01f, "%s leakyRelu'(0) = %g", k.name, out[0]);
  float big[4] = {1000.f, -1000.f, 90.f, -90.f};
  m.act_forward(Act::Sigmoid, big, out, 3);
  CHECK(out[0] == 1.f && out[1] == 0.f, "%s sigmoid saturation", k.name);
  m.act_forward(Act::Softplus, big, yy, 2);
  CHECK(yy[0] == 1000.f && yy[1] == 0.f, "%s softplus(+-1000) = %g %g", k.name, yy[0], yy[1]);
  m.act_forward(Act::Elu, big, yy, 2);
  CHECK(yy[0] == 1000.f && yy[1] == -1.f, "%s elu(+-1000)", k.name);
  m.act_forward(Act::Gelu, big, yy, 2);
  CHECK(yy[0] == 1000.f && yy[1] == 0.f, "%s gelu(+-1000) = %g %g", k.name, yy[0], yy[1]);
}

// ---------------------------------------------------------------- softmax

static void test_softmax(const Kernels& k) {
  const MathKernels& m = k.math;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-10.f, 10.f);
  double worst = 0, worst_b = 0, worst_fd = 0;
  for (size_t cols : {1, 2, 3, 7, 15, 16, 17, 33, 100, 1023}) {
    const size_t rows = 5, ldx = cols + 3, ldy = cols + 1;
    std::vector<float> x(rows * ldx, 77.f), y(rows * ldy, -5.f), dy(rows * cols), dx(rows * cols);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) x[r * ldx + c] = u(rng) * (r == 3 ? 100.f : 1.f) + (r == 4 ? 1e4f : 0.f);
    if (cols > 1) x[2 * ldx + cols - 1] = 3e38f;  // a huge value in the tail of a row
    for (float& g : dy) g = u(rng);
    m.softmax_rows(x.data(), ldx, y.data(), ldy, rows, cols);
    for (size_t r = 0; r < rows; ++r) {
      double mx = -INFINITY, s = 0;
      for (size_t c = 0; c < cols; ++c) mx = std::max(mx, (double)x[r * ldx + c]);
      for (size_t c = 0; c < cols; ++c) s += std::exp(x[r * ldx + c] - mx);
      double sum = 0;
      for (size_t c = 0; c < cols; ++c) {
        const double ref = std::exp(x[r * ldx + c] - mx) / s;
        const float got = y[r * ldy + c];
        sum += got;
        // x - max is rounded to float: up to |x - max| 2^-24 relative, inherent.
        const double cond = 1e-6 + std::fabs(x[r * ldx + c] - mx) * 6e-8;
        CHECK(std::fabs(got - ref) <= cond * ref + 1e-37, "%s softmax cols=%zu r=%zu c=%zu %g vs %g", k.name, cols, r,
              c, got, ref);
        if (ref > 1e-30) worst = std::max(worst, std::fabs(got - ref) / ref / (cond / 1e-6));
      }
      CHECK(std::fabs(sum - 1) <= 1e-5, "%s softmax row sum %g", k.name, sum);
      for (size_t c = cols; c < ldy; ++c) CHECK(y[r * ldy + c] == -5.f, "%s softmax wrote past its row", k.name);
    }
    if (cols == 1)
      for (size_t r = 0; r < rows; ++r) CHECK(y[r * ldy] == 1.f, "%s softmax cols=1 gives %g", k.name, y[r * ldy]);
    // Backward on the contiguous copy of y.
    std::vector<float> yc(rows * cols);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) yc[r * cols + c] = y[r * ldy + c];
    m.softmax_backward_rows(yc.data(), dy.data(), dx.data(), rows, cols);
    std::vector<double> row_abs(rows, 0.0);
    for (size_t r = 0; r < rows; ++r) {
      double d = 0;
      for (size_t c = 0; c < cols; ++c) {
        d += (double)yc[r * cols + c] * dy[r * cols + c];
        row_abs[r] += std::fabs((double)yc[r * cols + c] * dy[r * cols + c]);
      }
      for (size_t c = 0; c < cols; ++c) {
        const double yv = yc[r * cols + c], ref = yv * (dy[r * cols + c] - d);
        const double err = std::fabs(dx[r * cols + c] - ref);
        // The float dot product and dy - dot may cancel: bound by the terms.
        const double mag = yv * (std::fabs(dy[r * cols + c]) + row_abs[r]);
        CHECK(err <= 4e-7 * mag + 1e-37, "%s softmax backward cols=%zu %g vs %g", k.name, cols, dx[r * cols + c], ref);
        if (mag > 1e-20) worst_b = std::max(worst_b, err / mag);
      }
    }
    // Finite differences (double) of L = sum dy * softmax(x) for the first row.
    if (cols <= 33) {
      auto L = [&](std::vector<double> xr) {
        double mx = -INFINITY, s = 0, l = 0;
        for (double v : xr) mx = std::max(mx, v);
        for (double v : xr) s += std::exp(v - mx);
        for (size_t c = 0; c < cols; ++c) l += dy[c] * std::exp(xr[c] - mx) / s;
        return l;
      };
      std::vector<double> xr(cols);
      for (size_t c = 0; c < cols; ++c) xr[c] = x[c];
      for (size_t c = 0; c < cols; ++c) {
        std::vector<double> a = xr, b = xr;
        a[c] += 1e-6, b[c] -= 1e-6;
        const double fd = (L(a) - L(b)) / 2e-6;
        const double err = std::fabs(dx[c] - fd);
        const double mag = yc[c] * (std::fabs(dy[c]) + row_abs[0]);
        // 2e-8: the double round-off of the difference quotient (L ~ 10, h = 1e-6).
        CHECK(err <= 4e-6 * mag + 2e-8, "%s softmax backward vs finite difference %g vs %g", k.name, dx[c], fd);
        if (mag > 1e-20) worst_fd = std::max(worst_fd, err / mag);
      }
    }
    // In place.
    std::vector<float> xi(rows * cols), yo(rows * cols);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) xi[r * cols + c] = x[r * ldx + c];
    m.softmax_rows(xi.data(), cols, yo.data(), cols, rows, cols);
    m.softmax_rows(xi.data(), cols, xi.data(), cols, rows, cols);
    CHECK(std::memcmp(xi.data(), yo.data(), xi.size() * 4) == 0, "%s softmax in place cols=%zu", k.name, cols);
  }
  // Rows of +-1000 and equal huge values.
  float h[6] = {1000.f, -1000.f, 0.f, 3e38f, 3e38f, 3e38f}, hy[6];
  m.softmax_rows(h, 3, hy, 3, 2, 3);
  CHECK(hy[0] == 1.f && hy[1] == 0.f && hy[2] == 0.f, "%s softmax(+-1000)", k.name);
  CHECK(std::fabs(hy[3] - 1.f / 3) < 1e-7 && std::fabs(hy[5] - 1.f / 3) < 1e-7, "%s softmax(3e38 x3) %g", k.name,
        hy[3]);
  std::printf(
      "  %-7s softmax   max rel %.3g (in units of the x - max rounding), backward max err %.3g, vs finite "
      "diff %.3g (both in units of y (|dy| + sum |y dy|))\n",
      k.name, worst, worst_b, worst_fd);
}

// ---------------------------------------------------------------- losses

static const char* loss_name(Loss l) {
  static const char* names[] = {"mse",       "mae",       "huber",          "bce", "cce", "sparseCce",
                                "bceLogits", "cceLogits", "sparseCceLogits"};
  return names[(int)l];
}

static bool is_sparse(Loss l) {
  return l == Loss::SparseCategoricalCrossentropy || l == Loss::SparseCategoricalCrossentropyFromLogits;
}

// The reference, in double, written independently of the kernel.
static double ref_loss(Loss kind, const std::vector<double>& out, const std::vector<float>& t,
                       const std::vector<float>* w, size_t rows, size_t cols) {
  double total = 0;
  for (size_t r = 0; r < rows; ++r) {
    double l = 0;
    const double* o = &out[r * cols];
    auto y = [&](size_t c) { return is_sparse(kind) ? (c == (size_t)t[r] ? 1.0 : 0.0) : (double)t[r * cols + c]; };
    switch (kind) {
      case Loss::MeanSquaredError:
        for (size_t c = 0; c < cols; ++c) l += (o[c] - y(c)) * (o[c] - y(c)) / cols;
        break;
      case Loss::MeanAbsoluteError:
        for (size_t c = 0; c < cols; ++c) l += std::fabs(o[c] - y(c)) / cols;
        break;
      case Loss::Huber:
        for (size_t c = 0; c < cols; ++c) {
          double d = std::fabs(o[c] - y(c));
          l += (d <= 1 ? 0.5 * d * d : d - 0.5) / cols;
        }
        break;
      case Loss::BinaryCrossentropy:
        for (size_t c = 0; c < cols; ++c) {
          double p = std::min(std::max(o[c], 1e-7), 1 - 1e-7);
          l -= (y(c) * std::log(p) + (1 - y(c)) * std::log(1 - p)) / cols;
        }
        break;
      case Loss::CategoricalCrossentropy:
      case Loss::SparseCategoricalCrossentropy:
        for (size_t c = 0; c < cols; ++c) l -= y(c) * std::log(std::min(std::max(o[c], 1e-7), 1.0));
        break;
      case Loss::BinaryCrossentropyFromLogits:
        for (size_t c = 0; c < cols; ++c) {
          double p = 1 / (1 + std::exp(-o[c]));  // fine for the moderate logits of the sweep
          l -= (y(c) * std::log(p) + (1 - y(c)) * std::log1p(-p)) / cols;
        }
        break;
      default: {
        double mx = -INFINITY, s = 0;
        for (size_t c = 0; c < cols; ++c) mx = std::max(mx, o[c]);
        for (size_t c = 0; c < cols; ++c) s += std::exp(o[c] - mx);
        for (size_t c = 0; c < cols; ++c) l -= y(c) * (o[c] - mx - std::log(s));
      }
    }
    total += (w ? (*w)[r] : 1.0) * l;
  }
  return total / rows;
}

static const Loss kLosses[] = {Loss::MeanSquaredError,
                               Loss::MeanAbsoluteError,
                               Loss::Huber,
                               Loss::BinaryCrossentropy,
                               Loss::CategoricalCrossentropy,
                               Loss::SparseCategoricalCrossentropy,
                               Loss::BinaryCrossentropyFromLogits,
                               Loss::CategoricalCrossentropyFromLogits,
                               Loss::SparseCategoricalCrossentropyFromLogits};

static void test_losses(const Kernels& k) {
  const MathKernels& m = k.math;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (Loss kind : kLosses) {
    double worst_val = 0, worst_grad = 0, worst_fd = 0;
    for (size_t cols : {1, 3, 10, 17}) {
      const size_t rows = 6;
      if (is_sparse(kind) && cols == 1) continue;
      for (int weighted = 0; weighted < 2; ++weighted) {
        std::vector<float> out(rows * cols), t(is_sparse(kind) ? rows : rows * cols), w(rows), g(rows * cols);
        const bool probs = kind == Loss::BinaryCrossentropy || kind == Loss::CategoricalCrossentropy ||
                           kind == Loss::SparseCategoricalCrossentropy;
        for (size_t r = 0; r < rows; ++r) {
          w[r] = 0.25f + 2 * u(rng);
          double s = 0;
          for (size_t c = 0; c < cols; ++c) {
            float& o = out[r * cols + c];
            o = probs ? 0.02f + 0.96f * u(rng) : 8 * u(rng) - 4;
            if (kind == Loss::MeanAbsoluteError || kind == Loss::Huber) o *= 0.6f;
            if (!is_sparse(kind)) {
              float& y = t[r * cols + c];
              if (kind == Loss::CategoricalCrossentropy || kind == Loss::CategoricalCrossentropyFromLogits)
                y = u(rng), s += y;  // soft targets, normalized below
              else if (kind == Loss::BinaryCrossentropy || kind == Loss::BinaryCrossentropyFromLogits)
                y = (r + c) % 3 == 0 ? u(rng) : (float)((r + c) & 1);
              else
                y = 4 * u(rng) - 2;
            }
          }
          if (is_sparse(kind)) t[r] = (float)((r * 7) % cols);
          if (s > 0)
            for (size_t c = 0; c < cols; ++c) t[r * cols + c] = (float)(t[r * cols + c] / s);
        }
        const std::vector<float>* wp = weighted ? &w : nullptr;
        std::vector<double> od(out.begin(), out.end());
        const double ref = ref_loss(kind, od, t, wp, rows, cols);
        const double got = m.loss(kind, out.data(), t.data(), weighted ? w.data() : nullptr, g.data(), rows, cols);
        const double got_nog = m.loss(kind, out.data(), t.data(), weighted ? w.data() : nullptr, nullptr, rows, cols);
        CHECK(got == got_nog, "%s %s loss differs without grad", k.name, loss_name(kind));
        const double verr = std::fabs(got - ref) / std::max(std::fabs(ref), 1e-3);
        worst_val = std::max(worst_val, verr);
        // The softmax-CE forms sum float exps (in double): log-sum-exp to ~1e-8.
        const bool lse_kind =
            kind == Loss::CategoricalCrossentropyFromLogits || kind == Loss::SparseCategoricalCrossentropyFromLogits;
        CHECK(verr <= (lse_kind ? 1e-7 : 1e-9), "%s %s cols=%zu loss %.12g want %.12g", k.name, loss_name(kind), cols,
              got, ref);
        // Gradient vs central finite differences of the double reference.
        double gscale = 0;
        for (float v : g) gscale = std::max(gscale, (double)std::fabs(v));
        for (size_t i = 0; i < rows * cols; ++i) {
          const double h = 1e-6;
          std::vector<double> a = od, b = od;
          a[i] += h, b[i] -= h;
          const double fd = (ref_loss(kind, a, t, wp, rows, cols) - ref_loss(kind, b, t, wp, rows, cols)) / (2 * h);
          const double err = std::fabs(g[i] - fd);
          CHECK(err <= 1e-5 * (std::fabs(fd) + 1e-2 * gscale), "%s %s cols=%zu grad[%zu] %.9g, finite difference %.9g",
                k.name, loss_name(kind), cols, i, g[i], fd);
          worst_fd = std::max(worst_fd, err / (std::fabs(fd) + 1e-2 * gscale));
        }
        // Gradient vs the analytic double gradient.
        for (size_t r = 0; r < rows; ++r) {
          const double wr = weighted ? w[r] : 1.0;
          double mx = -INFINITY, s = 0;
          for (size_t c = 0; c < cols; ++c) mx = std::max(mx, od[r * cols + c]);
          for (size_t c = 0; c < cols; ++c) s += std::exp(od[r * cols + c] - mx);
          for (size_t c = 0; c < cols; ++c) {
            const double o = od[r * cols + c];
            const double y = is_sparse(kind) ? (c == (size_t)t[r] ? 1.0 : 0.0) : (double)t[r * cols + c];
            const double d = o - y, nm = wr / (rows * cols), ns = wr / rows;
            double want, cancel = 0;
            switch (kind) {
              case Loss::MeanSquaredError:
                want = 2 * d * nm;
                break;
              case Loss::MeanAbsoluteError:
                want = (d > 0 ? 1 : d < 0 ? -1 : 0) * nm;
                break;
              case Loss::Huber:
                want = std::max(-1.0, std::min(1.0, d)) * nm;
                break;
              case Loss::BinaryCrossentropy:
                want = (o - y) / (o * (1 - o)) * nm;
                break;
              case Loss::CategoricalCrossentropy:
              case Loss::SparseCategoricalCrossentropy:
                want = -y / o * ns;
                break;
              case Loss::BinaryCrossentropyFromLogits:
                want = (1 / (1 + std::exp(-o)) - y) * nm;
                break;
              default: {
                double ysum = 0;  // soft targets sum to 1 only up to float rounding
                for (size_t j = 0; j < cols; ++j)
                  ysum += is_sparse(kind) ? (j == (size_t)t[r] ? 1.0 : 0.0) : (double)t[r * cols + j];
                want = (ysum * std::exp(o - mx) / s - y) * ns;
                // ysum p - y cancels where the target is close to p
                cancel = (ysum * std::exp(o - mx) / s + std::fabs(y)) * ns;
              }
            }
            const double err = std::fabs(g[r * cols + c] - want);
            CHECK(err <= 1e-6 * std::fabs(want) + 1e-7 * cancel + 1e-12, "%s %s grad %.9g want %.9g", k.name,
                  loss_name(kind), g[r * cols + c], want);
            if (want != 0) worst_grad = std::max(worst_grad, err / (std::fabs(want) + 0.1 * cancel));
          }
        }
      }
    }
    std::printf("  %-7s %-16s loss max rel %.3g, grad max rel %.3g (vs finite diff %.3g)\n", k.name, loss_name(kind),
                worst_val, worst_grad, worst_fd);
  }

  // Stability: logits of +-1000 give finite, correct losses and gradients.
  {
    float z[6] = {1000.f, -1000.f, 0.f, -1000.f, 1000.f, 1000.f};
    float oh[6] = {1, 0, 0, 0, 1, 0}, ids[2] = {1, 2}, g[6];
    double l = m.loss(Loss::CategoricalCrossentropyFromLogits, z, oh, nullptr, g, 2, 3);
    // row 0: class 0 holds all the mass -> 0; row 1: two classes tie at 1000 -> log 2
    CHECK(std::fabs(l - 0.5 * std::log(2.0)) < 1e-7, "%s cce logits +-1000 loss %g", k.name, l);
    CHECK(g[0] == 0.f && g[1] == 0.f && g[2] == 0.f, "%s cce logits grad row 0", k.name);
    CHECK(g[3] == 0.f && std::fabs(g[4] + 0.25f) < 1e-7 && std::fabs(g[5] - 0.25f) < 1e-7,
          "%s cce logits grad row 1: %g %g %g", k.name, g[3], g[4], g[5]);
    l = m.loss(Loss::SparseCategoricalCrossentropyFromLogits, z, ids, nullptr, g, 2, 3);
    // row 0 target 1: 2000; row 1 target 2: log 2
    CHECK(std::fabs(l - 0.5 * (2000 + std::log(2.0))) < 1e-6, "%s sparse logits +-1000 loss %g", k.name, l);
    CHECK(std::fabs(g[0] - 0.5f) < 1e-7 && std::fabs(g[1] + 0.5f) < 1e-7 && g[2] == 0.f,
          "%s sparse logits grad row 0: %g %g %g", k.name, g[0], g[1], g[2]);
    float zb[4] = {1000.f, -1000.f, 1000.f, -1000.f}, yb[4] = {1, 0, 0, 1}, gb[4];
    l = m.loss(Loss::BinaryCrossentropyFromLogits, zb, yb, nullptr, gb, 1, 4);
    CHECK(std::fabs(l - 500.0) < 1e-9, "%s bce logits +-1000 loss %g", k.name, l);
    CHECK(gb[0] == 0.f && gb[1] == 0.f && gb[2] == 0.25f && gb[3] == -0.25f, "%s bce logits grads %g %g %g %g", k.name,
          gb[0], gb[1], gb[2], gb[3]);
    // Probabilities of exactly 0 and 1 are clipped: finite loss, zero grad.
    float p[4] = {0.f, 1.f, 1.f, 0.f}, yp[4] = {1, 0, 1, 0};
    l = m.loss(Loss::BinaryCrossentropy, p, yp, nullptr, gb, 1, 4);
    const double want = -(std::log(1e-7) + std::log(1e-7) + std::log(1 - 1e-7) + std::log(1 - 1e-7)) / 4;
    CHECK(std::isfinite(l) && std::fabs(l - want) < 1e-9, "%s bce clipped loss %g want %g", k.name, l, want);
    CHECK(gb[0] == 0.f && gb[1] == 0.f, "%s bce clipped grads", k.name);
    float pc[3] = {0.f, 1.f, 0.f}, yc[3] = {1, 0, 0};
    l = m.loss(Loss::CategoricalCrossentropy, pc, yc, nullptr, gb, 1, 3);
    CHECK(std::fabs(l + std::log(1e-7)) < 1e-9, "%s cce clipped loss %g", k.name, l);
    // MAE at exactly zero difference has zero gradient.
    float a[2] = {0.5f, -1.f}, b[2] = {0.5f, -1.f};
    l = m.loss(Loss::MeanAbsoluteError, a, b, nullptr, gb, 1, 2);
    CHECK(l == 0 && gb[0] == 0.f && gb[1] == 0.f, "%s mae grad at 0", k.name);
    // Bad class ids: NaN loss, no crash, no out-of-bounds read.
    for (float bad : {-1.f, 3.f, 1.5f, NAN, INFINITY, 1e30f}) {
      float ids2[2] = {0.f, bad};
      std::vector<float> zz = {0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f}, gg(6, 9.f);
      double l1 = m.loss(Loss::SparseCategoricalCrossentropyFromLogits, zz.data(), ids2, nullptr, gg.data(), 2, 3);
      double l2 = m.loss(Loss::SparseCategoricalCrossentropy, zz.data(), ids2, nullptr, gg.data(), 2, 3);
      CHECK(std::isnan(l1) && std::isnan(l2), "%s sparse bad id %g gives %g %g", k.name, bad, l1, l2);
    }
    // Empty batches.
    CHECK(m.loss(Loss::MeanSquaredError, nullptr, nullptr, nullptr, nullptr, 0, 3) == 0, "%s rows=0", k.name);
    // grad may alias out for the fused softmax loss.
    std::vector<float> zz = {0.1f, 2.f, -1.f, 0.3f, 0.3f, 0.4f}, g2(6), ids3 = {1.f, 0.f};
    double la = m.loss(Loss::SparseCategoricalCrossentropyFromLogits, zz.data(), ids3.data(), nullptr, g2.data(), 2, 3);
    double lb = m.loss(Loss::SparseCategoricalCrossentropyFromLogits, zz.data(), ids3.data(), nullptr, zz.data(), 2, 3);
    CHECK(la == lb && std::memcmp(zz.data(), g2.data(), 24) == 0, "%s grad aliasing out", k.name);
  }
}

// ---------------------------------------------------------------- SIMD vs scalar

static void test_vs_scalar(const Kernels& k, const Kernels& s) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-12.f, 12.f);
  size_t mism = 0, total = 0;
  double worst = 0;
  for (size_t n : {0, 1, 7, 15, 16, 17, 33, 1023}) {
    std::vector<float> x(n + 8), ys(n + 8, 42.f), yk(n + 8, 42.f), dy(n + 8);
    for (size_t i = 0; i < n; ++i) x[i] = u(rng), dy[i] = u(rng);
    auto cmp = [&](const char* what) {
      for (size_t i = 0; i < n; ++i) {
        ++total;
        if (!same(ys[i], yk[i])) {
          ++mism;
          const double d = std::fabs((double)ys[i] - yk[i]) / ulp_of(ys[i]);
          worst = std::max(worst, d);
          CHECK(d <= 4, "%s %s n=%zu i=%zu: %.9g vs scalar %.9g", k.name, what, n, i, yk[i], ys[i]);
        }
      }
      for (size_t i = n; i < n + 8; ++i) CHECK(yk[i] == 42.f, "%s %s n=%zu wrote past the end", k.name, what, n);
    };
    const VecFn fk[4] = {k.math.vexp, k.math.vlog, k.math.vtanh, k.math.verf};
    const VecFn fs[4] = {s.math.vexp, s.math.vlog, s.math.vtanh, s.math.verf};
    const char* names[4] = {"exp", "log", "tanh", "erf"};
    for (int f = 0; f < 4; ++f) {
      std::vector<float> xa = x;
      if (f == 1)
        for (float& v : xa) v = std::fabs(v) * 1e3f;
      fs[f](xa.data(), ys.data(), n);
      fk[f](xa.data(), yk.data(), n);
      cmp(names[f]);
    }
    for (Act a : kActs) {
      s.math.act_forward(a, x.data(), ys.data(), n);
      k.math.act_forward(a, x.data(), yk.data(), n);
      cmp(act_name(a));
      std::vector<float> yy = ys;
      s.math.act_backward(a, x.data(), yy.data(), dy.data(), ys.data(), n);
      k.math.act_backward(a, x.data(), yy.data(), dy.data(), yk.data(), n);
      cmp(act_name(a));
    }
    s.math.softmax_rows(x.data(), n, ys.data(), n, n ? 1 : 0, n);
    k.math.softmax_rows(x.data(), n, yk.data(), n, n ? 1 : 0, n);
    cmp("softmax");
    for (Loss kind : kLosses) {
      if (n == 0) continue;
      std::vector<float> t(n);
      for (size_t i = 0; i < n; ++i) t[i] = is_sparse(kind) ? (float)(i % n) : (float)(i & 1);
      std::vector<float> p(n);
      for (size_t i = 0; i < n; ++i) p[i] = 0.5f + x[i] / 25.f;
      const float* o =
          (kind <= Loss::SparseCategoricalCrossentropy && kind >= Loss::BinaryCrossentropy) ? p.data() : x.data();
      const size_t rows = is_sparse(kind) ? 1 : n, cols = is_sparse(kind) ? n : 1;
      double ls = s.math.loss(kind, o, t.data(), dy.data(), ys.data(), rows, cols);
      double lk = k.math.loss(kind, o, t.data(), dy.data(), yk.data(), rows, cols);
      // Double arithmetic agrees to rounding; the softmax-CE forms sum float exps.
      const double tol =
          kind >= Loss::CategoricalCrossentropyFromLogits ? 1e-7 * std::max(1.0, std::fabs(ls)) : 1e-12 * std::fabs(ls);
      CHECK(std::fabs(ls - lk) <= tol, "%s %s loss %.17g vs scalar %.17g", k.name, loss_name(kind), lk, ls);
      cmp(loss_name(kind));
    }
  }
  std::printf("  %-7s vs scalar: %zu of %zu outputs bit-identical, the rest within %.2f ulp\n", k.name, total - mism,
              total, worst);
}

int main() {
  const Kernels* scalar = kernels_for(Isa::Scalar);
  for (int isa = 0; isa < 4; ++isa) {
    const Kernels* k = kernels_for((Isa)isa);
    if (!k) continue;
    if (!k->math.vexp) {
      CHECK(false, "%s: math kernels not filled", k->name);
      continue;
    }
    std::printf("[%s]\n", k->name);
    test_vector_math(*k);
    test_activations(*k);
    test_softmax(*k);
    test_losses(*k);
    if ((Isa)isa != Isa::Scalar) test_vs_scalar(*k, *scalar);
  }
  for (Isa isa : {Isa::Avx2, Isa::Avx512, Isa::Neon})
    if (!kernels_for(isa)) std::printf("(%s not available on this machine/build: not run)\n", isa_name(isa));
  return check_summary("test_math");
}
