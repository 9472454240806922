#include "model.h"

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "dataset.h"
#include "model_spec.h"

namespace simdnn {
namespace napi {
namespace {

Napi::Float32Array to_js(Napi::Env env, const float* data, size_t n) {
  Napi::Float32Array out = new_f32(env, n);
  if (n) std::memcpy(out.Data(), data, n * sizeof(float));
  return out;
}

Napi::Array to_js(Napi::Env env, const std::vector<double>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (uint32_t i = 0; i < v.size(); ++i) a.Set(i, v[i]);
  return a;
}

const char* kBusy = " while another job (fit, predictAsync or evaluateAsync) is running on this model";

// A dataset must match the network it is used with: the kernels read
// x_cols == input size values per row and the loss y_cols == target size.
std::string dataset_mismatch(Network& net, const Dataset& d) {
  const size_t ycols = net.target_kind_of_loss() == TargetKind::Sparse ? 1 : net.output_size();
  if (d.x_cols != net.input_size() || d.y_cols != ycols)
    return "Expected a dataset with " + std::to_string(net.input_size()) + " input columns and " +
           std::to_string(ycols) + " target columns (this model's sizes), but received one with " +
           std::to_string(d.x_cols) + " and " + std::to_string(d.y_cols);
  return "";
}

// Base for the model's async jobs: keeps the model (and a dataset) alive,
// resolves or rejects a promise, and reports memory changes at the end.
template <typename Base>
class ModelJob : public Base {
 public:
  ModelJob(Napi::Env env, ModelWrap* model, Napi::Object model_obj)
      : Base(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_(model),
        model_ref_(Napi::Persistent(model_obj)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void keep(Napi::Object o) { keep_ = Napi::Persistent(o); }
  void OnError(const Napi::Error& e) override {
    model_->report_memory(this->Env());
    deferred_.Reject(failure_value(this->Env(), failure_, e));
  }

 protected:
  // Runs fn on the worker thread; a failure rejects the promise with the JS error class of guarded().
  template <typename F>
  void run(F&& fn) {
    if (!capture_failure(failure_, fn)) this->SetError(failure_.message);
  }
  AsyncFailure failure_;
  Napi::Promise::Deferred deferred_;
  ModelWrap* model_;
  Napi::ObjectReference model_ref_, keep_;
};

class PredictJob : public ModelJob<Napi::AsyncWorker> {
 public:
  PredictJob(Napi::Env env, ModelWrap* m, Napi::Object obj, const float* x, size_t rows)
      : ModelJob(env, m, obj), x_(x, x + rows * m->net().input_size()), rows_(rows) {}
  void Execute() override {
    run([&] {
      std::lock_guard<std::mutex> lk(model_->mutex());
      out_.resize(rows_ * model_->net().output_size());
      model_->net().predict(x_.data(), rows_, out_.data());
    });
  }
  void OnOK() override {
    model_->report_memory(Env());
    try {
      deferred_.Resolve(to_js(Env(), out_.data(), out_.size()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

 private:
  std::vector<float> x_, out_;
  size_t rows_;
};

class EvaluateJob : public ModelJob<Napi::AsyncWorker> {
 public:
  EvaluateJob(Napi::Env env, ModelWrap* m, Napi::Object obj, const Dataset* d, size_t batch)
      : ModelJob(env, m, obj), data_(d), batch_(batch) {}
  void Execute() override {
    run([&] {
      std::lock_guard<std::mutex> lk(model_->mutex());
      result_ = evaluate(model_->net(), *data_, batch_);
    });
  }
  void OnOK() override {
    model_->report_memory(Env());
    Napi::Object o = Napi::Object::New(Env());
    o.Set("loss", result_.loss);
    o.Set("metrics", to_js(Env(), result_.metrics));
    deferred_.Resolve(o);
  }

 private:
  const Dataset* data_;
  size_t batch_;
  EvalResult result_;
};

struct Progress {
  size_t batch;
  double mean_loss;
};

class TrainJob : public ModelJob<Napi::AsyncProgressWorker<Progress>> {
 public:
  TrainJob(Napi::Env env, ModelWrap* m, Napi::Object obj, const Dataset* d, size_t first, size_t last,
           Napi::Function progress_cb)
      : ModelJob(env, m, obj), data_(d), first_(first), last_(last) {
    if (!progress_cb.IsEmpty()) progress_ = Napi::Persistent(progress_cb);
  }
  void Execute(const ExecutionProgress& progress) override {
    run([&] { train(progress); });
  }
  void train(const ExecutionProgress& progress) {
    std::lock_guard<std::mutex> lk(model_->mutex());
    // Checked again under the lock: a synchronous beginEpoch with another
    // dataset may have run between runBatches and this job.
    const std::string bad = dataset_mismatch(model_->net(), *data_);
    if (!bad.empty()) throw std::invalid_argument(bad);
    if (model_->epoch_data() != data_ || model_->epoch().order.size() != data_->n)
      throw std::invalid_argument("beginEpoch must be called with this dataset before runBatches");
    using clock = std::chrono::steady_clock;
    auto last_sent = clock::now();
    const bool want = !progress_.IsEmpty();
    result_ = run_batches(model_->net(), *data_, model_->epoch(), first_, last_, &model_->stop_flag(),
                          [&](size_t b, double mean) {
                            if (!want) return;
                            // At most ~20 updates a second reach JavaScript.
                            auto now = clock::now();
                            if (now - last_sent >= std::chrono::milliseconds(50) || b + 1 == last_) {
                              last_sent = now;
                              Progress p{b, mean};
                              progress.Send(&p, 1);
                            }
                          });
  }
  void OnProgress(const Progress* p, size_t count) override {
    if (!count || progress_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    progress_.Call(
        {Napi::Number::New(Env(), (double)p[count - 1].batch), Napi::Number::New(Env(), p[count - 1].mean_loss)});
  }
  void OnOK() override {
    model_->report_memory(Env());
    Napi::Object o = Napi::Object::New(Env());
    o.Set("diverged", result_.diverged);
    o.Set("failedBatch", (double)result_.failed_batch);
    o.Set("failedLoss", result_.failed_loss);
    o.Set("stopped", result_.stopped);
    deferred_.Resolve(o);
  }

 private:
  const Dataset* data_;
  size_t first_, last_;
  Napi::FunctionReference progress_;
  BatchRunResult result_;
};

}  // namespace

void ModelWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "Model",
                                    {
                                        InstanceMethod<&ModelWrap::Compile>("compile"),
                                        InstanceMethod<&ModelWrap::GetWeights>("getWeights"),
                                        InstanceMethod<&ModelWrap::SetWeights>("setWeights"),
                                        InstanceMethod<&ModelWrap::Predict>("predict"),
                                        InstanceMethod<&ModelWrap::PredictAsync>("predictAsync"),
                                        InstanceMethod<&ModelWrap::ComputeGradients>("computeGradients"),
                                        InstanceMethod<&ModelWrap::Evaluate>("evaluate"),
                                        InstanceMethod<&ModelWrap::EvaluateAsync>("evaluateAsync"),
                                        InstanceMethod<&ModelWrap::BeginEpoch>("beginEpoch"),
                                        InstanceMethod<&ModelWrap::RunBatches>("runBatches"),
                                        InstanceMethod<&ModelWrap::EpochSummary>("epochSummary"),
                                        InstanceMethod<&ModelWrap::RequestStop>("requestStop"),
                                        InstanceMethod<&ModelWrap::GetLearningRate>("getLearningRate"),
                                        InstanceMethod<&ModelWrap::SetLearningRate>("setLearningRate"),
                                        InstanceMethod<&ModelWrap::GetOptimizerState>("getOptimizerState"),
                                        InstanceMethod<&ModelWrap::SetOptimizerState>("setOptimizerState"),
                                        InstanceMethod<&ModelWrap::Bytes>("bytes"),
                                        InstanceMethod<&ModelWrap::GetRngState>("getRngState"),
                                        InstanceMethod<&ModelWrap::SetRngState>("setRngState"),
                                        InstanceMethod<&ModelWrap::Reseed>("reseed"),
                                        InstanceMethod<&ModelWrap::SetTrainable>("setTrainable"),
                                        InstanceMethod<&ModelWrap::SetFoldBatchNorm>("setFoldBatchNorm"),
                                    });
  instance_data(env).model_ctor = Napi::Persistent(ctor);
  exports.Set("Model", ctor);
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info), env_(info.Env()) {
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "Expected a model spec");
  ModelSpec spec = parse_model_spec(info[0].As<Napi::Object>());
  net_ = guarded(info.Env(), [&] { return std::make_unique<Network>(spec.input_size, spec.layers, spec.seed); });
  report_memory(info.Env());
}

ModelWrap::~ModelWrap() {
  if (reported_) napi_adjust_external_memory(env_, -reported_, nullptr);
}

void ModelWrap::report_memory(Napi::Env env) {
  int64_t now = (int64_t)(net_ ? net_->bytes() : 0);
  if (now != reported_) {
    Napi::MemoryManagement::AdjustExternalMemory(env, now - reported_);
    reported_ = now;
  }
}

void ModelWrap::check_dataset(Napi::Env env, const Dataset& d) {
  const std::string bad = dataset_mismatch(*net_, d);
  if (!bad.empty()) throw Napi::RangeError::New(env, bad);
}

std::unique_lock<std::mutex> ModelWrap::lock_or_throw(Napi::Env env, const char* what) {
  std::unique_lock<std::mutex> lk(mu_, std::try_to_lock);
  if (!lk.owns_lock()) throw Napi::Error::New(env, std::string("Cannot ") + what + kBusy);
  return lk;
}

Napi::Value ModelWrap::Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto lk = lock_or_throw(env, "compile the model");
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "Expected compile options");
  Napi::Object o = info[0].As<Napi::Object>();
  Napi::Value lv = o.Get("loss");
  if (!lv.IsNumber()) throw Napi::TypeError::New(env, "Expected a loss id");
  int loss = lv.As<Napi::Number>().Int32Value();
  if (loss < 0 || loss > (int)Loss::SparseCategoricalCrossentropy) throw Napi::RangeError::New(env, "Unknown loss id");
  std::vector<Metric> metrics;
  Napi::Value mv = o.Get("metrics");
  if (mv.IsArray()) {
    Napi::Array a = mv.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value item = a.Get(i);
      if (!item.IsNumber()) throw Napi::TypeError::New(env, "Expected a metric id");
      int m = item.As<Napi::Number>().Int32Value();
      if (m < 0 || m > (int)Metric::Mae) throw Napi::RangeError::New(env, "Unknown metric id");
      metrics.push_back((Metric)m);
    }
  }
  Napi::Value ov = o.Get("optimizer");
  if (!ov.IsObject()) throw Napi::TypeError::New(env, "Expected optimizer options");
  OptimizerConfig cfg = parse_optimizer(ov.As<Napi::Object>());
  guarded(env, [&] {
    net_->compile((Loss)loss, cfg, metrics);
    return 0;
  });
  lk.unlock();
  report_memory(env);
  return env.Undefined();
}

Napi::Value ModelWrap::GetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto lk = lock_or_throw(env, "read the weights");
  const auto& params = net_->weights();
  Napi::Array out = Napi::Array::New(env, params.size());
  for (uint32_t i = 0; i < params.size(); ++i)
    out.Set(i, to_js(env, params[i]->value().data(), params[i]->value().size()));
  return out;
}

Napi::Value ModelWrap::SetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto lk = lock_or_throw(env, "set the weights");
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "Expected an array of Float32Arrays");
  Napi::Array a = info[0].As<Napi::Array>();
  const auto& params = net_->weights();
  if (a.Length() != params.size()) throw Napi::RangeError::New(env, "Expected one array per weight tensor");
  // Check everything before copying anything: no half-updated model. Each
  // element is read once (a getter could return another array the second time).
  std::vector<Napi::Float32Array> arrays;
  for (uint32_t i = 0; i < params.size(); ++i) {
    Napi::Value v = a.Get(i);
    if (!is_f32(v) || v.As<Napi::Float32Array>().ElementLength() != params[i]->value().size())
      throw Napi::RangeError::New(env, "Expected weight " + std::to_string(i) + " to be a Float32Array of length " +
                                           std::to_string(params[i]->value().size()));
    arrays.push_back(v.As<Napi::Float32Array>());
  }
  for (uint32_t i = 0; i < params.size(); ++i)
    if (params[i]->value().size())
      std::memcpy(params[i]->mutable_value().data(), arrays[i].Data(), params[i]->value().size() * sizeof(float));
  return env.Undefined();
}

// predict(x, rows[, out]): synchronous, no thread dispatch for tiny batches
// (the GEMM decides), internal buffers reused between calls.
Napi::Value ModelWrap::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32View x = get_f32_view(info, 0, "x");
  const size_t rows = get_size(info, 1, "rows");
  if (x.length != checked_mul(env, rows, net_->input_size(), "the input size"))
    throw Napi::RangeError::New(env, "Expected x to hold rows * inputSize values");
  auto lk = lock_or_throw(env, "predict");
  const size_t n = checked_mul(env, rows, net_->output_size(), "the output size");
  // The outputs go to `out` when given (it may share x's storage: the network
  // then predicts layer by layer, x read in full by the first layer before the
  // copy at the end), else to a new array.
  const bool given = info.Length() > 2 && !info[2].IsUndefined();
  const F32View out = given ? get_f32_view(info, 2, "out") : F32View{nullptr, 0};
  if (given && out.length != n) throw Napi::RangeError::New(env, "Expected out to hold rows * outputSize values");
  Napi::Float32Array fresh = given ? Napi::Float32Array() : new_f32(env, n);
  float* dst = given ? out.data : fresh.Data();
  guarded(env, [&] {
    net_->predict(x.data, rows, dst);
    return 0;
  });
  lk.unlock();
  report_memory(env);
  return given ? info[2] : fresh;
}

Napi::Value ModelWrap::PredictAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = get_f32(info, 0, "x");
  const size_t rows = get_size(info, 1, "rows");
  if (x.ElementLength() != checked_mul(env, rows, net_->input_size(), "the input size"))
    throw Napi::RangeError::New(env, "Expected x to hold rows * inputSize values");
  auto* job = guarded(env, [&] { return new PredictJob(env, this, info.This().As<Napi::Object>(), x.Data(), rows); });
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// computeGradients(x, y, weights | null, rows) -> { loss, grads }
Napi::Value ModelWrap::ComputeGradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = get_f32(info, 0, "x"), y = get_f32(info, 1, "y");
  const size_t rows = get_size(info, 3, "rows");
  if (!net_->compiled()) throw Napi::Error::New(env, "The model must be compiled before computeGradients");
  const size_t ycols = net_->target_kind_of_loss() == TargetKind::Sparse ? 1 : net_->output_size();
  if (x.ElementLength() != checked_mul(env, rows, net_->input_size(), "the input size"))
    throw Napi::RangeError::New(env, "Expected x to hold rows * inputSize values");
  if (y.ElementLength() != checked_mul(env, rows, ycols, "the target size"))
    throw Napi::RangeError::New(env, "Expected y to hold rows * targetSize values");
  const float* w = nullptr;
  if (info.Length() > 2 && is_f32(info[2])) {
    if (info[2].As<Napi::Float32Array>().ElementLength() != rows)
      throw Napi::RangeError::New(env, "Expected one weight per sample");
    w = info[2].As<Napi::Float32Array>().Data();
  }
  auto lk = lock_or_throw(env, "compute gradients");
  // training: a training-mode pass (dropout on, batch normalization with the
  // batch's statistics, updating its moving ones), as Keras's training=True.
  const bool training = info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  double loss = guarded(env, [&] {
    return net_->forward_backward(x.Data(), y.Data(), w, rows, training, true) + net_->regularization_loss();
  });
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", loss);
  // One gradient per getWeights tensor (zeros for the moving statistics).
  const auto& params = net_->weights();
  Napi::Array grads = Napi::Array::New(env, params.size());
  for (uint32_t i = 0; i < params.size(); ++i) grads.Set(i, to_js(env, params[i]->grad.data(), params[i]->grad.size()));
  o.Set("grads", grads);
  lk.unlock();
  report_memory(env);
  return o;
}

Napi::Value ModelWrap::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DatasetWrap* d = DatasetWrap::From(info[0], "data");
  const size_t batch = get_size(info, 1, "batchSize");
  if (!net_->compiled()) throw Napi::Error::New(env, "The model must be compiled before evaluate");
  check_dataset(env, d->data());
  auto lk = lock_or_throw(env, "evaluate");
  EvalResult r = guarded(env, [&] { return evaluate(*net_, d->data(), batch); });
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", r.loss);
  o.Set("metrics", to_js(env, r.metrics));
  lk.unlock();
  report_memory(env);
  return o;
}

Napi::Value ModelWrap::EvaluateAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DatasetWrap* d = DatasetWrap::From(info[0], "data");
  const size_t batch = get_size(info, 1, "batchSize");
  if (!net_->compiled()) throw Napi::Error::New(env, "The model must be compiled before evaluate");
  check_dataset(env, d->data());
  auto* job = new EvaluateJob(env, this, info.This().As<Napi::Object>(), &d->data(), batch);
  job->keep(info[0].As<Napi::Object>());
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// beginEpoch(data, batchSize, shuffle) -> number of batches
Napi::Value ModelWrap::BeginEpoch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DatasetWrap* d = DatasetWrap::From(info[0], "data");
  const size_t batch = get_size(info, 1, "batchSize");
  const bool shuffle = get_bool(info, 2, "shuffle");
  if (!net_->compiled()) throw Napi::Error::New(env, "The model must be compiled before fit");
  check_dataset(env, d->data());
  auto lk = lock_or_throw(env, "start an epoch");
  stop_.store(false);
  epoch_data_ = nullptr;
  guarded(env, [&] {
    begin_epoch(*net_, d->data(), batch, shuffle, epoch_);
    return 0;
  });
  epoch_data_ = &d->data();
  return Napi::Number::New(env, (double)epoch_.batches);
}

// runBatches(data, first, last, onProgress | null) -> Promise<{ diverged, failedBatch, failedLoss, stopped }>
Napi::Value ModelWrap::RunBatches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DatasetWrap* d = DatasetWrap::From(info[0], "data");
  const size_t first = get_size(info, 1, "first"), last = get_size(info, 2, "last");
  if (epoch_data_ != &d->data() || epoch_.order.size() != d->data().n)
    throw Napi::Error::New(env, "beginEpoch must be called with this dataset before runBatches");
  Napi::Function cb;
  if (info.Length() > 3 && info[3].IsFunction()) cb = info[3].As<Napi::Function>();
  auto* job = new TrainJob(env, this, info.This().As<Napi::Object>(), &d->data(), first, last, cb);
  job->keep(info[0].As<Napi::Object>());
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

Napi::Value ModelWrap::EpochSummary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto lk = lock_or_throw(env, "read the epoch summary");
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", epoch_.batches_done ? epoch_.loss_sum / (double)epoch_.batches_done : 0.0);
  o.Set("batchesDone", (double)epoch_.batches_done);
  o.Set("batches", (double)epoch_.batches);
  o.Set("metrics", to_js(env, epoch_.metrics.values()));
  return o;
}

Napi::Value ModelWrap::RequestStop(const Napi::CallbackInfo& info) {
  stop_.store(true);
  return info.Env().Undefined();
}

Napi::Value ModelWrap::GetLearningRate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!net_->compiled()) return env.Undefined();
  auto lk = lock_or_throw(env, "read the learning rate");
  Napi::Object o = Napi::Object::New(env);
  o.Set("base", net_->optimizer().learning_rate());
  o.Set("current", net_->optimizer().learning_rate_at_step());
  o.Set("iterations", (double)net_->optimizer().iterations());
  return o;
}

Napi::Value ModelWrap::SetLearningRate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double lr = get_number(info, 0, "learningRate");
  if (!net_->compiled()) throw Napi::Error::New(env, "The model must be compiled first");
  auto lk = lock_or_throw(env, "set the learning rate");
  guarded(env, [&] {
    net_->optimizer().set_learning_rate((float)lr);
    return 0;
  });
  return env.Undefined();
}

// -> { iterations, slots: [{ name, param, data: Float32Array }] }
Napi::Value ModelWrap::GetOptimizerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!net_->compiled()) return env.Null();
  auto lk = lock_or_throw(env, "read the optimizer state");
  Napi::Object o = Napi::Object::New(env);
  o.Set("iterations", (double)net_->optimizer().iterations());
  auto views = net_->optimizer().state();
  Napi::Array slots = Napi::Array::New(env, views.size());
  for (uint32_t i = 0; i < views.size(); ++i) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("name", views[i].name);
    s.Set("param", (double)views[i].param);
    s.Set("data", to_js(env, views[i].data, views[i].n));
    slots.Set(i, s);
  }
  o.Set("slots", slots);
  return o;
}

Napi::Value ModelWrap::SetOptimizerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!net_->compiled()) throw Napi::Error::New(env, "The model must be compiled before restoring optimizer state");
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "Expected an optimizer state");
  Napi::Object o = info[0].As<Napi::Object>();
  auto lk = lock_or_throw(env, "restore the optimizer state");
  auto views = net_->optimizer().state();
  Napi::Value sv = o.Get("slots");
  if (!sv.IsArray() || sv.As<Napi::Array>().Length() != views.size())
    throw Napi::RangeError::New(env, "The optimizer state does not match this model's optimizer (slot count)");
  Napi::Array slots = sv.As<Napi::Array>();
  double iterations = o.Get("iterations").IsNumber() ? o.Get("iterations").As<Napi::Number>().DoubleValue() : -1;
  if (!(iterations >= 0)) throw Napi::RangeError::New(env, "Expected a non-negative iteration count");
  std::vector<Napi::Float32Array> arrays;
  for (uint32_t i = 0; i < views.size(); ++i) {
    Napi::Value s = slots.Get(i);
    Napi::Value data = s.IsObject() ? s.As<Napi::Object>().Get("data") : env.Undefined();
    Napi::Value name = s.IsObject() ? s.As<Napi::Object>().Get("name") : env.Undefined();
    if (!is_f32(data) || data.As<Napi::Float32Array>().ElementLength() != views[i].n || !name.IsString() ||
        name.As<Napi::String>().Utf8Value() != views[i].name)
      throw Napi::RangeError::New(env, "The optimizer state does not match this model's optimizer (slot " +
                                           std::to_string(i) + ", expected " + views[i].name + " of length " +
                                           std::to_string(views[i].n) + ")");
    arrays.push_back(data.As<Napi::Float32Array>());
  }
  for (uint32_t i = 0; i < views.size(); ++i)
    if (views[i].n) std::memcpy(views[i].data, arrays[i].Data(), views[i].n * sizeof(float));
  net_->optimizer().set_iterations((int64_t)iterations);
  return env.Undefined();
}

Napi::Value ModelWrap::Bytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)net_->bytes());
}

Napi::Value ModelWrap::GetRngState(const Napi::CallbackInfo& info) {
  auto lk = lock_or_throw(info.Env(), "read the random state");
  return Napi::String::New(info.Env(), net_->rng().save());
}

Napi::Value ModelWrap::SetRngState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "Expected a random state string");
  auto lk = lock_or_throw(env, "restore the random state");
  if (!net_->rng().load(info[0].As<Napi::String>().Utf8Value()))
    throw Napi::RangeError::New(env, "Expected a random state saved by simdnn");
  return env.Undefined();
}

// reseed(seed): restarts the generator that drives shuffling and dropout.
Napi::Value ModelWrap::Reseed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t seed = get_size(info, 0, "seed", ((size_t)1 << 53));
  auto lk = lock_or_throw(env, "reseed the model");
  net_->rng().reseed((uint64_t)seed);
  return env.Undefined();
}

// setTrainable(flags): Keras's layer.trainable, one boolean per layer.
Napi::Value ModelWrap::SetTrainable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "Expected an array of booleans");
  Napi::Array a = info[0].As<Napi::Array>();
  if (a.Length() != net_->num_layers()) throw Napi::RangeError::New(env, "Expected one flag per layer");
  std::vector<bool> flags;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsBoolean()) throw Napi::TypeError::New(env, "Expected an array of booleans");
    flags.push_back(v.As<Napi::Boolean>().Value());
  }
  auto lk = lock_or_throw(env, "set which layers are trainable");
  for (size_t i = 0; i < flags.size(); ++i) net_->set_trainable(i, flags[i]);
  return env.Undefined();
}

// setFoldBatchNorm(fold): whether predict folds batch normalizations into the
// dense or conv layer before them (for tests that compare both).
Napi::Value ModelWrap::SetFoldBatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(env, "Expected a boolean");
  auto lk = lock_or_throw(env, "change the folding");
  net_->set_fold_batch_norm(info[0].As<Napi::Boolean>().Value());
  return env.Undefined();
}

void register_model(Napi::Env env, Napi::Object exports) {
  ModelWrap::Register(env, exports);
  DatasetWrap::Register(env, exports);
}

}  // namespace napi
}  // namespace simdnn
