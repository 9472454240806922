#include "network.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/cache_blocking.h"
#include "core/ranges.h"
#include "core/threadpool.h"
#include "kernels/kernels.h"
#include "layers/norm.h"
#include "layers/pooling.h"
#include "layers/registry.h"

namespace simdnn {

namespace {
bool all_finite(const AlignedBuffer& b) {
  if (std::isfinite(kernels().basic.sum_squares(b.data(), b.size()))) return true;
  // The sum of squares overflows for large but finite values: look closer.
  const float* p = b.data();
  for (size_t i = 0; i < b.size(); ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}
}  // namespace

Network::Network(size_t input_size, const std::vector<LayerSpec>& specs, uint64_t seed)
    : input_size_(input_size), rng_(seed) {
  if (input_size == 0) throw std::invalid_argument("the input size must be at least 1");
  // Impossible sizes fail here, before anything is allocated: each weight is
  // held twice (value and gradient).
  size_t width = input_size, total = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    if ((specs[i].type == LayerType::Dense || specs[i].type == LayerType::Conv) && specs[i].units == 0)
      throw std::invalid_argument("layer " + std::to_string(i) + ": units must be at least 1");
    const size_t w = layer_weights(specs[i], width, i);
    if (specs[i].type == LayerType::Dense && specs[i].units && width > ((size_t)1 << 40) / specs[i].units)
      throw std::length_error("Expected a kernel of at most 2^40 weights for layer " + std::to_string(i) +
                              ", but received " + std::to_string(width) + " x " + std::to_string(specs[i].units));
    total = std::min<size_t>(total + w, (size_t)1 << 50);  // saturates, no overflow
    width = layer_output_width(specs[i], width, i);
    if (width == 0 || width > ((size_t)1 << 40))
      throw std::length_error("layer " + std::to_string(i) + ": the output of a sample is too large");
  }
  check_fits_in_memory(total * 2 * sizeof(float), "the weights and gradients of this model");
  width = input_size;
  for (size_t i = 0; i < specs.size(); ++i) {
    widths_.push_back(width);
    layers_.push_back(make_layer(specs[i], width, i, rng_));
    width = layers_.back()->output_size();
    if (!specs[i].trainable) layers_.back()->set_trainable(false);
  }
  specs_ = specs;
  for (auto& l : layers_) {
    const std::vector<Param*> ps = l->params();
    // A kernel [in, out] (dense) or [taps x in, filters] (conv) makes each of
    // the layer's outputs a sum over one of its columns.
    if (!ps.empty() && ps[0]->cols > 0)
      macs_per_row_ += (double)ps[0]->value().size() * (double)(l->output_size() / ps[0]->cols);
    for (Param* p : l->params()) params_.push_back(p);
    for (Param* p : l->params()) weights_.push_back(p);
    for (Param* p : l->state()) weights_.push_back(p);
  }
  for (size_t i = 0; i + 1 < specs.size(); ++i)
    if ((specs[i].type == LayerType::Dense || specs[i].type == LayerType::Conv) && specs[i].act == Act::Linear &&
        specs[i + 1].type == LayerType::BatchNorm)
      folds_.push_back(Fold{i, nullptr});
  // A ReLU conv followed by max pooling: the pooling's backward applies the
  // ReLU's derivative at its argmax cells (the only cells its gradient
  // reaches), which saves a pass over the conv's whole output.
  relu_in_next_.assign(layers_.size(), false);
  for (size_t i = 0; i + 1 < specs.size(); ++i)
    if (specs[i].type == LayerType::Conv && specs[i].act == Act::Relu &&
        (specs[i + 1].type == LayerType::MaxPool || specs[i + 1].type == LayerType::GlobalMaxPool)) {
      static_cast<Pool&>(*layers_[i + 1]).set_relu_input(true);
      relu_in_next_[i] = true;
    }
  inputs_.assign(layers_.size(), nullptr);
  grads_.resize(layers_.size());
}

namespace {
Loss fused_form(Loss loss, Act out_act) {
  if (out_act == Act::Softmax) {
    if (loss == Loss::CategoricalCrossentropy) return Loss::CategoricalCrossentropyFromLogits;
    if (loss == Loss::SparseCategoricalCrossentropy) return Loss::SparseCategoricalCrossentropyFromLogits;
  }
  if (out_act == Act::Sigmoid && loss == Loss::BinaryCrossentropy) return Loss::BinaryCrossentropyFromLogits;
  return loss;
}
}  // namespace

void Network::compile(Loss loss, const OptimizerConfig& opt, std::vector<Metric> metrics) {
  size_t total = 0;
  for (Param* p : params_) total += p->value().size();
  const size_t slots = opt.kind == OptimizerKind::Sgd ? (opt.momentum > 0 ? 1 : 0)
                       : opt.kind == OptimizerKind::Adam || opt.kind == OptimizerKind::AdamW ? (opt.amsgrad ? 3 : 2)
                                                                                             : 1;
  check_fits_in_memory(bytes() + total * slots * sizeof(float), "the weights and optimizer state of this model");
  auto optimizer = std::make_unique<Optimizer>(opt);
  for (Param* p : params_) optimizer->add_param(p->value().size());
  loss_ = loss;
  const Act out_act = layers_.empty() ? Act::Linear : layers_.back()->output_activation();
  effective_loss_ = fused_form(loss, out_act);
  optimizer_ = std::move(optimizer);
  metric_kinds_ = std::move(metrics);
  regs_.clear();
  w_ptrs_.clear();
  g_ptrs_.clear();
  for (Param* p : params_) {
    regs_.push_back({p->l1, p->l2});
    w_ptrs_.push_back(p->mutable_value().data());
    g_ptrs_.push_back(p->grad.data());
  }
}

void Network::set_trainable(size_t layer, bool trainable) {
  if (layer >= layers_.size()) throw std::out_of_range("layer " + std::to_string(layer) + " does not exist");
  layers_[layer]->set_trainable(trainable);
  specs_[layer].trainable = trainable;
}

// y = BN(x·W + b) = x·(W·s) + (b·s + t) with BN's inference transform
// y = z·s + t per channel: the folded layer is a copy of the dense or conv
// layer with its kernel's columns (the last axis, the channels) scaled.
const std::vector<Layer*>& Network::predict_layers() {
  predict_layers_.clear();
  size_t f = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (!fold_enabled_ || f >= folds_.size() || folds_[f].layer != i) {
      predict_layers_.push_back(layers_[i].get());
      continue;
    }
    Fold& fold = folds_[f++];
    auto* bn = static_cast<BatchNorm*>(layers_[i + 1].get());
    std::vector<Param*> src = layers_[i]->params();  // kernel, bias?
    uint64_t version = bn->inference_version();
    for (const Param* p : src) version += p->version();
    if (!fold.folded) {
      LayerSpec s = specs_[i];
      s.use_bias = true;
      s.kernel_init = s.bias_init = InitSpec{Init::Zeros, 0, 0};
      s.kernel_reg = s.bias_reg = Regularizer{};
      Rng scratch(0);
      fold.folded = make_layer(s, widths_[i], i, scratch);
    }
    if (fold.version != version) {
      const size_t c = bn->channels();
      AlignedBuffer a(c), t(c);
      bn->inference_affine(a.data(), t.data());
      std::vector<Param*> dst = fold.folded->params();
      const float* k = src[0]->value().data();
      float* kf = dst[0]->mutable_value().data();
      const size_t n = src[0]->value().size();
      for (size_t j = 0; j < n; ++j) kf[j] = k[j] * a.data()[j % c];
      float* bf = dst[1]->mutable_value().data();
      for (size_t j = 0; j < c; ++j) {
        const float b = src.size() > 1 ? src[1]->value().data()[j] : 0.f;
        bf[j] = b * a.data()[j] + t.data()[j];
      }
      fold.version = version;
    }
    predict_layers_.push_back(fold.folded.get());
    ++i;  // the batch normalization is in the folded layer
  }
  return predict_layers_;
}

const float* Network::forward(const float* x, size_t rows, Pass pass) {
  const float* a = x;
  if (pass == Pass::Predict && !folds_.empty() && fold_enabled_) {
    for (Layer* l : predict_layers()) a = l->forward(a, rows, pass, rng_);
    last_output_ = a;
    return a;
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    inputs_[i] = a;
    a = layers_[i]->forward(a, rows, pass, rng_);
  }
  last_output_ = a;
  return a;
}

// Prediction by blocks of rows. Layer by layer, each product is split over
// the threads and every layer ends on a barrier, so the threads wait for the
// slower one three times per call, and a small last layer (10 classes) and
// its softmax run on one thread. Blocks of rows go through the whole stack
// instead, one block per thread at a time, first come first served: no
// barrier until the end, every layer in parallel, and a block's activations
// stay in its core's caches. Each block reads all the weights again, so this
// pays only while they stay in the L3 cache and the blocks are not too
// small. Measured on 784-256-128-10, 2 threads, in one process, in turn with
// layer by layer: batch 256 +8-15% with blocks of 18 to 48 rows; blocks of 36
// rows +3% at batch 64, +8% at 128, +9% at 1024; blocks of 6 and 12 rows
// lost 14-32% at batches 32 to 128 (24 rows: -17% to +5%). Hence 36 rows,
// and at least two blocks.
namespace {
constexpr size_t kPredictBlockRows = 36;                           // rounded up to a multiple of the kernels' MR
constexpr double kMinBlockedFlops = 4e6;                           // whole-forward multiply-adds x 2
constexpr size_t kMaxBlockedWeights = (4u << 20) / sizeof(float);  // 4 MiB of weights
// A layer whose output row is wider than this many floats (a conv layer's
// feature maps) makes the layers up to the next narrow output a "wide
// prefix": predict runs it on sub-blocks of a few rows, sized so that the two
// widest activations of a sub-block stay in half the L2 cache, and only its
// narrow output goes into the row block the later (dense) layers take.
constexpr size_t kWideRow = 2048;
// Below this many multiply-adds (all layers, all rows) an unblocked predict
// runs on one thread. Measured on a 2-core Zen 5 with a batch of one sample
// of the benchmark CNN (2.6 M multiply-adds): with two threads every layer
// that splits its work was slower or no faster than on one (max pooling 2.1
// -> 5.3 us, dense 1600x128 9.7 -> 11.8 us, the Winograd conv 16.2 -> 15.9
// us): waking the helper and waiting for it cost more than half the work.
constexpr double kMinParallelPredictMacs = 8e6;
}  // namespace

size_t Network::wide_prefix(const std::vector<Layer*>& seq) const {
  size_t last_wide = 0;  // one past the last layer with a wide output
  for (size_t i = 0; i < seq.size(); ++i)
    if (seq[i]->output_size() > kWideRow) last_wide = i + 1;
  // The prefix ends with the first narrow output after the last wide one
  // (none when the network ends wide: then it has no narrow stage).
  return last_wide == 0 || last_wide >= seq.size() ? 0 : last_wide + 1;
}

bool Network::predict(const float* x, size_t rows, float* dst) {
  const size_t n_in = rows * input_size_, n_out = rows * output_size();
  const size_t threads = num_threads();
  const size_t mr = kernels().gemm.mr;
  const size_t block = (kPredictBlockRows + mr - 1) / mr * mr;
  const std::vector<Layer*>* seqp = nullptr;
  size_t prefix = 0;
  bool blocked = rows >= 2 * block && !floats_overlap(x, n_in, dst, n_out);
  if (blocked) {
    seqp = &predict_layers();
    prefix = wide_prefix(*seqp);
    size_t weights = 0;  // a dense layer's multiply-adds per row: about its weights
    for (const Param* p : params_) weights += p->value().size();
    // One thread gains from blocks only when wide activations would otherwise
    // leave the caches between layers.
    blocked = (threads > 1 || prefix > 0) && 2.0 * (double)weights * (double)rows >= kMinBlockedFlops &&
              weights <= kMaxBlockedWeights;
  }
  if (!blocked) {
    // A forward pass this small runs on the calling thread alone.
    std::optional<SerialScope> serial;
    if ((double)rows * macs_per_row_ < kMinParallelPredictMacs) serial.emplace();
    const float* y = forward(x, rows, Pass::Predict);
    if (n_out) std::memmove(dst, y, n_out * sizeof(float));  // y is x when every layer is the identity
    return false;
  }
  last_output_ = nullptr;
  const std::vector<Layer*>& seq = *seqp;
  // Widths: of the wide prefix's layers (sub-block buffers) and of the rest
  // (row-block buffers; the prefix's output lands there too).
  size_t wide_width = input_size_, width = prefix > 0 ? seq[prefix - 1]->output_size() : 0;
  for (size_t i = 0; i < seq.size(); ++i) {
    seq[i]->prepare_predict(block);
    if (i < prefix)
      wide_width = std::max(wide_width, seq[i]->output_size());
    else
      width = std::max(width, seq[i]->output_size());
  }
  size_t sub = block;
  if (prefix > 0) {
    const size_t budget = machine_caches().l2 / 2 / sizeof(float);
    sub = std::max<size_t>(1, std::min(block, budget / (2 * wide_width)));
  }
  const size_t blocks = (rows + block - 1) / block;
  const size_t nt = std::min(threads, blocks);
  const size_t per_thread = 2 * block * width + (prefix > 0 ? 2 * sub * wide_width : 0);
  predict_scratch_.resize(nt * per_thread);
  const size_t outputs = output_size();
  std::atomic<size_t> next{0};
  auto run = [&](size_t tid, size_t) {
    float* const mine = predict_scratch_.data() + tid * per_thread;
    float* const buf[2] = {mine, mine + block * width};
    float* const sbuf[2] = {mine + 2 * block * width, mine + 2 * block * width + sub * wide_width};
    for (size_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1)) {
      const size_t r0 = b * block, n = std::min(block, rows - r0);
      float* out = dst + r0 * outputs;
      const float* a = x + r0 * input_size_;
      size_t i = 0;
      if (prefix > 0) {
        // The wide prefix, a few rows at a time, into buf[0].
        const size_t mid = seq[prefix - 1]->output_size();
        float* gathered = prefix == seq.size() ? out : buf[0];
        for (size_t s0 = 0; s0 < n; s0 += sub) {
          const size_t m = std::min(sub, n - s0);
          const float* sa = a + s0 * input_size_;
          for (size_t j = 0; j < prefix; ++j) {
            float* y = j + 1 == prefix ? gathered + s0 * mid : sa == sbuf[0] ? sbuf[1] : sbuf[0];
            sa = seq[j]->predict_rows(sa, m, y);
          }
          if (sa != gathered + s0 * mid) std::memcpy(gathered + s0 * mid, sa, m * mid * sizeof(float));
        }
        a = gathered;
        i = prefix;
      }
      for (; i < seq.size(); ++i) {
        float* y = i + 1 == seq.size() ? out : a == buf[0] ? buf[1] : buf[0];
        a = seq[i]->predict_rows(a, n, y);
      }
      if (a != out) std::memcpy(out, a, n * outputs * sizeof(float));  // the last layers are identities
    }
  };
  if (nt <= 1)
    run(0, 1);
  else
    parallel_run(nt, run);
  return true;
}

double Network::forward_backward(const float* x, const float* y, const float* sample_weight, size_t rows, bool training,
                                 bool include_regularization) {
  if (layers_.empty()) throw std::invalid_argument("the model has no layers");
  const float* out = forward(x, rows, training ? Pass::Train : Pass::Eval);
  const size_t cols = output_size();
  out_grad_.resize(rows * cols);
  const bool fused = effective_loss_ != loss_;
  const float* loss_input = fused ? layers_.back()->preactivation() : out;
  const double loss = kernels().math.loss(effective_loss_, loss_input, y, sample_weight, out_grad_.data(), rows, cols);
  // Backward through the layers, the last one from the logits when fused.
  float* dy = out_grad_.data();
  for (size_t i = layers_.size(); i-- > 0;) {
    Layer& l = *layers_[i];
    float* dx = nullptr;
    if (i > 0) {
      grads_[i].resize(rows * l.input_size());
      dx = grads_[i].data();
    }
    l.backward(inputs_[i], dy, dx, rows, (fused && i + 1 == layers_.size()) || relu_in_next_[i]);
    dy = dx;
  }
  if (include_regularization)
    for (Param* p : params_) {
      if (p->l1 == 0.f && p->l2 == 0.f) continue;
      float* g = p->grad.data();
      const float* w = p->value().data();
      for (size_t i = 0; i < p->value().size(); ++i) {
        const float s = w[i] > 0.f ? 1.f : (w[i] < 0.f ? -1.f : 0.f);
        g[i] += p->l1 * s + 2.f * p->l2 * w[i];
      }
    }
  return loss;
}

double Network::regularization_loss() const {
  double total = 0;
  for (const Param* p : params_)
    if (p->l1 != 0.f || p->l2 != 0.f)
      total += simdnn::regularization_loss(kernels(), p->value().data(), p->value().size(), {p->l1, p->l2});
  return total;
}

void Network::apply_update() {
  if (!optimizer_) throw std::logic_error("the model is not compiled");
  for (size_t i = 0; i < params_.size(); ++i) {
    w_ptrs_[i] = params_[i]->frozen ? const_cast<float*>(params_[i]->value().data())
                                    : params_[i]->mutable_value().data();  // may have moved
    optimizer_->set_frozen(i, params_[i]->frozen);
  }
  optimizer_->step(w_ptrs_.data(), g_ptrs_.data(), regs_.data());
}

bool Network::gradients_finite() const {
  for (const Param* p : params_)
    if (!all_finite(p->grad)) return false;
  return true;
}

bool Network::weights_finite() const {
  for (const Param* p : params_)
    if (!all_finite(p->value())) return false;
  return true;
}

void Network::backup_weights() {
  backup_.resize(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    backup_[i].resize(params_[i]->value().size());
    std::memcpy(backup_[i].data(), params_[i]->value().data(), params_[i]->value().size() * sizeof(float));
  }
}

bool Network::apply_update_checked() {
  if (!optimizer_) throw std::logic_error("the model is not compiled");
  spare_.resize(params_.size());
  spare_ptrs_.resize(params_.size());
  // A frozen tensor is not written: it keeps its buffer (and version).
  for (size_t i = 0; i < params_.size(); ++i) {
    const bool frozen = params_[i]->frozen;
    optimizer_->set_frozen(i, frozen);
    spare_[i].resize(frozen ? 0 : params_[i]->value().size());
    spare_ptrs_[i] = frozen ? const_cast<float*>(params_[i]->value().data()) : spare_[i].data();
    w_ptrs_[i] = const_cast<float*>(params_[i]->value().data());
  }
  optimizer_->step(w_ptrs_.data(), spare_ptrs_.data(), g_ptrs_.data(), regs_.data());
  for (size_t i = 0; i < params_.size(); ++i)
    if (!params_[i]->frozen && !all_finite(spare_[i])) return false;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i]->frozen) continue;
    std::swap(params_[i]->mutable_value(), spare_[i]);
    w_ptrs_[i] = params_[i]->mutable_value().data();
  }
  return true;
}

void Network::restore_weights() {
  for (size_t i = 0; i < params_.size() && i < backup_.size(); ++i)
    std::memcpy(params_[i]->mutable_value().data(), backup_[i].data(), backup_[i].size() * sizeof(float));
}

size_t Network::bytes() const {
  size_t b = 0;
  for (const auto& l : layers_) b += l->workspace_bytes();
  for (const Param* p : weights_) b += p->value().bytes() + p->grad.bytes();
  for (const Fold& f : folds_)
    if (f.folded) {
      b += f.folded->workspace_bytes();
      for (const Param* p : f.folded->params()) b += p->value().bytes() + p->grad.bytes();
    }
  for (const auto& g : grads_) b += g.bytes();
  for (const auto& g : backup_) b += g.bytes();
  for (const auto& g : spare_) b += g.bytes();
  b += out_grad_.bytes() + predict_scratch_.bytes();
  if (optimizer_) b += optimizer_->state_bytes();
  return b;
}

}  // namespace simdnn
