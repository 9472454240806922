// Mini-batch training and evaluation over a dataset held in native memory.
// An epoch is: a seeded permutation, then for each batch the rows gathered,
// one training step, and the loss and metrics accumulated. The binding runs
// a whole epoch (or a range of its batches) in one job on the libuv pool.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aligned.h"
#include "metrics.h"
#include "network.h"

namespace simdnn {

// Samples are copied in once, so JavaScript can change or drop its arrays
// while a job runs.
struct Dataset {
  AlignedBuffer x, y, w;  // n x x_cols, n x y_cols, n sample weights (optional)
  size_t n = 0, x_cols = 0, y_cols = 0;
  bool has_weights = false;
  size_t bytes() const { return x.bytes() + y.bytes() + w.bytes(); }
};

struct EpochState {
  std::vector<uint32_t> order;  // this epoch's sample order
  size_t batch_size = 0;
  size_t batches = 0;  // number of batches in the epoch (last one partial)
  double loss_sum = 0;
  size_t batches_done = 0;
  MetricSet metrics{{}, TargetKind::Regression};
  AlignedBuffer bx, by, bw;  // gathered batch
};

struct BatchRunResult {
  bool diverged = false;  // a non-finite loss or gradient stopped the run
  size_t failed_batch = 0;
  double failed_loss = 0;
  bool stopped = false;  // the stop flag was raised
};

// Starts an epoch: the order (shuffled with the network's Rng when asked).
void begin_epoch(Network& net, const Dataset& data, size_t batch_size, bool shuffle, EpochState& st);

// Runs batches [first, last) of the epoch. progress(batch index, mean loss so
// far) is called after each batch. stop is polled between batches. No update
// is applied from a batch whose loss or gradients are not finite: the
// weights stay the last finite ones.
BatchRunResult run_batches(Network& net, const Dataset& data, EpochState& st, size_t first, size_t last,
                           const std::atomic<bool>* stop, const std::function<void(size_t, double)>& progress);

// Mean loss (data loss averaged over samples, plus regularization) and the
// metrics over a dataset, in chunks of batch_size rows, without training.
struct EvalResult {
  double loss = 0;
  std::vector<double> metrics;
};
EvalResult evaluate(Network& net, const Dataset& data, size_t batch_size);

}  // namespace simdnn
