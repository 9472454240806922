#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace simdnn {
namespace {

void gather(const Dataset& d, const uint32_t* idx, size_t rows, EpochState& st) {
  st.bx.resize(rows * d.x_cols);
  st.by.resize(rows * d.y_cols);
  if (d.has_weights) st.bw.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    const size_t i = idx[r];
    std::memcpy(st.bx.data() + r * d.x_cols, d.x.data() + i * d.x_cols, d.x_cols * sizeof(float));
    std::memcpy(st.by.data() + r * d.y_cols, d.y.data() + i * d.y_cols, d.y_cols * sizeof(float));
    if (d.has_weights) st.bw.data()[r] = d.w.data()[i];
  }
}

}  // namespace

void begin_epoch(Network& net, const Dataset& data, size_t batch_size, bool shuffle, EpochState& st) {
  st.order.resize(data.n);
  if (shuffle)
    net.rng().permutation(st.order.data(), data.n);
  else
    for (size_t i = 0; i < data.n; ++i) st.order[i] = (uint32_t)i;
  st.batch_size = std::max<size_t>(1, std::min(batch_size, data.n));
  st.batches = (data.n + st.batch_size - 1) / st.batch_size;
  st.loss_sum = 0;
  st.batches_done = 0;
  st.metrics = MetricSet(net.metric_kinds(), net.target_kind_of_loss());
  st.metrics.reset();
}

BatchRunResult run_batches(Network& net, const Dataset& data, EpochState& st, size_t first, size_t last,
                           const std::atomic<bool>* stop, const std::function<void(size_t, double)>& progress) {
  BatchRunResult res;
  last = std::min(last, st.batches);
  for (size_t b = first; b < last; ++b) {
    if (stop && stop->load(std::memory_order_relaxed)) {
      res.stopped = true;
      break;
    }
    const size_t start = b * st.batch_size;
    const size_t rows = std::min(st.batch_size, data.n - start);
    gather(data, st.order.data() + start, rows, st);
    double loss =
        net.forward_backward(st.bx.data(), st.by.data(), data.has_weights ? st.bw.data() : nullptr, rows, true, false);
    loss += net.regularization_loss();
    if (!std::isfinite(loss) || !net.gradients_finite()) {
      res.diverged = true;
      res.failed_batch = b;
      res.failed_loss = loss;
      break;
    }
    if (!net.apply_update_checked()) {
      // The update overflowed: the last finite weights stay, and we stop.
      res.diverged = true;
      res.failed_batch = b;
      res.failed_loss = loss;
      break;
    }
    // Training metrics use this batch's forward outputs (before the update, as Keras does).
    if (!net.metric_kinds().empty()) st.metrics.update(net.last_output(), st.by.data(), rows, net.output_size());
    st.loss_sum += loss;
    st.batches_done++;
    if (progress) progress(b, st.loss_sum / (double)st.batches_done);
  }
  return res;
}

EvalResult evaluate(Network& net, const Dataset& data, size_t batch_size) {
  EvalResult r;
  MetricSet metrics(net.metric_kinds(), net.target_kind_of_loss());
  metrics.reset();
  batch_size = std::max<size_t>(1, batch_size);
  AlignedBuffer grad;
  double total = 0;
  const Loss loss = net.effective_loss();
  const bool fused = loss != net.loss();
  for (size_t start = 0; start < data.n; start += batch_size) {
    const size_t rows = std::min(batch_size, data.n - start);
    const float* x = data.x.data() + start * data.x_cols;
    const float* y = data.y.data() + start * data.y_cols;
    const float* out = net.forward(x, rows, Pass::Eval);
    const float* loss_in = fused ? net.layer(net.num_layers() - 1).preactivation() : out;
    const double l = kernels().math.loss(loss, loss_in, y, data.has_weights ? data.w.data() + start : nullptr, nullptr,
                                         rows, net.output_size());
    total += l * (double)rows;
    metrics.update(out, y, rows, net.output_size());
  }
  r.loss = (data.n ? total / (double)data.n : 0.0) + net.regularization_loss();
  r.metrics = metrics.values();
  return r;
}

}  // namespace simdnn
