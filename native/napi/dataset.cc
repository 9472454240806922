#include "dataset.h"

#include <cmath>
#include <cstring>
#include <string>

#include "bindings.h"
#include "convert.h"

namespace simdnn {
namespace napi {

void DatasetWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "Dataset", {InstanceMethod<&DatasetWrap::Write>("write")});
  instance_data(env).dataset_ctor = Napi::Persistent(ctor);
  exports.Set("Dataset", ctor);
}

DatasetWrap::DatasetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatasetWrap>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  // Sample order indices are 32-bit (trainer.h): at most 2^32 - 1 samples.
  const size_t n = get_size(info, 0, "n", 0xffffffffu), xc = get_size(info, 1, "xCols", (size_t)1 << 30),
               yc = get_size(info, 2, "yCols", (size_t)1 << 30);
  const bool has_w = get_bool(info, 3, "hasWeights");
  checked_mul(env, checked_mul(env, n, xc, "the size of x"), sizeof(float), "the size of x");
  checked_mul(env, checked_mul(env, n, yc, "the size of y"), sizeof(float), "the size of y");
  guarded(env, [&] {
    const double bytes = (double)n * (double)(xc + yc + (has_w ? 1 : 0)) * sizeof(float);
    check_fits_in_memory(bytes >= 1e18 ? (size_t)-1 : (size_t)bytes, "the samples of this dataset");
    data_.n = n;
    data_.x_cols = xc;
    data_.y_cols = yc;
    data_.x.resize(n * xc);
    data_.y.resize(n * yc);
    data_.has_weights = has_w;
    if (has_w) data_.w.resize(n);
    return 0;
  });
  reported_ = (int64_t)data_.bytes();
  Napi::MemoryManagement::AdjustExternalMemory(env, reported_);
}

Napi::Value DatasetWrap::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t part = get_size(info, 0, "part", 2);
  const size_t first = get_size(info, 1, "firstRow");
  Napi::Float32Array v = get_f32(info, 2, "values");
  const bool check = get_bool(info, 3, "checkFinite");
  if (part == 2 && !data_.has_weights) throw Napi::RangeError::New(env, "This dataset has no sample weights");
  AlignedBuffer& dst = part == 0 ? data_.x : part == 1 ? data_.y : data_.w;
  const size_t cols = part == 0 ? data_.x_cols : part == 1 ? data_.y_cols : 1;
  const size_t len = v.ElementLength();
  if (first > data_.n || cols == 0 || len % cols != 0 || len / cols > data_.n - first)
    throw Napi::RangeError::New(env, "Expected values that fit in the dataset at firstRow");
  const float* src = v.Data();
  if (len) std::memcpy(dst.data() + first * cols, src, len * sizeof(float));
  if (check)
    for (size_t i = 0; i < len; ++i)
      if (!std::isfinite(src[i])) return Napi::Number::New(env, (double)i);
  return Napi::Number::New(env, -1);
}

DatasetWrap::~DatasetWrap() {
  // Finalizers may run during environment teardown; only report while it lives.
  if (reported_) napi_adjust_external_memory(env_, -reported_, nullptr);
}

DatasetWrap* DatasetWrap::From(Napi::Value v, const char* what) {
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(instance_data(env).dataset_ctor.Value()))
    throw Napi::TypeError::New(env, std::string("Expected a Dataset for ") + what);
  return Unwrap(v.As<Napi::Object>());
}

}  // namespace napi
}  // namespace simdnn
