#include "quantized_calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

namespace simdnn {
namespace {

constexpr size_t kChunkRows = 128;
constexpr size_t kBins = 4096;

// Runs the samples chunk by chunk through the layers, calling visit(point, values, n) at each point.
void sweep(Network& net, const float* x, size_t rows, const std::vector<long>& points,
           const std::function<void(size_t, const float*, size_t)>& visit) {
  long last = -1;
  for (long p : points) last = std::max(last, p);
  for (size_t r0 = 0; r0 < rows; r0 += kChunkRows) {
    const size_t n = std::min(kChunkRows, rows - r0);
    const float* h = x + r0 * net.input_size();
    for (size_t j = 0; j < points.size(); ++j)
      if (points[j] == -1) visit(j, h, n * net.input_size());
    for (long i = 0; i <= last; ++i) {
      Layer& layer = net.layer((size_t)i);
      h = layer.forward(h, n, Pass::Predict, net.rng());
      for (size_t j = 0; j < points.size(); ++j)
        if (points[j] == i) visit(j, h, n * layer.output_size());
    }
  }
}

}  // namespace

std::vector<ValueRange> calibration_ranges(Network& net, const float* x, size_t rows, const std::vector<long>& points,
                                           double percentile) {
  std::vector<ValueRange> r(points.size());
  std::vector<bool> seen(points.size(), false);
  sweep(net, x, rows, points, [&](size_t j, const float* v, size_t n) {
    float lo = seen[j] ? r[j].lo : v[0], hi = seen[j] ? r[j].hi : v[0];
    for (size_t i = 0; i < n; ++i) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
    r[j] = {lo, hi};
    seen[j] = true;
  });
  if (percentile <= 0) return r;
  std::vector<std::vector<uint64_t>> hist(points.size(), std::vector<uint64_t>(kBins, 0));
  std::vector<uint64_t> count(points.size(), 0);
  sweep(net, x, rows, points, [&](size_t j, const float* v, size_t n) {
    const double lo = r[j].lo, width = ((double)r[j].hi - lo) / kBins;
    if (!(width > 0)) return;
    for (size_t i = 0; i < n; ++i) {
      const size_t b = std::min(kBins - 1, (size_t)(((double)v[i] - lo) / width));
      ++hist[j][b];
    }
    count[j] += n;
  });
  for (size_t j = 0; j < points.size(); ++j) {
    if (!count[j]) continue;
    const double lo = r[j].lo, width = ((double)r[j].hi - lo) / kBins;
    const double tail = (100.0 - percentile) / 100.0 * (double)count[j];
    // The lower edge: the first bin whose cumulative count passes the tail; the upper edge likewise from the top.
    double acc = 0;
    size_t b_lo = 0, b_hi = kBins - 1;
    for (size_t b = 0; b < kBins; ++b) {
      acc += (double)hist[j][b];
      if (acc > tail) {
        b_lo = b;
        break;
      }
    }
    acc = 0;
    for (size_t b = kBins; b-- > 0;) {
      acc += (double)hist[j][b];
      if (acc > tail) {
        b_hi = b;
        break;
      }
    }
    r[j] = {(float)(lo + width * (double)b_lo), (float)(lo + width * (double)(b_hi + 1))};
  }
  return r;
}

}  // namespace simdnn
