#include "metrics.h"

#include <algorithm>
#include <cmath>

namespace simdnn {

TargetKind target_kind(Loss loss) {
  switch (loss) {
    case Loss::BinaryCrossentropy:
    case Loss::BinaryCrossentropyFromLogits:
      return TargetKind::Binary;
    case Loss::CategoricalCrossentropy:
    case Loss::CategoricalCrossentropyFromLogits:
      return TargetKind::Categorical;
    case Loss::SparseCategoricalCrossentropy:
    case Loss::SparseCategoricalCrossentropyFromLogits:
      return TargetKind::Sparse;
    default:
      return TargetKind::Regression;
  }
}

void MetricSet::reset() {
  correct_ = count_ = tp_ = fp_ = fn_ = sq_ = abs_ = elems_ = 0;
  pos_hist_.assign(kAucBins, 0.0);
  neg_hist_.assign(kAucBins, 0.0);
}

namespace {
size_t argmax(const float* p, size_t n) {
  size_t best = 0;
  for (size_t j = 1; j < n; ++j)
    if (p[j] > p[best]) best = j;
  return best;
}
}  // namespace

void MetricSet::update(const float* out, const float* target, size_t rows, size_t cols) {
  if (pos_hist_.empty()) reset();
  for (size_t r = 0; r < rows; ++r) {
    const float* p = out + r * cols;
    // Target of element j as 0/1 (binary view of every kind).
    // A class id outside [0, cols) matches no column (the facade rejects those).
    const float id = kind_ == TargetKind::Sparse ? target[r] : 0.f;
    const size_t sparse_id = id >= 0.f && id < (float)cols ? (size_t)id : (size_t)-1;
    auto truth = [&](size_t j) -> float {
      if (kind_ == TargetKind::Sparse) return sparse_id == j ? 1.f : 0.f;
      return target[r * cols + j];
    };
    if (kind_ == TargetKind::Sparse || kind_ == TargetKind::Categorical) {
      size_t want = kind_ == TargetKind::Sparse ? sparse_id : argmax(target + r * cols, cols);
      correct_ += argmax(p, cols) == want ? 1 : 0;
      count_ += 1;
    }
    for (size_t j = 0; j < cols; ++j) {
      const float t = truth(j);
      const bool pred = p[j] > 0.5f, pos = t > 0.5f;
      if (kind_ == TargetKind::Binary || kind_ == TargetKind::Regression) {
        correct_ += pred == pos ? 1 : 0;
        count_ += 1;
      }
      tp_ += pred && pos;
      fp_ += pred && !pos;
      fn_ += !pred && pos;
      const double d = (double)p[j] - (double)t;
      sq_ += d * d;
      abs_ += std::fabs(d);
      elems_ += 1;
      double s = std::min(1.0, std::max(0.0, (double)p[j]));
      int bin = std::min(kAucBins - 1, (int)(s * kAucBins));
      if (!(s == s)) bin = 0;
      (pos ? pos_hist_ : neg_hist_)[bin] += 1;
    }
  }
}

std::vector<double> MetricSet::values() const {
  std::vector<double> v;
  const double precision = tp_ + fp_ > 0 ? tp_ / (tp_ + fp_) : 0.0;
  const double recall = tp_ + fn_ > 0 ? tp_ / (tp_ + fn_) : 0.0;
  for (Metric m : metrics_) {
    switch (m) {
      case Metric::Accuracy:
        v.push_back(count_ > 0 ? correct_ / count_ : 0.0);
        break;
      case Metric::Precision:
        v.push_back(precision);
        break;
      case Metric::Recall:
        v.push_back(recall);
        break;
      case Metric::F1:
        v.push_back(precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0);
        break;
      case Metric::Auc: {
        // Probability that a random positive scores above a random negative;
        // ties within a bin count one half.
        double pos_total = 0, neg_total = 0, area = 0, neg_below = 0;
        for (int b = 0; b < kAucBins && !pos_hist_.empty(); ++b) {
          area += pos_hist_[b] * (neg_below + 0.5 * neg_hist_[b]);
          neg_below += neg_hist_[b];
          pos_total += pos_hist_[b];
        }
        neg_total = neg_below;
        v.push_back(pos_total > 0 && neg_total > 0 ? area / (pos_total * neg_total) : 0.0);
        break;
      }
      case Metric::Mse:
        v.push_back(elems_ > 0 ? sq_ / elems_ : 0.0);
        break;
      case Metric::Mae:
        v.push_back(elems_ > 0 ? abs_ / elems_ : 0.0);
        break;
    }
  }
  return v;
}

}  // namespace simdnn
