// Generic convolution kernels (conv_kernels.h), compiled once per ISA: the
// direct convolution of few input channels, vectorized over filters, and the
// Winograd F(2x2, 3x3) transforms, vectorized over channels (or filters).
// Include after the ISA's vec header with SIMDNN_ISA_NS defined to that ISA's
// namespace.
#include <algorithm>

namespace simdnn {
namespace SIMDNN_ISA_NS {

namespace {
inline vf wload(const float* p, size_t n) { return n >= kLanes ? vload(p) : vload_partial(p, n); }
inline void wstore(float* p, vf v, size_t n) {
  if (n >= kLanes)
    vstore(p, v);
  else
    vstore_partial(p, v, n);
}

// A tile's place: its sample and tile row and column, advanced one tile at a
// time (no division per tile).
struct TileCursor {
  size_t sample, ti, tj;
  const ConvShape& s;
  TileCursor(const ConvShape& shape, size_t t) : s(shape) {
    const size_t per = s.tiles_h * s.tiles_w;
    sample = t / per;
    ti = (t % per) / s.tiles_w;
    tj = (t % per) % s.tiles_w;
  }
  void next() {
    if (++tj == s.tiles_w) {
      tj = 0;
      if (++ti == s.tiles_h) {
        ti = 0;
        ++sample;
      }
    }
  }
};
}  // namespace

// Direct convolution: NP output pixels (their windows' first input elements
// at base[q], every tap inside the input) and NV vectors of filters from f,
// the last of them `tail` lanes wide. The weights of a tap are loaded once
// for the NP pixels; each pixel's tap value is broadcast.
template <size_t NP, size_t NV>
static inline void direct_pixels(const float* const* base, const long* off, size_t k, const float* w, size_t F,
                                 size_t f, size_t tail, const float* bias, bool relu, float* const* out) {
  vf acc[NP][NV];
  for (size_t q = 0; q < NP; ++q)
    for (size_t v = 0; v < NV; ++v) acc[q][v] = vzero();
  for (size_t t = 0; t < k; ++t) {
    const float* wt = w + t * F + f;
    vf wv[NV];
    for (size_t v = 0; v < NV; ++v) wv[v] = v + 1 < NV ? vload(wt + v * kLanes) : wload(wt + v * kLanes, tail);
    for (size_t q = 0; q < NP; ++q) {
      const vf xv = vset1(base[q][off[t]]);
      for (size_t v = 0; v < NV; ++v) acc[q][v] = vfmadd(xv, wv[v], acc[q][v]);
    }
  }
  for (size_t v = 0; v < NV; ++v) {
    const size_t width = v + 1 < NV ? kLanes : tail;
    const vf b = bias ? wload(bias + f + v * kLanes, width) : vzero();
    for (size_t q = 0; q < NP; ++q) {
      vf z = bias ? vadd(acc[q][v], b) : acc[q][v];
      if (relu) z = vmax(z, vzero());
      wstore(out[q] + f + v * kLanes, z, width);
    }
  }
}

// All filters of NP pixels whose windows lie inside the input.
template <size_t NP>
static inline void direct_inside(const float* const* base, const long* off, size_t k, const float* w, size_t F,
                                 const float* bias, bool relu, float* const* out) {
  size_t f = 0;
  for (; f + 2 * kLanes <= F; f += 2 * kLanes) direct_pixels<NP, 2>(base, off, k, w, F, f, kLanes, bias, relu, out);
  if (f + kLanes < F)
    direct_pixels<NP, 2>(base, off, k, w, F, f, F - f - kLanes, bias, relu, out);
  else if (f < F)
    direct_pixels<NP, 1>(base, off, k, w, F, f, F - f, bias, relu, out);
}

static void conv_direct(const float* x, const ConvShape& s, size_t p0, size_t n, const float* w, const float* bias,
                        bool relu, float* y) {
  const size_t C = s.channels, F = s.filters, k = s.k_h * s.k_w * C;
  const size_t pix = s.out_h * s.out_w, sample_size = s.in_h * s.in_w * C;
  // Each tap's offset from its window's first input element.
  long off[ConvKernels::kMaxDirectTaps];
  for (size_t a = 0; a < s.k_h; ++a)
    for (size_t b = 0; b < s.k_w; ++b)
      for (size_t c = 0; c < C; ++c) off[(a * s.k_w + b) * C + c] = (long)(((a * s.d_h) * s.in_w + b * s.d_w) * C + c);
  const size_t span_h = (s.k_h - 1) * s.d_h, span_w = (s.k_w - 1) * s.d_w;
  // The output columns whose windows lie inside the input's width: [j_lo, j_hi).
  const size_t j_lo = std::min(s.out_w, (s.pad_l + s.s_w - 1) / s.s_w);
  const size_t j_hi =
      s.in_w + s.pad_l > span_w ? std::min(s.out_w, (s.in_w - 1 + s.pad_l - span_w) / s.s_w + 1) : (size_t)0;
  // A window partly in the padding: its taps gathered (zeros outside) into a
  // patch of its own, read in tap order.
  float patch[ConvKernels::kMaxDirectTaps];
  long seq[ConvKernels::kMaxDirectTaps];
  for (size_t t = 0; t < k; ++t) seq[t] = (long)t;
  const float* const patch_base[1] = {patch};
  size_t sample = p0 / pix, oi = (p0 % pix) / s.out_w, oj = (p0 % pix) % s.out_w;
  for (size_t r = 0; r < n;) {
    // The rest of output row oi of this sample, from column oj.
    const size_t len = std::min(s.out_w - oj, n - r), end = oj + len;
    const float* xs = x + sample * sample_size;
    const long ih0 = (long)(oi * s.s_h) - (long)s.pad_t;
    float* const yr = y + (r - oj) * F;  // output of column j at yr + j * F
    auto border = [&](size_t j) {
      const long iw0 = (long)(j * s.s_w) - (long)s.pad_l;
      for (size_t a = 0; a < s.k_h; ++a)
        for (size_t b = 0; b < s.k_w; ++b) {
          const long ih = ih0 + (long)(a * s.d_h), iw = iw0 + (long)(b * s.d_w);
          const bool valid = ih >= 0 && iw >= 0 && ih < (long)s.in_h && iw < (long)s.in_w;
          for (size_t c = 0; c < C; ++c)
            patch[(a * s.k_w + b) * C + c] = valid ? xs[((size_t)ih * s.in_w + (size_t)iw) * C + c] : 0.f;
        }
      float* const out[1] = {yr + j * F};
      direct_inside<1>(patch_base, seq, k, w, F, bias, relu, out);
    };
    const bool row_inside = ih0 >= 0 && (size_t)ih0 + span_h < s.in_h;
    const size_t lo = row_inside ? std::min(std::max(j_lo, oj), end) : end;
    const size_t hi = row_inside ? std::max(lo, std::min(j_hi, end)) : end;
    for (size_t j = oj; j < lo; ++j) border(j);
    if (lo < hi) {
      // Windows inside: the first input element of column j's window.
      const float* row = xs + (size_t)ih0 * s.in_w * C;
      const size_t step = s.s_w * C;
      // (j * s_w >= pad_l from j_lo on.)
      auto at = [&](size_t j) { return row + j * step - s.pad_l * C; };
      size_t j = lo;
      for (; j + 4 <= hi; j += 4) {
        const float* base[4] = {at(j), at(j + 1), at(j + 2), at(j + 3)};
        float* out[4] = {yr + j * F, yr + (j + 1) * F, yr + (j + 2) * F, yr + (j + 3) * F};
        direct_inside<4>(base, off, k, w, F, bias, relu, out);
      }
      for (; j < hi; ++j) {
        const float* base[1] = {at(j)};
        float* out[1] = {yr + j * F};
        direct_inside<1>(base, off, k, w, F, bias, relu, out);
      }
    }
    for (size_t j = hi; j < end; ++j) border(j);
    r += len;
    oj = end;
    if (oj == s.out_w) {
      oj = 0;
      if (++oi == s.out_h) {
        oi = 0;
        ++sample;
      }
    }
  }
}

static void wino_input_tiles(const float* x, const ConvShape& s, size_t t0, size_t n, float* v, size_t ld) {
  const size_t C = s.channels, sample_size = s.in_h * s.in_w * C;
  TileCursor cur(s, t0);
  for (size_t r = 0; r < n; ++r, cur.next()) {
    const float* xs = x + cur.sample * sample_size;
    const long ih0 = 2 * (long)cur.ti - (long)s.pad_t, iw0 = 2 * (long)cur.tj - (long)s.pad_l;
    // The 16 input pixels (nullptr: outside the sample, zero).
    const float* p[16];
    for (long a = 0; a < 4; ++a)
      for (long b = 0; b < 4; ++b) {
        const long ih = ih0 + a, iw = iw0 + b;
        const bool inside = ih >= 0 && ih < (long)s.in_h && iw >= 0 && iw < (long)s.in_w;
        p[a * 4 + b] = inside ? xs + ((size_t)ih * s.in_w + (size_t)iw) * C : nullptr;
      }
    float* out = v + r * C;
    for (size_t c = 0; c < C; c += kLanes) {
      const size_t w = C - c;
      vf d[16];
      for (size_t q = 0; q < 16; ++q) d[q] = p[q] ? wload(p[q] + c, w) : vzero();
      // Bᵀ d: combinations of the rows, column by column.
      vf t[16];
      for (size_t j = 0; j < 4; ++j) {
        t[0 + j] = vsub(d[0 + j], d[8 + j]);
        t[4 + j] = vadd(d[4 + j], d[8 + j]);
        t[8 + j] = vsub(d[8 + j], d[4 + j]);
        t[12 + j] = vsub(d[4 + j], d[12 + j]);
      }
      // (Bᵀ d) B: the same on the columns of each row.
      for (size_t i = 0; i < 4; ++i) {
        const vf* ti = t + 4 * i;
        float* o = out + c + 4 * i * ld;
        wstore(o, vsub(ti[0], ti[2]), w);
        wstore(o + ld, vadd(ti[1], ti[2]), w);
        wstore(o + 2 * ld, vsub(ti[2], ti[1]), w);
        wstore(o + 3 * ld, vsub(ti[1], ti[3]), w);
      }
    }
  }
}

static void wino_output_tiles(const float* m, size_t ld, const ConvShape& s, size_t t0, size_t n, const float* bias,
                              bool relu, float* y) {
  const size_t F = s.filters, sample_size = s.out_h * s.out_w * F;
  TileCursor cur(s, t0);
  for (size_t r = 0; r < n; ++r, cur.next()) {
    float* ys = y + cur.sample * sample_size;
    const size_t oh = 2 * cur.ti, ow = 2 * cur.tj;
    const bool down = oh + 1 < s.out_h, right = ow + 1 < s.out_w;
    float* y00 = ys + (oh * s.out_w + ow) * F;
    float* y10 = y00 + s.out_w * F;
    const float* in = m + r * F;
    for (size_t f = 0; f < F; f += kLanes) {
      const size_t w = F - f;
      vf q[16];
      for (size_t x = 0; x < 16; ++x) q[x] = wload(in + f + x * ld, w);
      // Aᵀ M: two rows from the four.
      vf u[8];
      for (size_t j = 0; j < 4; ++j) {
        u[j] = vadd(vadd(q[j], q[4 + j]), q[8 + j]);
        u[4 + j] = vsub(vsub(q[4 + j], q[8 + j]), q[12 + j]);
      }
      // (Aᵀ M) A: two columns from the four.
      const vf b = bias ? wload(bias + f, w) : vzero();
      vf o00 = vadd(vadd(vadd(u[0], u[1]), u[2]), b);
      vf o01 = vadd(vsub(vsub(u[1], u[2]), u[3]), b);
      vf o10 = vadd(vadd(vadd(u[4], u[5]), u[6]), b);
      vf o11 = vadd(vsub(vsub(u[5], u[6]), u[7]), b);
      if (relu) {
        const vf z = vzero();
        o00 = vmax(o00, z);
        o01 = vmax(o01, z);
        o10 = vmax(o10, z);
        o11 = vmax(o11, z);
      }
      wstore(y00 + f, o00, w);
      if (right) wstore(y00 + F + f, o01, w);
      if (down) {
        wstore(y10 + f, o10, w);
        if (right) wstore(y10 + F + f, o11, w);
      }
    }
  }
}

void fill_conv(ConvKernels& k) {
  k.direct = conv_direct;
  k.winograd_input = wino_input_tiles;
  k.winograd_output = wino_output_tiles;
}

}  // namespace SIMDNN_ISA_NS
}  // namespace simdnn
