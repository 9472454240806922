// Generic normalization kernels, compiled once per ISA. Include after the
// ISA's vec header with SIMDNN_ISA_NS defined to that ISA's namespace.
namespace simdnn {
namespace SIMDNN_ISA_NS {

static inline vf nload(const float* p, size_t n) { return n >= kLanes ? vload(p) : vload_partial(p, n); }
static inline void nstore(float* p, vf v, size_t n) {
  if (n >= kLanes)
    vstore(p, v);
  else
    vstore_partial(p, v, n);
}

// One chunk of kLanes columns at a time, down the rows, with two
// accumulators per sum (even and odd rows) so the additions do not wait on
// each other.
static void col_moments(const float* x, size_t rows, size_t cols, const float* shift, float* s1, float* s2) {
  for (size_t c = 0; c < cols; c += kLanes) {
    const size_t w = cols - c;
    const vf sh = nload(shift + c, w);
    vf a0 = vzero(), a1 = vzero(), q0 = vzero(), q1 = vzero();
    const float* p = x + c;
    size_t r = 0;
    for (; r + 2 <= rows; r += 2, p += 2 * cols) {
      const vf d0 = vsub(nload(p, w), sh), d1 = vsub(nload(p + cols, w), sh);
      a0 = vadd(a0, d0);
      a1 = vadd(a1, d1);
      q0 = vfmadd(d0, d0, q0);
      q1 = vfmadd(d1, d1, q1);
    }
    if (r < rows) {
      const vf d0 = vsub(nload(p, w), sh);
      a0 = vadd(a0, d0);
      q0 = vfmadd(d0, d0, q0);
    }
    nstore(s1 + c, vadd(a0, a1), w);
    nstore(s2 + c, vadd(q0, q1), w);
  }
}

static void col_grad_sums(const float* x, const float* dy, size_t rows, size_t cols, const float* shift, float* s1,
                          float* s2) {
  for (size_t c = 0; c < cols; c += kLanes) {
    const size_t w = cols - c;
    const vf sh = nload(shift + c, w);
    vf a0 = vzero(), a1 = vzero(), q0 = vzero(), q1 = vzero();
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
      const size_t o0 = r * cols + c, o1 = o0 + cols;
      const vf g0 = nload(dy + o0, w), g1 = nload(dy + o1, w);
      a0 = vadd(a0, g0);
      a1 = vadd(a1, g1);
      q0 = vfmadd(g0, vsub(nload(x + o0, w), sh), q0);
      q1 = vfmadd(g1, vsub(nload(x + o1, w), sh), q1);
    }
    if (r < rows) {
      const size_t o0 = r * cols + c;
      const vf g0 = nload(dy + o0, w);
      a0 = vadd(a0, g0);
      q0 = vfmadd(g0, vsub(nload(x + o0, w), sh), q0);
    }
    nstore(s1 + c, vadd(a0, a1), w);
    nstore(s2 + c, vadd(q0, q1), w);
  }
}

static void col_affine(const float* x, size_t rows, size_t cols, const float* a, const float* b, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    size_t c = 0;
    for (; c + kLanes <= cols; c += kLanes) vstore(yr + c, vfmadd(vload(xr + c), vload(a + c), vload(b + c)));
    if (c < cols) {
      const size_t w = cols - c;
      vstore_partial(yr + c, vfmadd(vload_partial(xr + c, w), vload_partial(a + c, w), vload_partial(b + c, w)), w);
    }
  }
}

static void col_affine2(const float* dy, const float* x, size_t rows, size_t cols, const float* a, const float* b,
                        const float* d, float* dx) {
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * cols;
    for (size_t c = 0; c < cols; c += kLanes) {
      const size_t w = cols - c;
      const vf v =
          vfmadd(nload(dy + o + c, w), nload(a + c, w), vfmadd(nload(x + o + c, w), nload(b + c, w), nload(d + c, w)));
      nstore(dx + o + c, v, w);
    }
  }
}

static float row_sum(const float* x, size_t n) {
  vf a0 = vzero(), a1 = vzero();
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    a0 = vadd(a0, vload(x + i));
    a1 = vadd(a1, vload(x + i + kLanes));
  }
  for (; i < n; i += kLanes) a0 = vadd(a0, nload(x + i, n - i));
  return vreduce_add(vadd(a0, a1));
}

static void row_norm(const float* x, size_t rows, size_t cols, float eps, const float* gamma, const float* beta,
                     float* y, float* xhat, float* inv_out) {
  const float inv_n = 1.f / (float)cols;
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float mean = row_sum(xr, cols) * inv_n;
    const vf vm = vset1(mean);
    vf q0 = vzero(), q1 = vzero();
    size_t c = 0;
    for (; c + 2 * kLanes <= cols; c += 2 * kLanes) {
      const vf d0 = vsub(vload(xr + c), vm), d1 = vsub(vload(xr + c + kLanes), vm);
      q0 = vfmadd(d0, d0, q0);
      q1 = vfmadd(d1, d1, q1);
    }
    for (; c + kLanes <= cols; c += kLanes) {
      const vf d0 = vsub(vload(xr + c), vm);
      q0 = vfmadd(d0, d0, q0);
    }
    float tail = 0.f;
    for (; c < cols; ++c) {
      const float d = xr[c] - mean;
      tail = std::fma(d, d, tail);
    }
    const float var = (vreduce_add(vadd(q0, q1)) + tail) * inv_n;
    const float inv = 1.f / std::sqrt(var + eps);
    if (inv_out) inv_out[r] = inv;
    const vf vi = vset1(inv);
    float* yr = y + r * cols;
    float* hr = xhat ? xhat + r * cols : nullptr;
    for (c = 0; c < cols; c += kLanes) {
      const size_t w = cols - c;
      const vf h = vmul(vsub(nload(xr + c, w), vm), vi);
      if (hr) nstore(hr + c, h, w);
      nstore(yr + c, vfmadd(h, nload(gamma + c, w), nload(beta + c, w)), w);
    }
  }
}

static void row_norm_backward(const float* xhat, const float* inv, const float* dy, size_t rows, size_t cols,
                              const float* gamma, float* dx, float* dgamma, float* dbeta) {
  const float inv_n = 1.f / (float)cols;
  for (size_t r = 0; r < rows; ++r) {
    const float* hr = xhat + r * cols;
    const float* gr = dy + r * cols;
    vf m1 = vzero(), m2 = vzero();
    for (size_t c = 0; c < cols; c += kLanes) {
      const size_t w = cols - c;
      const vf dyv = nload(gr + c, w), h = nload(hr + c, w);
      const vf g = vmul(dyv, nload(gamma + c, w));
      m1 = vadd(m1, g);
      m2 = vfmadd(g, h, m2);
      nstore(dgamma + c, vfmadd(dyv, h, nload(dgamma + c, w)), w);
      nstore(dbeta + c, vadd(dyv, nload(dbeta + c, w)), w);
    }
    const vf a = vset1(vreduce_add(m1) * inv_n), b = vset1(vreduce_add(m2) * inv_n), vi = vset1(inv[r]);
    float* dr = dx + r * cols;
    for (size_t c = 0; c < cols; c += kLanes) {
      const size_t w = cols - c;
      const vf g = vmul(nload(gr + c, w), nload(gamma + c, w));
      nstore(dr + c, vmul(vi, vsub(vsub(g, a), vmul(nload(hr + c, w), b))), w);
    }
  }
}

void fill_norm(NormKernels& k) {
  k.col_moments = col_moments;
  k.col_grad_sums = col_grad_sums;
  k.col_affine = col_affine;
  k.col_affine2 = col_affine2;
  k.row_norm = row_norm;
  k.row_norm_backward = row_norm_backward;
}

}  // namespace SIMDNN_ISA_NS
}  // namespace simdnn
