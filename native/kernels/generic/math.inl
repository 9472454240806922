// Generic math kernels (vector math, activations, softmax, losses), compiled
// once per ISA. Include after the ISA's vec header and its two bit helpers
// (vexponent, vmantissa; see <isa>/math.cc) with SIMDNN_ISA_NS defined.
//
// Everything here is static or lives in the ISA namespace, so no copy is ever
// shared between translation units built with different flags. Only C library
// functions (__builtin_exp/log/log1p on doubles) are called, never STL inlines.
//
// Polynomial coefficients are minimax fits (Lawson's iteration in extended
// precision, then rounded to float) made for this file; their fitting error is
// noted next to each, far below the float rounding of the evaluation.
namespace simdnn {
namespace SIMDNN_ISA_NS {

// ---------------------------------------------------------------- vector math

// e^x. x = n ln2 + r, |r| <= ln2/2 (Cody-Waite with an FMA, ln2 split in two);
// e^r = 1 + r + r^2 P(r), P degree 4 (fit error 3e-9 relative); 2^n applied in
// two halves so that n in [-150, 128] needs no out-of-range exponent field:
// results underflow through the subnormals to 0 and overflow to +inf.
static inline vf exp_v(vf x) {
  // x86 max/min return the second operand for a NaN x, so n stays finite (no
  // undefined conversion); NaN is restored at the end.
  const vf xc = vmin(vmax(x, vset1(-104.f)), vset1(89.f));
  const vf n = vround(vmul(xc, vset1(1.44269502f)));
  vf r = vfnmadd(n, vset1(0.693147182f), xc);
  r = vfnmadd(n, vset1(-1.9046543e-09f), r);
  vf p = vfmadd(vset1(0.00138146128f), r, vset1(0.00836871006f));
  p = vfmadd(p, r, vset1(0.041668389f));
  p = vfmadd(p, r, vset1(0.166665211f));
  p = vfmadd(p, r, vset1(0.49999994f));
  p = vadd(vfmadd(vmul(r, r), p, r), vset1(1.f));
  const vf n1 = vfloor(vmul(n, vset1(0.5f)));
  const vf y = vmul(vmul(p, vpow2i(n1)), vpow2i(vsub(n, n1)));
  return vselect(visnan(x), x, y);
}

// e^x - 1 without cancellation near 0, for x <= 88 (used by Elu on x <= 0).
// Same reduction as exp_v: e^x - 1 = 2^n (e^r - 1) + (2^n - 1).
static inline vf expm1_v(vf x) {
  const vf xc = vmin(vmax(x, vset1(-30.f)), vset1(88.f));
  const vf n = vround(vmul(xc, vset1(1.44269502f)));
  vf r = vfnmadd(n, vset1(0.693147182f), xc);
  r = vfnmadd(n, vset1(-1.9046543e-09f), r);
  vf p = vfmadd(vset1(0.00138146128f), r, vset1(0.00836871006f));
  p = vfmadd(p, r, vset1(0.041668389f));
  p = vfmadd(p, r, vset1(0.166665211f));
  p = vfmadd(p, r, vset1(0.49999994f));
  const vf pm1 = vfmadd(vmul(r, r), p, r);
  const vf s = vpow2i(n);
  const vf y = vfmadd(s, pm1, vsub(s, vset1(1.f)));
  return vselect(visnan(x), x, y);
}

// log(1 + f) for f in [sqrt(1/2) - 1, sqrt(2) - 1]. With s = f / (2 + f),
// log(1 + f) = 2 atanh(s) = 2s + s z Q(z), z = s^2, Q degree 2 (fit error
// 8e-10). Written as f - s (f - z Q) so the exact f dominates and the rounding
// of s only enters a correction term at most a fifth of the result.
static inline vf log1p_core(vf f) {
  const vf s = vdiv(f, vadd(vset1(2.f), f));
  const vf z = vmul(s, s);
  vf q = vfmadd(vset1(0.298709363f), z, vset1(0.399775743f));
  q = vfmadd(q, z, vset1(0.666667759f));
  return vfnmadd(s, vfnmadd(z, q, f), f);
}

// log(1 + e) for e in [0, 1] (softplus). Above sqrt(2) - 1 the argument is
// halved: 1 + e = 2 (1 + f) with f = (e - 1) / 2, computed exactly by one FMA.
static inline vf log1p_unit(vf e) {
  const vm big = vgt(e, vset1(0.414213538f));
  const vf f = vselect(big, vfmadd(e, vset1(0.5f), vset1(-0.5f)), e);
  return vadd(log1p_core(f), vselect(big, vset1(0.693147182f), vzero()));
}

// Natural log. x = 2^e m, m in (sqrt(1/2), sqrt(2)], log x = e ln2 + log(m);
// subnormals are scaled by 2^23 first. ln2 is split so e * ln2_hi is exact.
static inline vf log_v(vf x) {
  const vm tiny = vlt(x, vset1(1.17549435e-38f));
  const vf xs = vselect(tiny, vmul(x, vset1(8388608.f)), x);
  vf e = vsub(vexponent(xs), vselect(tiny, vset1(23.f), vzero()));
  vf m = vmantissa(xs);
  const vm big = vgt(m, vset1(1.41421354f));
  m = vselect(big, vmul(m, vset1(0.5f)), m);
  e = vselect(big, vadd(e, vset1(1.f)), e);
  const vf r = log1p_core(vsub(m, vset1(1.f)));
  vf y = vfmadd(e, vset1(0.693359375f), vfmadd(e, vset1(-2.12194440e-4f), r));
  y = vselect(veq(x, vzero()), vset1(-__builtin_inff()), y);
  y = vselect(vlt(x, vzero()), vset1(__builtin_nanf("")), y);
  y = vselect(veq(x, vset1(__builtin_inff())), x, y);
  return vselect(visnan(x), x, y);
}

// tanh. |x| < 0.625: x + x^3 P(x^2), P degree 4 (fit error 4e-9), so there is
// no cancellation near 0; above, 1 - 2 / (e^{2|x|} + 1), which saturates to 1
// once e^{2|x|} is large or +inf. The sign is copied back (tanh(-0) = -0).
static inline vf tanh_v(vf x) {
  const vf t = vabs(x);
  const vf z = vmul(t, t);
  vf p = vfmadd(vset1(-0.0057049864f), z, vset1(0.0206390861f));
  p = vfmadd(p, z, vset1(-0.0537397154f));
  p = vfmadd(p, z, vset1(0.133314416f));
  p = vfmadd(p, z, vset1(-0.333332807f));
  const vf small = vfmadd(vmul(t, z), p, t);
  const vf e = exp_v(vadd(t, t));
  const vf large = vsub(vset1(1.f), vdiv(vset1(2.f), vadd(e, vset1(1.f))));
  return vcopysign(vselect(vlt(t, vset1(0.625f)), small, large), x);
}

// erf(t) / t - 1 as a polynomial in z = t^2 on [0, 1], degree 6 (fit error
// 1.2e-9 relative to erf). erf(t) = t + t Q(z): the exact t dominates and the
// rounding of the polynomial is scaled down by |Q| <= 0.16.
static inline vf erf_small_q(vf z) {
  vf p = vfmadd(vset1(7.85386073e-05f), z, vset1(-0.000801019371f));
  p = vfmadd(p, z, vset1(0.00518832775f));
  p = vfmadd(p, z, vset1(-0.0268538129f));
  p = vfmadd(p, z, vset1(0.112835854f));
  p = vfmadd(p, z, vset1(-0.37612626f));
  return vfmadd(p, z, vset1(0.128379166f));
}

// exp(-(hi + lo)) for a square split as hi + lo (lo from an FMA, |lo| tiny):
// the rounding of t^2 would otherwise cost up to 2 t^2 ulp in the tails.
static inline vf exp_neg_split(vf hi, vf lo) {
  const vf e = exp_v(vneg(hi));
  return vfnmadd(e, lo, e);
}

// erfc(t) for t >= 0.5 given ex = exp(-t^2): erfc(t) = u ex Q(u) with
// u = 1 / (1 + t/2) in (0, 0.8]; Q degree 10 in (u - 0.4) (fit error 5e-9
// relative, valid up to t = +inf), so the tail keeps full relative accuracy.
static inline vf erfc_tail(vf t, vf ex) {
  const vf u = vdiv(vset1(1.f), vfmadd(t, vset1(0.5f), vset1(1.f)));
  const vf v = vsub(u, vset1(0.4f));
  vf q = vfmadd(vset1(0.0251104906f), v, vset1(-0.0636693388f));
  q = vfmadd(q, v, vset1(-0.0329682082f));
  q = vfmadd(q, v, vset1(0.105204687f));
  q = vfmadd(q, v, vset1(0.039247755f));
  q = vfmadd(q, v, vset1(-0.147078365f));
  q = vfmadd(q, v, vset1(-0.10782364f));
  q = vfmadd(q, v, vset1(0.202485666f));
  q = vfmadd(q, v, vset1(0.506059229f));
  q = vfmadd(q, v, vset1(0.580375969f));
  q = vfmadd(q, v, vset1(0.447502881f));
  return vmul(vmul(u, q), ex);
}

// erf: |x| < 1 by the odd polynomial, above as 1 - erfc (which rounds to 1
// from |x| ~ 3.9 on). |x| is capped at 10 so t^2 never overflows.
static inline vf erf_v(vf x) {
  const vf t = vmin(vabs(x), vset1(10.f));
  const vf z = vmul(t, t);
  const vf small = vfmadd(t, erf_small_q(z), t);
  const vf tail = vsub(vset1(1.f), erfc_tail(t, exp_neg_split(z, vfmadd(t, t, vneg(z)))));
  const vf y = vcopysign(vselect(vlt(t, vset1(1.f)), small, tail), x);
  return vselect(visnan(x), x, y);
}

// Standard normal CDF Phi(x) = erfc(-x / sqrt2) / 2 and density phi(x), both
// with full relative accuracy in the lower tail (Gelu at very negative x).
// exp(-x^2/2) is computed from x itself, so 1/sqrt2 is never rounded into it.
static inline void normal_cdf_pdf(vf x, vf* cdf, vf* pdf) {
  const vf xc = vmin(vmax(x, vset1(-15.f)), vset1(15.f));
  const vf t = vmul(vabs(xc), vset1(0.707106769f));
  const vf x2 = vmul(xc, xc);
  const vf half = vset1(0.5f);
  const vf ex = exp_neg_split(vmul(x2, half), vmul(vfmadd(xc, xc, vneg(x2)), half));
  const vf th = vmul(t, half);
  const vf half_erf = vfmadd(th, erf_small_q(vmul(t, t)), th);
  const vf half_erfc = vmul(half, erfc_tail(t, ex));
  const vm near = vlt(t, half);
  const vf c_pos = vselect(near, vadd(half, half_erf), vsub(vset1(1.f), half_erfc));
  const vf c_neg = vselect(near, vsub(half, half_erf), half_erfc);
  *cdf = vselect(vlt(xc, vzero()), c_neg, c_pos);
  *pdf = vmul(ex, vset1(0.398942292f));
}

// ---------------------------------------------------------------- activations

// sigma(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below: e = e^-|x| <= 1
// never overflows and one division gives either form.
static inline vf sigmoid_v(vf x) {
  const vf e = exp_v(vneg(vabs(x)));
  const vf d = vadd(vset1(1.f), e);
  return vdiv(vselect(vge(x, vzero()), vset1(1.f), e), d);
}

// sigma'(x) = e / (1 + e)^2 with e = e^-|x|: accurate where sigma rounds to 1.
static inline vf sigmoid_grad_v(vf x) {
  const vf e = exp_v(vneg(vabs(x)));
  const vf d = vadd(vset1(1.f), e);
  return vdiv(e, vmul(d, d));
}

// tanh'(x) = 4 e / (1 + e)^2 with e = e^{-2|x|}; unlike 1 - tanh^2 it keeps
// its relative accuracy where tanh rounds to +-1.
static inline vf tanh_grad_v(vf x) {
  const vf a = vabs(x);
  const vf e = exp_v(vneg(vadd(a, a)));
  const vf d = vadd(vset1(1.f), e);
  return vdiv(vmul(vset1(4.f), e), vmul(d, d));
}

// softplus(x) = max(x, 0) + log1p(e^-|x|).
static inline vf softplus_v(vf x) { return vadd(vmax(x, vzero()), log1p_unit(exp_v(vneg(vabs(x))))); }

static inline vf gelu_v(vf x) {
  vf cdf, pdf;
  normal_cdf_pdf(x, &cdf, &pdf);
  return vmul(x, cdf);
}

static inline vf gelu_grad_v(vf x) {
  vf cdf, pdf;
  normal_cdf_pdf(x, &cdf, &pdf);
  return vfmadd(x, pdf, cdf);
}

// y[i] = f(x[i]) over whole vectors, then one partial vector for the tail.
template <class F>
static inline void map1(const float* x, float* y, size_t n, F f) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vstore(y + i, f(vload(x + i)));
  if (i < n) vstore_partial(y + i, f(vload_partial(x + i, n - i)), n - i);
}

template <class F>
static inline void map2(const float* a, const float* b, float* y, size_t n, F f) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vstore(y + i, f(vload(a + i), vload(b + i)));
  if (i < n) vstore_partial(y + i, f(vload_partial(a + i, n - i), vload_partial(b + i, n - i)), n - i);
}

static void vexp(const float* x, float* y, size_t n) {
  map1(x, y, n, [](vf v) { return exp_v(v); });
}
static void vlog(const float* x, float* y, size_t n) {
  map1(x, y, n, [](vf v) { return log_v(v); });
}
static void vtanh(const float* x, float* y, size_t n) {
  map1(x, y, n, [](vf v) { return tanh_v(v); });
}
static void verf(const float* x, float* y, size_t n) {
  map1(x, y, n, [](vf v) { return erf_v(v); });
}

// ---------------------------------------------------------------- softmax

static void softmax_rows(const float* x, size_t ldx, float* y, size_t ldy, size_t rows, size_t cols) {
  if (cols == 0) return;
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    float* yr = y + r * ldy;
    // The tail of the max is scalar: zero-filled lanes would raise it.
    size_t i = 0;
    float m = -__builtin_inff();
    if (cols >= kLanes) {
      vf acc = vload(xr);
      for (i = kLanes; i + kLanes <= cols; i += kLanes) acc = vmax(acc, vload(xr + i));
      m = vreduce_max(acc);
    }
    for (; i < cols; ++i) m = xr[i] > m ? xr[i] : m;
    const vf vm_ = vset1(m);
    // The sum goes to double every 16 vectors: a plain float sum of a long
    // row (one lane on the scalar path) would cost ~n ulp.
    double s = 0.0;
    vf acc = vzero();
    size_t blk = 0;
    for (i = 0; i + kLanes <= cols; i += kLanes) {
      const vf e = exp_v(vsub(vload(xr + i), vm_));
      vstore(yr + i, e);
      acc = vadd(acc, e);
      if (++blk == 16) s += (double)vreduce_add(acc), acc = vzero(), blk = 0;
    }
    s += (double)vreduce_add(acc);
    if (i < cols) {
      vstore_partial(yr + i, exp_v(vsub(vload_partial(xr + i, cols - i), vm_)), cols - i);
      for (; i < cols; ++i) s += (double)yr[i];
    }
    const vf inv = vset1((float)(1.0 / s));
    for (i = 0; i + kLanes <= cols; i += kLanes) vstore(yr + i, vmul(vload(yr + i), inv));
    if (i < cols) vstore_partial(yr + i, vmul(vload_partial(yr + i, cols - i), inv), cols - i);
  }
}

static float dot_row(const float* a, const float* b, size_t n) {
  vf acc0 = vzero(), acc1 = vzero();
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    acc0 = vfmadd(vload(a + i), vload(b + i), acc0);
    acc1 = vfmadd(vload(a + i + kLanes), vload(b + i + kLanes), acc1);
  }
  for (; i + kLanes <= n; i += kLanes) acc0 = vfmadd(vload(a + i), vload(b + i), acc0);
  if (i < n) acc1 = vfmadd(vload_partial(a + i, n - i), vload_partial(b + i, n - i), acc1);
  return vreduce_add(vadd(acc0, acc1));
}

static void softmax_backward_rows(const float* y, const float* dy, float* dx, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float* dr = dx + r * cols;
    const vf d = vset1(dot_row(yr, gr, cols));
    map2(yr, gr, dr, cols, [d](vf yv, vf gv) { return vmul(yv, vsub(gv, d)); });
  }
}

// ---------------------------------------------------------------- activations

static void act_forward(Act act, const float* x, float* y, size_t n) {
  switch (act) {
    case Act::Linear:
      if (x != y) __builtin_memmove(y, x, n * sizeof(float));
      return;
    case Act::Relu:  // relu(-0) = 0, relu(NaN) = NaN
      map1(x, y, n, [](vf v) { return vselect(vle(v, vzero()), vzero(), v); });
      return;
    case Act::LeakyRelu:
      map1(x, y, n, [](vf v) { return vselect(vgt(v, vzero()), v, vmul(v, vset1(0.01f))); });
      return;
    case Act::Elu:
      map1(x, y, n, [](vf v) { return vselect(vgt(v, vzero()), v, expm1_v(v)); });
      return;
    case Act::Gelu:
      map1(x, y, n, [](vf v) { return gelu_v(v); });
      return;
    case Act::Sigmoid:
      map1(x, y, n, [](vf v) { return sigmoid_v(v); });
      return;
    case Act::Tanh:
      map1(x, y, n, [](vf v) { return tanh_v(v); });
      return;
    case Act::Softplus:
      map1(x, y, n, [](vf v) { return softplus_v(v); });
      return;
    case Act::Softmax:  // not part of the contract: the range as one row
      softmax_rows(x, n, y, n, n ? 1 : 0, n);
      return;
  }
}

static void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, size_t n) {
  switch (act) {
    case Act::Linear:
      if (dx != dy) __builtin_memmove(dx, dy, n * sizeof(float));
      return;
    case Act::Relu:  // derivative 0 at x == 0, as PyTorch
      map2(x, dy, dx, n, [](vf v, vf g) { return vselect(vgt(v, vzero()), g, vzero()); });
      return;
    case Act::LeakyRelu:
      map2(x, dy, dx, n, [](vf v, vf g) { return vselect(vgt(v, vzero()), g, vmul(g, vset1(0.01f))); });
      return;
    case Act::Elu:
      map2(x, dy, dx, n, [](vf v, vf g) { return vselect(vgt(v, vzero()), g, vmul(g, exp_v(v))); });
      return;
    case Act::Gelu:
      map2(x, dy, dx, n, [](vf v, vf g) { return vmul(g, gelu_grad_v(v)); });
      return;
    case Act::Sigmoid:
      map2(x, dy, dx, n, [](vf v, vf g) { return vmul(g, sigmoid_grad_v(v)); });
      return;
    case Act::Tanh:
      map2(x, dy, dx, n, [](vf v, vf g) { return vmul(g, tanh_grad_v(v)); });
      return;
    case Act::Softplus:
      map2(x, dy, dx, n, [](vf v, vf g) { return vmul(g, sigmoid_v(v)); });
      return;
    case Act::Softmax:  // not part of the contract: the range as one row
      softmax_backward_rows(y, dy, dx, n ? 1 : 0, n);
      return;
  }
}

// ---------------------------------------------------------------- losses
// Plain double arithmetic per element: the output layer is small next to the
// GEMMs, and this keeps every ISA's loss within a rounding of the reference.

static inline double dabs(double v) { return v < 0 ? -v : v; }

// Clip as Keras does; a NaN stays NaN. Outside [lo, hi] the gradient is 0.
static inline double clip(double v, double lo, double hi) { return v < lo ? lo : (v > hi ? hi : v); }

// sigma(z) and log1p(e^-|z|) for one logit, without overflow.
static inline void logit_terms(double z, double* sig, double* softplus_neg_abs) {
  const double e = __builtin_exp(-dabs(z));
  *sig = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  *softplus_neg_abs = __builtin_log1p(e);
}

// Valid class id in [0, cols) and integral; else -1 (the facade validates;
// here a bad id must only not read out of bounds).
static inline long class_id(float t, size_t cols) {
  const double k = t;
  if (!(k >= 0.0 && k < (double)cols)) return -1;
  const long i = (long)k;
  return (double)i == k ? i : -1;
}

// log sum_c e^{z_c} of one row, in double, with the vector exp: the max m is
// subtracted first, so logits of +-1000 are fine. Also gives m and
// s = sum_c e^{z_c - m}.
static double row_logsumexp(const float* z, size_t n, float* max_out, double* sum_out) {
  size_t i = 0;
  float m = -__builtin_inff();
  if (n >= kLanes) {
    vf acc = vload(z);
    for (i = kLanes; i + kLanes <= n; i += kLanes) acc = vmax(acc, vload(z + i));
    m = vreduce_max(acc);
  }
  for (; i < n; ++i) m = z[i] > m ? z[i] : m;
  const vf vm_ = vset1(m);
  double s = 0.0;
  vf acc = vzero();
  size_t blk = 0;
  for (i = 0; i + kLanes <= n; i += kLanes) {
    acc = vadd(acc, exp_v(vsub(vload(z + i), vm_)));
    if (++blk == 16) s += (double)vreduce_add(acc), acc = vzero(), blk = 0;
  }
  s += (double)vreduce_add(acc);
  if (i < n) {
    float t[kLanes];
    vstore_partial(t, exp_v(vsub(vload_partial(z + i, n - i), vm_)), n - i);
    for (size_t j = 0; j < n - i; ++j) s += (double)t[j];
  }
  *max_out = m;
  *sum_out = s;
  return (double)m + __builtin_log(s);
}

// d/dz of the softmax cross-entropy of one row: (ysum softmax(z) - y) * scale.
// y is the target row, or nullptr for a sparse target `hot`. The bulk is one
// vector pass, exp(z - m) * ysum * scale / s (z - m, unlike z - lse, stays
// exact for logits near the max); entries with a nonzero target, where
// ysum p - y may cancel, are redone in double. z is copied in chunks first, so
// g may alias z.
static void softmax_ce_grad(const float* z, const float* y, size_t hot, size_t n, float m, double s, double ysum,
                            double scale, float* g) {
  const size_t kChunk = 64;
  float zb[kChunk];
  const vf vl = vset1(m), va = vset1((float)(ysum * scale / s));
  for (size_t c0 = 0; c0 < n; c0 += kChunk) {
    const size_t nb = n - c0 < kChunk ? n - c0 : kChunk;
    for (size_t i = 0; i < nb; ++i) zb[i] = z[c0 + i];
    size_t i = 0;
    for (; i + kLanes <= nb; i += kLanes) vstore(g + c0 + i, vmul(exp_v(vsub(vload(zb + i), vl)), va));
    if (i < nb) vstore_partial(g + c0 + i, vmul(exp_v(vsub(vload_partial(zb + i, nb - i), vl)), va), nb - i);
    for (i = 0; i < nb; ++i) {
      const double yi = y ? (double)y[c0 + i] : (c0 + i == hot ? 1.0 : 0.0);
      if (yi != 0.0) g[c0 + i] = (float)((ysum * __builtin_exp((double)zb[i] - (double)m) / s - yi) * scale);
    }
  }
}

static double loss(Loss kind, const float* out, const float* target, const float* sample_weight, float* grad,
                   size_t rows, size_t cols) {
  if (rows == 0) return 0.0;
  if (cols == 0) return 0.0;
  const double nan = __builtin_nan("");
  const double eps = 1e-7;
  double total = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    const float* o = out + r * cols;
    float* g = grad ? grad + r * cols : nullptr;
    const double w = sample_weight ? (double)sample_weight[r] : 1.0;
    const double gs_mean = w / ((double)rows * (double)cols);  // d/d(element) of a per-sample mean
    const double gs_sum = w / (double)rows;                    // d/d(element) of a per-sample sum
    double l = 0.0;
    switch (kind) {
      case Loss::MeanSquaredError:
        for (size_t c = 0; c < cols; ++c) {
          const double d = (double)o[c] - (double)target[r * cols + c];
          l += d * d;
          if (g) g[c] = (float)(2.0 * d * gs_mean);
        }
        l /= (double)cols;
        break;
      case Loss::MeanAbsoluteError:
        for (size_t c = 0; c < cols; ++c) {
          const double d = (double)o[c] - (double)target[r * cols + c];
          l += dabs(d);
          if (g) g[c] = (float)((d > 0 ? gs_mean : (d < 0 ? -gs_mean : 0.0)));
        }
        l /= (double)cols;
        break;
      case Loss::Huber:
        for (size_t c = 0; c < cols; ++c) {
          const double d = (double)o[c] - (double)target[r * cols + c];
          const double a = dabs(d);
          l += a <= 1.0 ? 0.5 * d * d : a - 0.5;
          if (g) g[c] = (float)(clip(d, -1.0, 1.0) * gs_mean);
        }
        l /= (double)cols;
        break;
      case Loss::BinaryCrossentropy:
        for (size_t c = 0; c < cols; ++c) {
          const double y = target[r * cols + c];
          const double p0 = o[c];
          const double p = clip(p0, eps, 1.0 - eps);
          l -= y * __builtin_log(p) + (1.0 - y) * __builtin_log(1.0 - p);
          if (g) g[c] = (p0 < eps || p0 > 1.0 - eps) ? 0.f : (float)((p - y) / (p * (1.0 - p)) * gs_mean);
        }
        l /= (double)cols;
        break;
      case Loss::CategoricalCrossentropy:
        for (size_t c = 0; c < cols; ++c) {
          const double y = target[r * cols + c];
          const double p0 = o[c];
          const double p = clip(p0, eps, 1.0);
          if (y != 0.0) l -= y * __builtin_log(p);
          if (g) g[c] = (p0 < eps || p0 > 1.0) ? 0.f : (float)(-y / p * gs_sum);
        }
        break;
      case Loss::SparseCategoricalCrossentropy: {
        const long k = class_id(target[r], cols);
        if (k < 0) {
          l = nan;
        } else {
          const double p0 = o[k];
          const double p = clip(p0, eps, 1.0);
          l = -__builtin_log(p);
          if (g) {
            for (size_t c = 0; c < cols; ++c) g[c] = 0.f;
            if (!(p0 < eps || p0 > 1.0)) g[k] = (float)(-1.0 / p * gs_sum);
          }
        }
        if (g && k < 0)
          for (size_t c = 0; c < cols; ++c) g[c] = 0.f;
        break;
      }
      case Loss::BinaryCrossentropyFromLogits:
        // max(z, 0) - z y + log1p(e^-|z|); gradient sigma(z) - y.
        for (size_t c = 0; c < cols; ++c) {
          const double z = o[c];
          const double y = target[r * cols + c];
          double sig, sp;
          logit_terms(z, &sig, &sp);
          l += (z > 0 ? z : 0.0) - z * y + sp;
          if (g) g[c] = (float)((sig - y) * gs_mean);
        }
        l /= (double)cols;
        break;
      case Loss::CategoricalCrossentropyFromLogits:
      case Loss::SparseCategoricalCrossentropyFromLogits: {
        // loss = sum_c y_c (lse - z_c), lse = m + log sum_c e^{z_c - m};
        // gradient (sum_c y_c) softmax(z) - y.
        const bool sparse = kind == Loss::SparseCategoricalCrossentropyFromLogits;
        const long k = sparse ? class_id(target[r], cols) : 0;
        float m;
        double s;
        const double lse = row_logsumexp(o, cols, &m, &s);
        const float* y = sparse ? nullptr : target + r * cols;
        double ysum = 1.0;
        if (sparse) {
          l = k < 0 ? nan : lse - (double)o[k];
        } else {
          ysum = 0.0;
          for (size_t c = 0; c < cols; ++c) {
            ysum += (double)y[c];
            if (y[c] != 0.f) l += (double)y[c] * (lse - (double)o[c]);
          }
        }
        if (g) {
          if (sparse && k < 0) {
            for (size_t c = 0; c < cols; ++c) g[c] = 0.f;
          } else {
            softmax_ce_grad(o, y, sparse ? (size_t)k : cols, cols, m, s, ysum, gs_sum, g);
          }
        }
        break;
      }
    }
    total += w * l;
  }
  return total / (double)rows;
}

void fill_math(MathKernels& k) {
  k.act_forward = act_forward;
  k.act_backward = act_backward;
  k.softmax_rows = softmax_rows;
  k.softmax_backward_rows = softmax_backward_rows;
  k.vexp = vexp;
  k.vlog = vlog;
  k.vtanh = vtanh;
  k.verf = verf;
  k.loss = loss;
}

}  // namespace SIMDNN_ISA_NS
}  // namespace simdnn
