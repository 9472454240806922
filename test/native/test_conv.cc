// The convolution kernels that are not products (conv_kernels.h).
//
// The direct kernel of layers with few input channels gives the bits of the
// implicit GEMM (patches times the kernel, with sgemm's bias and ReLU
// epilogue) on every ISA, for strides, dilations, both paddings, 1 to 4
// channels and filter counts off the vector width.
//
// Winograd F(2x2, 3x3) inference of 3x3 convolutions: on every ISA, the input
// and output transforms give the scalar reference's bits (they are the same
// additions in the same order), and the whole convolution (transforms and the
// 16 products) matches a double-precision direct convolution, for both
// paddings, odd and prime sizes, channel and filter counts off the vector
// width, and batches of many blocks of tiles, on 1 and 2 threads.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "core/gemm.h"
#include "kernels/kernels.h"
#include "nn/layers/conv_winograd.h"

using namespace simdnn;

namespace {

struct Case {
  size_t h, w, c, f, batch;
  bool same;
};

WindowGeometry geometry(const Case& t) {
  WindowGeometry g;
  g.in_h = t.h;
  g.in_w = t.w;
  g.in_c = t.c;
  g.k_h = g.k_w = 3;
  g.same = t.same;
  g.resolve("test");
  return g;
}

// y[n, i, j, f] = b[f] + Σ x[n, i + a − pt, j + b − pl, c] · K[a, b, c, f], in double (with `abs`, the
// same sum of magnitudes: the scale of each output's rounding error).
std::vector<double> direct(const WindowGeometry& g, size_t F, size_t batch, const std::vector<float>& x,
                           const std::vector<float>& k, const std::vector<float>& bias, bool abs = false) {
  std::vector<double> y(batch * g.out_h * g.out_w * F);
  for (size_t n = 0; n < batch; ++n)
    for (size_t i = 0; i < g.out_h; ++i)
      for (size_t j = 0; j < g.out_w; ++j)
        for (size_t f = 0; f < F; ++f) {
          double s = abs ? std::fabs(bias[f]) : bias[f];
          for (size_t a = 0; a < 3; ++a)
            for (size_t b = 0; b < 3; ++b) {
              const long ih = (long)(i + a) - (long)g.pad_t, iw = (long)(j + b) - (long)g.pad_l;
              if (ih < 0 || iw < 0 || ih >= (long)g.in_h || iw >= (long)g.in_w) continue;
              for (size_t c = 0; c < g.in_c; ++c) {
                const double p =
                    (double)x[((n * g.in_h + ih) * g.in_w + iw) * g.in_c + c] * k[((a * 3 + b) * g.in_c + c) * F + f];
                s += abs ? std::fabs(p) : p;
              }
            }
          y[((n * g.out_h + i) * g.out_w + j) * F + f] = s;
        }
  return y;
}

struct DirectCase {
  size_t h, w, c, kh, kw, s, d, f, batch;
  bool same;
};

// The direct kernel against sgemm on gathered patches, bit for bit.
void check_direct(const Kernels& k, const DirectCase& t, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  WindowGeometry g;
  g.in_h = t.h;
  g.in_w = t.w;
  g.in_c = t.c;
  g.k_h = t.kh;
  g.k_w = t.kw;
  g.s_h = g.s_w = t.s;
  g.d_h = g.d_w = t.d;
  g.same = t.same;
  g.resolve("test");
  const size_t K = t.kh * t.kw * t.c, F = t.f, pix = g.out_h * g.out_w, P = t.batch * pix;
  std::vector<float> x(t.batch * t.h * t.w * t.c), w(K * F), bias(F), patches(P * K);
  for (float& v : x) v = u(rng);
  for (float& v : w) v = u(rng);
  for (float& v : bias) v = u(rng);
  for (size_t p = 0; p < P; ++p) {
    const size_t n = p / pix, i = (p % pix) / g.out_w, j = (p % pix) % g.out_w;
    for (size_t a = 0; a < t.kh; ++a)
      for (size_t b = 0; b < t.kw; ++b) {
        const long ih = (long)(i * t.s + a * t.d) - (long)g.pad_t, iw = (long)(j * t.s + b * t.d) - (long)g.pad_l;
        const bool in = ih >= 0 && iw >= 0 && ih < (long)t.h && iw < (long)t.w;
        for (size_t c = 0; c < t.c; ++c)
          patches[p * K + (a * t.kw + b) * t.c + c] = in ? x[((n * t.h + ih) * t.w + iw) * t.c + c] : 0.f;
      }
  }
  const ConvShape s = conv_shape(g, F);
  for (bool relu : {false, true})
    for (bool with_bias : {false, true}) {
      std::vector<float> want(P * F), got(P * F, NAN);
      GemmEpilogue ep;
      ep.bias = with_bias ? bias.data() : nullptr;
      ep.act = relu ? Act::Relu : Act::Linear;
      sgemm_with(k, 1, false, false, P, F, K, 1.f, patches.data(), K, w.data(), F, 0.f, want.data(), F, &ep);
      // In two calls, the second from an odd pixel.
      const size_t half = P / 2 + (P > 2 ? 1 : 0);
      k.conv.direct(x.data(), s, 0, half, w.data(), ep.bias, relu, got.data());
      k.conv.direct(x.data(), s, half, P - half, w.data(), ep.bias, relu, got.data() + half * F);
      CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0,
            "%s direct %zux%zux%zu k %zux%zu s %zu d %zu %s -> %zu, relu %d bias %d", k.name, t.h, t.w, t.c, t.kh, t.kw,
            t.s, t.d, t.same ? "same" : "valid", F, (int)relu, (int)with_bias);
    }
}

}  // namespace

int main() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const Kernels* ref = kernels_for(Isa::Scalar);
  const Case cases[] = {
      {13, 13, 32, 64, 9, false}, {7, 5, 17, 3, 4, true},   {3, 3, 8, 1, 1, false},
      {1, 1, 9, 5, 3, true},      {11, 2, 13, 33, 2, true}, {6, 9, 8, 16, 31, false},
  };
  const DirectCase direct_cases[] = {
      {28, 28, 1, 3, 3, 1, 1, 32, 3, false}, {17, 13, 3, 3, 3, 1, 1, 16, 2, true}, {9, 11, 3, 5, 5, 2, 1, 7, 2, true},
      {7, 7, 2, 3, 3, 3, 2, 33, 1, true},    {1, 1, 1, 1, 1, 1, 1, 1, 1, false},   {5, 1, 4, 3, 1, 1, 1, 48, 3, true},
      {2, 3, 1, 2, 3, 1, 1, 17, 5, false},
  };
  for (int isa = 0; isa < 4; ++isa) {
    const Kernels* k = kernels_for((Isa)isa);
    if (!k) continue;
    for (const DirectCase& t : direct_cases) check_direct(*k, t, rng);
    for (const Case& t : cases) {
      const WindowGeometry g = geometry(t);
      const size_t F = t.f, in = t.h * t.w * t.c, out = g.out_h * g.out_w * F;
      std::vector<float> x(t.batch * in), kernel(9 * t.c * F), bias(F);
      for (float& v : x) v = u(rng);
      for (float& v : kernel) v = u(rng);
      for (float& v : bias) v = u(rng);

      // The transforms against the scalar ones, bit for bit.
      const ConvShape s = conv_shape(g, F);
      const size_t tiles = t.batch * s.tiles_h * s.tiles_w;
      std::vector<float> v(16 * tiles * t.c), v0(v.size()), m(16 * tiles * F), y(t.batch * out, 7.f), y0(y);
      k->conv.winograd_input(x.data(), s, 0, tiles, v.data(), tiles * t.c);
      ref->conv.winograd_input(x.data(), s, 0, tiles, v0.data(), tiles * t.c);
      CHECK(std::memcmp(v.data(), v0.data(), v.size() * sizeof(float)) == 0, "%s input_tiles %zux%zux%zu", k->name, t.h,
            t.w, t.c);
      for (float& q : m) q = u(rng);
      for (bool relu : {false, true}) {
        k->conv.winograd_output(m.data(), tiles * F, s, 0, tiles, bias.data(), relu, y.data());
        ref->conv.winograd_output(m.data(), tiles * F, s, 0, tiles, bias.data(), relu, y0.data());
        CHECK(std::memcmp(y.data(), y0.data(), y.size() * sizeof(float)) == 0, "%s output_tiles %zux%zux%zu relu %d",
              k->name, t.h, t.w, F, (int)relu);
      }

      // The whole convolution against the direct one in double.
      const std::vector<double> want = direct(g, F, t.batch, x, kernel, bias);
      const std::vector<double> mag = direct(g, F, t.batch, x, kernel, bias, true);
      double scale = 0;
      for (double w : mag) scale = std::fmax(scale, w);
      WinogradConv conv(g, F);
      conv.prepare(*k, kernel.data(), 1);
      CHECK(conv.ready(*k, 1) && !conv.ready(*k, 2), "%s ready", k->name);
      for (size_t threads : {1, 2})
        for (bool relu : {false, true}) {
          std::vector<float> got(t.batch * out, NAN);
          conv.run(*k, x.data(), t.batch, bias.data(), relu, got.data(), threads);
          double worst = 0;
          for (size_t i = 0; i < got.size(); ++i) {
            const double w = relu ? std::fmax(want[i], 0.0) : want[i];
            worst = std::fmax(worst, std::fabs(got[i] - w));  // NaN (a pixel not written) fails below
            if (std::isnan(got[i])) worst = INFINITY;
          }
          // Float rounding of the transforms (entries 0, ±½, ±1, up to 4x the magnitudes) and of the sums.
          CHECK(worst <= 2e-6 * scale, "%s conv %zux%zux%zu -> %zu (%s) batch %zu threads %zu relu %d: error %g of %g",
                k->name, t.h, t.w, t.c, F, t.same ? "same" : "valid", t.batch, threads, (int)relu, worst, scale);
        }
    }
  }
  return check_summary("test_conv");
}
