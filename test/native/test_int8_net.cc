// The quantized network (nn/quantized.cc) against a naive reference written
// here from the documented rules: the input quantized element by element,
// every convolution / dense product as plain loops over the window's cells
// (padding cells hold the input's zero point), the integer epilogue of
// generic/int8_epilogue.h, max and average pooling cell by cell. Bitwise, on
// every int8 variant, 1 and 2 threads, the whole batch and sample by sample:
// this covers the patch gathering (runs of whole pixels and the cell-by-cell
// edges), the blocks of samples and the thread shares, and the pooling.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "core/threadpool.h"
#include "kernels/generic/int8_epilogue.h"
#include "kernels/int8_kernels.h"
#include "nn/quantized.h"

using namespace simdnn;

namespace {

const char* kVariants[] = {"scalar", "avx2-int16", "avx-vnni", "avx512-vnni", "neon-widen", "neon-dot"};

WindowGeometry geom(size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t s, size_t d, bool same) {
  WindowGeometry g;
  g.in_h = h, g.in_w = w, g.in_c = c, g.k_h = kh, g.k_w = kw, g.s_h = g.s_w = s, g.d_h = g.d_w = d, g.same = same;
  g.resolve("test");
  return g;
}

QOpSpec linear(std::mt19937& rng, const WindowGeometry& g, size_t units, bool relu, QuantParams out) {
  QOpSpec s;
  s.kind = QOpKind::Linear;
  s.geom = g;
  s.units = units;
  const size_t k = g.k_h * g.k_w * g.in_c;
  std::uniform_int_distribution<int> uw(-127, 127);
  std::uniform_real_distribution<float> us(0.001f, 0.01f), ub(-1.f, 1.f);
  s.weights.resize(k * units);
  for (auto& v : s.weights) v = (int8_t)uw(rng);
  for (size_t j = 0; j < units; ++j) {
    s.weight_scale.push_back(us(rng));
    s.bias.push_back(ub(rng));
  }
  s.act = relu ? Act::Relu : Act::Linear;
  s.out = out;
  return s;
}

QOpSpec pool(const WindowGeometry& g, bool max) {
  QOpSpec s;
  s.kind = max ? QOpKind::MaxPool : QOpKind::AvgPool;
  s.geom = g;
  return s;
}

// The reference: every op on one sample, from the rules.
std::vector<float> reference(const std::vector<QOpSpec>& ops, QuantParams in, const float* x, size_t n_in) {
  std::vector<uint8_t> cur(n_in);
  int8_quantize_ref(x, n_in, in.scale, in.zero_point, cur.data());
  QuantParams q = in;
  for (size_t i = 0; i < ops.size(); ++i) {
    const QOpSpec& s = ops[i];
    const WindowGeometry& g = s.geom;
    const bool last = i + 1 == ops.size();
    if (s.kind == QOpKind::Linear) {
      const size_t k = g.k_h * g.k_w * g.in_c;
      std::vector<float> f(g.pixels() * s.units);
      std::vector<uint8_t> u(g.pixels() * s.units);
      for (size_t oi = 0; oi < g.out_h; ++oi)
        for (size_t oj = 0; oj < g.out_w; ++oj)
          for (size_t j = 0; j < s.units; ++j) {
            int32_t acc = 0, colsum = 0;
            for (size_t a = 0; a < g.k_h; ++a)
              for (size_t b = 0; b < g.k_w; ++b)
                for (size_t c = 0; c < g.in_c; ++c) {
                  const long ih = (long)(oi * g.s_h + a * g.d_h) - (long)g.pad_t;
                  const long iw = (long)(oj * g.s_w + b * g.d_w) - (long)g.pad_l;
                  const bool inside = ih >= 0 && ih < (long)g.in_h && iw >= 0 && iw < (long)g.in_w;
                  const int32_t v = inside ? cur[((size_t)ih * g.in_w + (size_t)iw) * g.in_c + c] : q.zero_point;
                  const int32_t w = s.weights[((a * g.k_w + b) * g.in_c + c) * s.units + j];
                  acc += v * w;
                  colsum += w;
                }
            (void)k;
            const double acc_scale = (double)q.scale * (double)s.weight_scale[j];
            const double bias = std::nearbyint((double)s.bias[j] / acc_scale) - (double)q.zero_point * colsum;
            const int32_t b32 = (int32_t)std::min(2147483647.0, std::max(-2147483648.0, bias));
            const size_t at = (oi * g.out_w + oj) * s.units + j;
            if (last)
              f[at] = int8_dequant(acc, b32, (float)acc_scale);
            else
              u[at] = int8_requant(acc, b32, (float)(acc_scale / (double)s.out.scale), (float)s.out.zero_point,
                                   s.act == Act::Relu ? (float)s.out.zero_point : 0.f);
          }
      if (last) return f;
      cur = u;
      q = s.out;
    } else {
      const bool max = s.kind == QOpKind::MaxPool;
      std::vector<uint8_t> u(g.pixels() * g.in_c);
      for (size_t oi = 0; oi < g.out_h; ++oi)
        for (size_t oj = 0; oj < g.out_w; ++oj)
          for (size_t c = 0; c < g.in_c; ++c) {
            uint32_t v = 0, cells = 0;
            for (size_t a = 0; a < g.k_h; ++a)
              for (size_t b = 0; b < g.k_w; ++b) {
                const long ih = (long)(oi * g.s_h + a * g.d_h) - (long)g.pad_t;
                const long iw = (long)(oj * g.s_w + b * g.d_w) - (long)g.pad_l;
                if (ih < 0 || ih >= (long)g.in_h || iw < 0 || iw >= (long)g.in_w) continue;
                const uint32_t e = cur[((size_t)ih * g.in_w + (size_t)iw) * g.in_c + c];
                v = max ? std::max(v, e) : v + e;
                ++cells;
              }
            if (!max) {  // round half to even
              const double t = (double)v / cells;
              v = (uint32_t)std::nearbyint(t);
            }
            u[(oi * g.out_w + oj) * g.in_c + c] = (uint8_t)v;
          }
      cur = u;
    }
  }
  std::vector<float> f(cur.size());
  for (size_t i = 0; i < cur.size(); ++i) f[i] = ((float)cur[i] - (float)q.zero_point) * q.scale;
  return f;
}

void check_network(const std::string& what, size_t n_in, QuantParams in, const std::vector<QOpSpec>& ops, size_t rows,
                   std::mt19937& rng) {
  std::uniform_real_distribution<float> ux(-1.f, 2.f);
  std::vector<float> x(rows * n_in);
  for (auto& v : x) v = ux(rng);
  QuantizedNetwork net(n_in, in, false, ops);
  const size_t n_out = net.output_size();
  std::vector<float> want(rows * n_out);
  for (size_t r = 0; r < rows; ++r) {
    const std::vector<float> y = reference(ops, in, x.data() + r * n_in, n_in);
    CHECK(y.size() == n_out, "%s: reference gives %zu outputs, the network %zu", what.c_str(), y.size(), n_out);
    std::copy(y.begin(), y.end(), want.begin() + r * n_out);
  }
  for (const char* name : kVariants) {
    if (!select_int8(name)) continue;
    for (size_t threads : {1, 2}) {
      set_num_threads(threads);
      std::vector<float> got(rows * n_out, -7.f), one(rows * n_out, -7.f);
      net.predict(x.data(), rows, got.data());
      for (size_t r = 0; r < rows; ++r) net.predict(x.data() + r * n_in, 1, one.data() + r * n_out);
      size_t bad = 0;
      for (size_t i = 0; i < rows * n_out; ++i)
        bad += std::memcmp(&got[i], &want[i], 4) != 0 || std::memcmp(&one[i], &want[i], 4) != 0;
      CHECK(bad == 0, "%s, %s, %zu threads, %zu rows: %zu outputs differ from the reference", what.c_str(), name,
            threads, rows, bad);
    }
  }
  select_int8("auto");
  set_num_threads(1);
}

}  // namespace

int main() {
  std::mt19937 rng(23);
  const QuantParams in{0.012f, 83}, mid{0.02f, 7}, mid2{0.05f, 131};
  // The bench:cnn CNN's shapes (C = 1 runs of 3 bytes, then runs of 96), smaller.
  {
    const WindowGeometry c1 = geom(12, 12, 1, 3, 3, 1, 1, false), p1 = geom(10, 10, 32, 2, 2, 2, 1, false),
                         c2 = geom(5, 5, 32, 3, 3, 1, 1, false), p2 = geom(3, 3, 64, 2, 2, 2, 1, false),
                         d1 = geom(1, 1, 64, 1, 1, 1, 1, false), d2 = geom(1, 1, 16, 1, 1, 1, 1, false);
    for (size_t rows : {(size_t)1, (size_t)3, (size_t)29})
      check_network("cnn", 144, in,
                    {linear(rng, c1, 32, true, mid), pool(p1, true), linear(rng, c2, 64, true, mid2), pool(p2, true),
                     linear(rng, d1, 16, true, mid), linear(rng, d2, 10, false, {})},
                    rows, rng);
  }
  // Same padding, strides, dilation, odd channel counts (runs of 1 to 40 bytes), average and max pooling
  // with padding and strides, a 1x1 convolution.
  for (size_t c : {(size_t)1, (size_t)3, (size_t)5, (size_t)8, (size_t)17}) {
    const WindowGeometry a = geom(9, 11, c, 3, 2, 1, 1, true);
    const WindowGeometry pa = geom(a.out_h, a.out_w, 13, 3, 3, 2, 1, true);
    const WindowGeometry b = geom(pa.out_h, pa.out_w, 13, 2, 3, 2, 1, true);
    const WindowGeometry pb = geom(b.out_h, b.out_w, 7, 2, 2, 1, 1, true);
    const WindowGeometry e = geom(pb.out_h, pb.out_w, 7, 2, 2, 1, 2, false);
    const WindowGeometry f = geom(e.out_h, e.out_w, 19, 1, 1, 1, 1, false);
    for (size_t rows : {(size_t)1, (size_t)7})
      check_network("padded c=" + std::to_string(c), 99 * c, in,
                    {linear(rng, a, 13, true, mid), pool(pa, true), linear(rng, b, 7, false, mid2), pool(pb, false),
                     linear(rng, e, 19, true, mid), linear(rng, f, 5, false, {})},
                    rows, rng);
  }
  // A 1-D convolution (height 1) with stride 2, global pooling, then a dense layer; and a network ending in pooling.
  {
    const WindowGeometry a = geom(1, 23, 4, 1, 5, 2, 1, true), pa = geom(1, a.out_w, 6, 1, a.out_w, 1, 1, false);
    const WindowGeometry d = geom(1, 1, 6, 1, 1, 1, 1, false);
    check_network("conv1d", 92, in, {linear(rng, a, 6, true, mid), pool(pa, false), linear(rng, d, 3, false, {})}, 5,
                  rng);
    const WindowGeometry b = geom(7, 6, 2, 3, 3, 1, 1, true), pb = geom(7, 6, 33, 3, 3, 3, 1, true);
    check_network("pool last", 84, in, {linear(rng, b, 33, true, mid), pool(pb, true)}, 4, rng);
  }
  return check_summary("int8 network");
}
