// Metrics accumulated natively over the batches of an epoch (or an evaluation)
// from counts and sums, so the epoch value is exact, not a mean of batch means.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/math_kernels.h"

namespace simdnn {

enum class Metric : int { Accuracy = 0, Precision, Recall, F1, Auc, Mse, Mae };

// How targets are laid out, decided from the loss.
enum class TargetKind : int { Binary = 0, Categorical, Sparse, Regression };
TargetKind target_kind(Loss loss);

class MetricSet {
 public:
  MetricSet(std::vector<Metric> metrics, TargetKind kind) : metrics_(std::move(metrics)), kind_(kind) {}
  void reset();
  // out: probabilities (or regression outputs), rows x cols; target as for the loss.
  void update(const float* out, const float* target, size_t rows, size_t cols);
  // One value per metric, in the order given.
  std::vector<double> values() const;
  const std::vector<Metric>& metrics() const { return metrics_; }

 private:
  static constexpr int kAucBins = 1000;
  std::vector<Metric> metrics_;
  TargetKind kind_;
  double correct_ = 0, count_ = 0;           // accuracy
  double tp_ = 0, fp_ = 0, fn_ = 0;          // precision / recall / f1 at 0.5
  double sq_ = 0, abs_ = 0, elems_ = 0;      // mse / mae
  std::vector<double> pos_hist_, neg_hist_;  // auc
};

}  // namespace simdnn
