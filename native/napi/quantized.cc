// The JS handle of a QuantizedNetwork (predict, predictAsync, evaluate), the
// calibration of a float model, and the int8 kernel selection for tests.
#include "nn/quantized.h"

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "kernels/int8_kernels.h"
#include "kernels/kernels.h"
#include "model.h"
#include "nn/metrics.h"
#include "nn/quantized_calibrate.h"

namespace simdnn {
namespace napi {
namespace {

double num(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("Expected a number for ") + key);
  return v.As<Napi::Number>().DoubleValue();
}

size_t count(Napi::Object o, const char* key, size_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  const double d = num(o, key);
  if (!(d >= 0) || d != std::floor(d) || d > (double)(1u << 30))
    throw Napi::RangeError::New(o.Env(), std::string("Expected a non-negative integer for ") + key);
  return (size_t)d;
}

template <typename T>
std::vector<T> typed(Napi::Object o, const char* key, napi_typedarray_type type) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(o.Env(), std::string("Expected a typed array for ") + key);
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  const T* data = reinterpret_cast<const T*>(static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset());
  return std::vector<T>(data, data + t.ElementLength());
}

QuantParams params(Napi::Object o, const char* scale, const char* zp) {
  QuantParams p;
  p.scale = (float)num(o, scale);
  p.zero_point = (int32_t)count(o, zp, 0);
  return p;
}

std::unique_ptr<QuantizedNetwork> parse(Napi::Object o) {
  const size_t input = count(o, "inputSize", 0);
  const bool dynamic = o.Get("dynamic").ToBoolean();
  QuantParams in = dynamic ? QuantParams{} : params(o, "inputScale", "inputZeroPoint");
  Napi::Value lv = o.Get("ops");
  if (!lv.IsArray()) throw Napi::TypeError::New(o.Env(), "Expected an array for ops");
  Napi::Array arr = lv.As<Napi::Array>();
  std::vector<QOpSpec> ops(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value item = arr.Get(i);
    if (!item.IsObject()) throw Napi::TypeError::New(o.Env(), "Expected an object for each op");
    Napi::Object l = item.As<Napi::Object>();
    QOpSpec& s = ops[i];
    const size_t kind = count(l, "kind", 0);
    if (kind >= (size_t)kQOpKindCount) throw Napi::RangeError::New(o.Env(), "Unknown op kind");
    s.kind = (QOpKind)kind;
    Napi::Value gv = l.Get("window");
    if (gv.IsObject()) {
      Napi::Object g = gv.As<Napi::Object>();
      s.geom.in_h = count(g, "inH", 1);
      s.geom.in_w = count(g, "inW", 1);
      s.geom.in_c = count(g, "inC", 1);
      s.geom.k_h = count(g, "kH", 1);
      s.geom.k_w = count(g, "kW", 1);
      s.geom.s_h = count(g, "sH", 1);
      s.geom.s_w = count(g, "sW", 1);
      s.geom.d_h = count(g, "dH", 1);
      s.geom.d_w = count(g, "dW", 1);
      s.geom.same = g.Get("same").ToBoolean();
    }
    if (s.kind == QOpKind::Linear) {
      s.units = count(l, "units", 0);
      s.weights = typed<int8_t>(l, "weights", napi_int8_array);
      s.weight_scale = typed<float>(l, "weightScale", napi_float32_array);
      s.bias = typed<float>(l, "bias", napi_float32_array);
      const size_t act = count(l, "activation", 0);
      if (act >= (size_t)kActCount) throw Napi::RangeError::New(o.Env(), "Unknown activation");
      s.act = (Act)act;
      s.float_out = l.Get("floatOut").ToBoolean();
      if (l.Get("outScale").IsNumber()) s.out = params(l, "outScale", "outZeroPoint");
    }
  }
  return std::make_unique<QuantizedNetwork>(input, in, dynamic, std::move(ops));
}

const char* kBusy = " while predictAsync is running on this quantized model";

class QuantizedWrap : public Napi::ObjectWrap<QuantizedWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "QuantizedModel",
                       {
                           InstanceMethod<&QuantizedWrap::Predict>("predict"),
                           InstanceMethod<&QuantizedWrap::PredictAsync>("predictAsync"),
                           InstanceMethod<&QuantizedWrap::Evaluate>("evaluate"),
                           InstanceMethod<&QuantizedWrap::Kernel>("kernel"),
                       });
  }

  explicit QuantizedWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<QuantizedWrap>(info) {
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "Expected a quantized spec");
    net_ = guarded(info.Env(), [&] { return parse(info[0].As<Napi::Object>()); });
    report_memory(info.Env());
  }
  ~QuantizedWrap() override = default;

  QuantizedNetwork& net() { return *net_; }
  std::mutex& mutex() { return mu_; }
  void report_memory(Napi::Env env) {
    const int64_t now = (int64_t)net_->bytes();
    if (now != reported_) {
      Napi::MemoryManagement::AdjustExternalMemory(env, now - reported_);
      reported_ = now;
    }
  }

 private:
  std::unique_lock<std::mutex> lock_or_throw(Napi::Env env, const char* what) {
    std::unique_lock<std::mutex> lk(mu_, std::try_to_lock);
    if (!lk.owns_lock()) throw Napi::Error::New(env, std::string("Cannot ") + what + kBusy);
    return lk;
  }

  // predict(x, rows, out?) -> Float32Array
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const F32View x = get_f32_view(info, 0, "x");
    const size_t rows = get_size(info, 1, "rows");
    if (x.length != checked_mul(env, rows, net_->input_size(), "the input size"))
      throw Napi::RangeError::New(env, "Expected x to hold rows * inputSize values");
    const size_t n = checked_mul(env, rows, net_->output_size(), "the output size");
    const bool given = info.Length() > 2 && !info[2].IsUndefined();
    const F32View out = given ? get_f32_view(info, 2, "out") : F32View{nullptr, 0};
    if (given && out.length != n) throw Napi::RangeError::New(env, "Expected out to hold rows * outputSize values");
    Napi::Float32Array fresh = given ? Napi::Float32Array() : new_f32(env, n);
    auto lk = lock_or_throw(env, "predict");
    guarded(env, [&] {
      net_->predict(x.data, rows, given ? out.data : fresh.Data());
      return 0;
    });
    lk.unlock();
    report_memory(env);
    return given ? info[2] : fresh;
  }

  Napi::Value PredictAsync(const Napi::CallbackInfo& info);

  // evaluate(x, y, rows, loss, metrics[]) -> { loss, metrics }: the loss on the outputs (probabilities).
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const F32View x = get_f32_view(info, 0, "x");
    const F32View y = get_f32_view(info, 1, "y");
    const size_t rows = get_size(info, 2, "rows");
    const size_t loss_id = get_size(info, 3, "loss", 5);
    if (info.Length() < 5 || !info[4].IsArray()) throw Napi::TypeError::New(env, "Expected an array of metrics");
    Napi::Array ma = info[4].As<Napi::Array>();
    std::vector<Metric> metrics;
    for (uint32_t i = 0; i < ma.Length(); ++i) {
      const double m = ma.Get(i).As<Napi::Number>().DoubleValue();
      if (!(m >= 0 && m <= (double)Metric::Mae)) throw Napi::RangeError::New(env, "Unknown metric");
      metrics.push_back((Metric)(int)m);
    }
    const Loss loss = (Loss)loss_id;
    const size_t out_cols = net_->output_size();
    const size_t y_cols = loss == Loss::SparseCategoricalCrossentropy ? 1 : out_cols;
    if (x.length != checked_mul(env, rows, net_->input_size(), "the input size") || y.length != rows * y_cols)
      throw Napi::RangeError::New(env, "Expected x and y to hold rows * inputSize and rows * targets values");
    auto lk = lock_or_throw(env, "evaluate");
    MetricSet set(metrics, target_kind(loss));
    double total = 0;
    guarded(env, [&] {
      const size_t chunk = 256;
      std::vector<float> out(chunk * out_cols);
      for (size_t r0 = 0; r0 < rows; r0 += chunk) {
        const size_t n = std::min(chunk, rows - r0);
        net_->predict(x.data + r0 * net_->input_size(), n, out.data());
        const float* t = y.data + r0 * y_cols;
        total += kernels().math.loss(loss, out.data(), t, nullptr, nullptr, n, out_cols) * (double)n;
        set.update(out.data(), t, n, out_cols);
      }
      return 0;
    });
    lk.unlock();
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", rows ? total / (double)rows : 0.0);
    const std::vector<double> v = set.values();
    Napi::Array a = Napi::Array::New(env, v.size());
    for (uint32_t i = 0; i < v.size(); ++i) a.Set(i, v[i]);
    o.Set("metrics", a);
    return o;
  }

  Napi::Value Kernel(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), net_->kernel_name()); }

  std::unique_ptr<QuantizedNetwork> net_;
  std::mutex mu_;
  int64_t reported_ = 0;
};

class QuantizedPredictJob : public Napi::AsyncWorker {
 public:
  QuantizedPredictJob(Napi::Env env, QuantizedWrap* m, Napi::Object obj, const float* x, size_t rows)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_(m),
        ref_(Napi::Persistent(obj)),
        x_(x, x + rows * m->net().input_size()),
        rows_(rows) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    if (!capture_failure(failure_, [&] {
          std::lock_guard<std::mutex> lk(model_->mutex());
          out_.resize(rows_ * model_->net().output_size());
          model_->net().predict(x_.data(), rows_, out_.data());
        }))
      SetError(failure_.message);
  }
  void OnOK() override {
    model_->report_memory(Env());
    try {
      Napi::Float32Array a = new_f32(Env(), out_.size());
      if (!out_.empty()) std::memcpy(a.Data(), out_.data(), out_.size() * sizeof(float));
      deferred_.Resolve(a);
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(failure_value(Env(), failure_, e)); }

 private:
  Napi::Promise::Deferred deferred_;
  QuantizedWrap* model_;
  Napi::ObjectReference ref_;
  std::vector<float> x_, out_;
  size_t rows_;
  AsyncFailure failure_;
};

Napi::Value QuantizedWrap::PredictAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = get_f32(info, 0, "x");
  const size_t rows = get_size(info, 1, "rows");
  if (x.ElementLength() != checked_mul(env, rows, net_->input_size(), "the input size"))
    throw Napi::RangeError::New(env, "Expected x to hold rows * inputSize values");
  auto* job = new QuantizedPredictJob(env, this, info.This().As<Napi::Object>(), x.Data(), rows);
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// calibrationRanges(model, x, rows, points[], percentile) -> Float32Array [lo0, hi0, lo1, hi1, ...]
Napi::Value CalibrationRanges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() ||
      !info[0].As<Napi::Object>().InstanceOf(instance_data(env).model_ctor.Value()))
    throw Napi::TypeError::New(env, "Expected a native Model");
  ModelWrap* m = ModelWrap::Unwrap(info[0].As<Napi::Object>());
  const F32View x = get_f32_view(info, 1, "x");
  const size_t rows = get_size(info, 2, "rows");
  if (x.length != checked_mul(env, rows, m->net().input_size(), "the input size") || rows == 0)
    throw Napi::RangeError::New(env, "Expected x to hold rows * inputSize values, rows >= 1");
  if (info.Length() < 4 || !info[3].IsArray()) throw Napi::TypeError::New(env, "Expected an array of points");
  Napi::Array pa = info[3].As<Napi::Array>();
  std::vector<long> points;
  for (uint32_t i = 0; i < pa.Length(); ++i) {
    const double p = pa.Get(i).As<Napi::Number>().DoubleValue();
    if (!(p >= -1 && p < (double)m->net().num_layers()) || p != std::floor(p))
      throw Napi::RangeError::New(env, "Expected calibration points from -1 to the last layer");
    points.push_back((long)p);
  }
  const double percentile = get_number(info, 4, "percentile");
  std::unique_lock<std::mutex> lk(m->mutex(), std::try_to_lock);
  if (!lk.owns_lock())
    throw Napi::Error::New(
        env, "Cannot quantize while another job (fit, predictAsync or evaluateAsync) is running on this model");
  std::vector<ValueRange> r =
      guarded(env, [&] { return calibration_ranges(m->net(), x.data, rows, points, percentile); });
  lk.unlock();
  Napi::Float32Array out = new_f32(env, 2 * r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    out[2 * i] = r[i].lo;
    out[2 * i + 1] = r[i].hi;
  }
  return out;
}

Napi::Value SelectInt8(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "Expected a kernel name");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!select_int8(name.c_str()))
    throw Napi::Error::New(info.Env(),
                           "The int8 kernel '" + name + "' is not available here; available: " + int8_available());
  return info.Env().Undefined();
}

}  // namespace

void register_quantized(Napi::Env env, Napi::Object exports) {
  const char* err = int8_dispatch_error();
  if (err && *err) throw Napi::Error::New(env, err);
  exports.Set("QuantizedModel", QuantizedWrap::Define(env));
  exports.Set("calibrationRanges", Napi::Function::New(env, CalibrationRanges, "calibrationRanges"));
  exports.Set("selectInt8", Napi::Function::New(env, SelectInt8, "selectInt8"));
}

}  // namespace napi
}  // namespace simdnn
