// Generic fused optimizer kernels, compiled once per ISA. Include after the
// ISA's vec header with SIMDNN_ISA_NS defined to that ISA's namespace.
//
// Each kernel is instantiated per combination of "features in use" (regularizer,
// clipping, decoupled decay, optimizer variant) so that the inner loop carries
// no branches and an unused feature costs nothing, not even a multiply by 1.
// Everything lives in an anonymous namespace inside the ISA namespace: no
// symbol of this file can be merged with another ISA's copy by the linker.
// Vector constants are built inside the functions (never at namespace scope).
#include <math.h>  // HUGE_VALF: a macro, nothing the linker could merge across ISAs

namespace simdnn {
namespace SIMDNN_ISA_NS {
namespace {

// Feature bits of an instantiation.
constexpr unsigned kReg = 1;        // l1 / l2 regularizer gradient
constexpr unsigned kClip = 2;       // gradient scale (clip-by-norm) and clip-by-value
constexpr unsigned kDecay = 4;      // decoupled weight decay
constexpr unsigned kVariant = 8;    // sgd: has velocity; adam: amsgrad
constexpr unsigned kVariant2 = 16;  // sgd: nesterov
constexpr unsigned kCombos = 32;

// Broadcast scalars of the gradient transform.
struct GradVecs {
  vf l1, l2x2, scale, lo, hi;
};

static inline GradVecs grad_vecs(const OptimStep& s) {
  GradVecs o;
  o.l1 = vset1(s.l1);
  o.l2x2 = vset1(2.0f * s.l2);
  o.scale = vset1(s.grad_scale);
  // clip_value 0 means "no clip by value": clamp to +-inf, which is exact.
  const float c = s.clip_value > 0 ? s.clip_value : HUGE_VALF;
  o.lo = vset1(-c);
  o.hi = vset1(c);
  return o;
}

static inline unsigned step_flags(const OptimStep& s) {
  unsigned f = 0;
  if (s.l1 != 0 || s.l2 != 0) f |= kReg;
  if (s.grad_scale != 1 || s.clip_value > 0) f |= kClip;
  if (s.decay != 0) f |= kDecay;
  return f;
}

// The regularized, clipped gradient (see OptimStep for the order).
template <unsigned F>
static inline vf transform_grad(const GradVecs& o, vf w, vf g) {
  if (F & kReg) {
    const vf zero = vzero();
    const vf l1_sign = vselect(veq(w, zero), zero, vcopysign(o.l1, w));  // sign(0) = 0
    g = vadd(g, vfmadd(o.l2x2, w, l1_sign));
  }
  if (F & kClip) {
    g = vmul(g, o.scale);
    // g as the second operand so that a NaN gradient stays NaN (x86 min/max
    // return the second operand when either is NaN).
    g = vmax(o.lo, vmin(o.hi, g));
  }
  return g;
}

// ---------------------------------------------------------------- sgd

template <unsigned F>
static void sgd_impl(const OptimStep& s, const float* w, const float* g, float* vel, size_t n, float* wo) {
  const GradVecs o = grad_vecs(s);
  const vf lr = vset1(s.lr), mom = vset1(s.momentum), decay = vset1(s.decay);
  auto update = [&](vf& wv, vf gv, vf& vv) {
    gv = transform_grad<F>(o, wv, gv);
    if (F & kDecay) wv = vfnmadd(decay, wv, wv);
    if (F & kVariant) {
      vv = vfmadd(mom, vv, gv);
      const vf d = (F & kVariant2) ? vfmadd(mom, vv, gv) : vv;
      wv = vfnmadd(lr, d, wv);
    } else {
      wv = vfnmadd(lr, gv, wv);
    }
  };
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vf wv = vload(w + i), vv = (F & kVariant) ? vload(vel + i) : vzero();
    update(wv, vload(g + i), vv);
    vstore(wo + i, wv);
    if (F & kVariant) vstore(vel + i, vv);
  }
  if (i < n) {
    const size_t r = n - i;
    vf wv = vload_partial(w + i, r), vv = (F & kVariant) ? vload_partial(vel + i, r) : vzero();
    update(wv, vload_partial(g + i, r), vv);
    vstore_partial(wo + i, wv, r);
    if (F & kVariant) vstore_partial(vel + i, vv, r);
  }
}

// ---------------------------------------------------------------- adam / adamw

template <unsigned F>
static void adam_impl(const OptimStep& s, const float* w, const float* g, float* m, float* v, float* vmx, size_t n,
                      float* wo) {
  const GradVecs o = grad_vecs(s);
  const vf decay = vset1(s.decay);
  const vf b1 = vset1(s.beta1), omb1 = vset1(1.0f - s.beta1);
  const vf b2 = vset1(s.beta2), omb2 = vset1(1.0f - s.beta2);
  const vf step_size = vset1(s.lr / s.bias_correction1);
  const vf inv_bc2 = vset1(1.0f / s.bias_correction2);
  const vf eps = vset1(s.epsilon);
  auto update = [&](vf& wv, vf gv, vf& mv, vf& vv, vf& xv) {
    gv = transform_grad<F>(o, wv, gv);
    if (F & kDecay) wv = vfnmadd(decay, wv, wv);
    mv = vfmadd(b1, mv, vmul(omb1, gv));
    vv = vfmadd(b2, vv, vmul(omb2, vmul(gv, gv)));
    vf second = vv;
    if (F & kVariant) {
      xv = vmax(xv, vv);
      second = xv;
    }
    const vf denom = vadd(vsqrt(vmul(second, inv_bc2)), eps);
    wv = vfnmadd(step_size, vdiv(mv, denom), wv);
  };
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vf wv = vload(w + i), mv = vload(m + i), vv = vload(v + i);
    vf xv = (F & kVariant) ? vload(vmx + i) : vzero();
    update(wv, vload(g + i), mv, vv, xv);
    vstore(wo + i, wv);
    vstore(m + i, mv);
    vstore(v + i, vv);
    if (F & kVariant) vstore(vmx + i, xv);
  }
  if (i < n) {
    const size_t r = n - i;
    vf wv = vload_partial(w + i, r), mv = vload_partial(m + i, r), vv = vload_partial(v + i, r);
    vf xv = (F & kVariant) ? vload_partial(vmx + i, r) : vzero();
    update(wv, vload_partial(g + i, r), mv, vv, xv);
    vstore_partial(wo + i, wv, r);
    vstore_partial(m + i, mv, r);
    vstore_partial(v + i, vv, r);
    if (F & kVariant) vstore_partial(vmx + i, xv, r);
  }
}

// ---------------------------------------------------------------- rmsprop / adagrad

// kVariant selects adagrad (s += g^2) over rmsprop (v = rho*v + (1-rho)*g^2).
template <unsigned F>
static void rms_impl(const OptimStep& s, const float* w, const float* g, float* acc, size_t n, float* wo) {
  const GradVecs o = grad_vecs(s);
  const vf decay = vset1(s.decay), lr = vset1(s.lr), eps = vset1(s.epsilon);
  const vf rho = vset1(s.rho), omrho = vset1(1.0f - s.rho);
  auto update = [&](vf& wv, vf gv, vf& av) {
    gv = transform_grad<F>(o, wv, gv);
    if (F & kDecay) wv = vfnmadd(decay, wv, wv);
    if (F & kVariant)
      av = vfmadd(gv, gv, av);
    else
      av = vfmadd(rho, av, vmul(omrho, vmul(gv, gv)));
    const vf denom = vadd(vsqrt(av), eps);
    wv = vfnmadd(lr, vdiv(gv, denom), wv);
  };
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vf wv = vload(w + i), av = vload(acc + i);
    update(wv, vload(g + i), av);
    vstore(wo + i, wv);
    vstore(acc + i, av);
  }
  if (i < n) {
    const size_t r = n - i;
    vf wv = vload_partial(w + i, r), av = vload_partial(acc + i, r);
    update(wv, vload_partial(g + i, r), av);
    vstore_partial(wo + i, wv, r);
    vstore_partial(acc + i, av, r);
  }
}

// ---------------------------------------------------------------- reductions

template <unsigned F>
static float grad_sum_squares_impl(const OptimStep& s, const float* w, const float* g, size_t n) {
  const GradVecs o = grad_vecs(s);
  vf acc0 = vzero(), acc1 = vzero();
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const vf h0 = transform_grad<F>(o, vload(w + i), vload(g + i));
    const vf h1 = transform_grad<F>(o, vload(w + i + kLanes), vload(g + i + kLanes));
    acc0 = vfmadd(h0, h0, acc0);
    acc1 = vfmadd(h1, h1, acc1);
  }
  for (; i + kLanes <= n; i += kLanes) {
    const vf h = transform_grad<F>(o, vload(w + i), vload(g + i));
    acc0 = vfmadd(h, h, acc0);
  }
  if (i < n) {
    const vf h = transform_grad<F>(o, vload_partial(w + i, n - i), vload_partial(g + i, n - i));
    acc1 = vfmadd(h, h, acc1);  // zero lanes stay zero: sign(0) = 0, 2*l2*0 = 0
  }
  return vreduce_add(vadd(acc0, acc1));
}

static void abs_square_sums(const float* w, size_t n, float* abs_sum, float* square_sum) {
  vf a0 = vzero(), a1 = vzero(), q0 = vzero(), q1 = vzero();
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const vf x0 = vload(w + i), x1 = vload(w + i + kLanes);
    a0 = vadd(a0, vabs(x0));
    a1 = vadd(a1, vabs(x1));
    q0 = vfmadd(x0, x0, q0);
    q1 = vfmadd(x1, x1, q1);
  }
  for (; i + kLanes <= n; i += kLanes) {
    const vf x = vload(w + i);
    a0 = vadd(a0, vabs(x));
    q0 = vfmadd(x, x, q0);
  }
  if (i < n) {
    const vf x = vload_partial(w + i, n - i);
    a1 = vadd(a1, vabs(x));
    q1 = vfmadd(x, x, q1);
  }
  *abs_sum = vreduce_add(vadd(a0, a1));
  *square_sum = vreduce_add(vadd(q0, q1));
}

// ---------------------------------------------------------------- dispatch

#define SIMDNN_OPTIM_COMBOS(fn)                                                                                   \
  {                                                                                                               \
    fn<0>, fn<1>, fn<2>, fn<3>, fn<4>, fn<5>, fn<6>, fn<7>, fn<8>, fn<9>, fn<10>, fn<11>, fn<12>, fn<13>, fn<14>, \
        fn<15>, fn<16>, fn<17>, fn<18>, fn<19>, fn<20>, fn<21>, fn<22>, fn<23>, fn<24>, fn<25>, fn<26>, fn<27>,   \
        fn<28>, fn<29>, fn<30>, fn<31>                                                                            \
  }

static void sgd(const OptimStep& s, const float* w, const float* g, float* velocity, size_t n, float* w_out) {
  using Fn = void (*)(const OptimStep&, const float*, const float*, float*, size_t, float*);
  static const Fn table[kCombos] = SIMDNN_OPTIM_COMBOS(sgd_impl);
  unsigned f = step_flags(s);
  if (velocity) f |= kVariant | (s.nesterov ? kVariant2 : 0);
  table[f](s, w, g, velocity, n, w_out);
}

static void adam(const OptimStep& s, const float* w, const float* g, float* m, float* v, float* vmx, size_t n,
                 float* w_out) {
  using Fn = void (*)(const OptimStep&, const float*, const float*, float*, float*, float*, size_t, float*);
  static const Fn table[kCombos] = SIMDNN_OPTIM_COMBOS(adam_impl);
  table[step_flags(s) | (vmx ? kVariant : 0)](s, w, g, m, v, vmx, n, w_out);
}

static void rmsprop(const OptimStep& s, const float* w, const float* g, float* v, size_t n, float* w_out) {
  using Fn = void (*)(const OptimStep&, const float*, const float*, float*, size_t, float*);
  static const Fn table[kCombos] = SIMDNN_OPTIM_COMBOS(rms_impl);
  table[step_flags(s)](s, w, g, v, n, w_out);
}

static void adagrad(const OptimStep& s, const float* w, const float* g, float* accumulator, size_t n, float* w_out) {
  using Fn = void (*)(const OptimStep&, const float*, const float*, float*, size_t, float*);
  static const Fn table[kCombos] = SIMDNN_OPTIM_COMBOS(rms_impl);
  table[step_flags(s) | kVariant](s, w, g, accumulator, n, w_out);
}

static float grad_sum_squares(const OptimStep& s, const float* w, const float* g, size_t n) {
  return (s.l1 != 0 || s.l2 != 0) ? grad_sum_squares_impl<kReg>(s, w, g, n) : grad_sum_squares_impl<0>(s, w, g, n);
}

#undef SIMDNN_OPTIM_COMBOS

}  // namespace

void fill_optim(OptimKernels& k) {
  k.sgd = sgd;
  k.adam = adam;
  k.rmsprop = rmsprop;
  k.adagrad = adagrad;
  k.grad_sum_squares = grad_sum_squares;
  k.abs_square_sums = abs_square_sums;
}

}  // namespace SIMDNN_ISA_NS
}  // namespace simdnn
