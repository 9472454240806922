#include "dataset.h"

#include <cstring>
#include <string>

#include "bindings.h"
#include "convert.h"

namespace simdnn {
namespace napi {

void DatasetWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "Dataset", {});
  instance_data(env).dataset_ctor = Napi::Persistent(ctor);
  exports.Set("Dataset", ctor);
}

DatasetWrap::DatasetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatasetWrap>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = get_f32(info, 0, "x"), y = get_f32(info, 1, "y");
  const size_t n = get_size(info, 3, "n"), xc = get_size(info, 4, "xCols"), yc = get_size(info, 5, "yCols");
  if (x.ElementLength() != checked_mul(env, n, xc, "the size of x"))
    throw Napi::RangeError::New(env, "Expected x to hold n * xCols values");
  if (y.ElementLength() != checked_mul(env, n, yc, "the size of y"))
    throw Napi::RangeError::New(env, "Expected y to hold n * yCols values");
  const bool has_w = info.Length() > 2 && !info[2].IsNull() && !info[2].IsUndefined();
  Napi::Float32Array w;
  if (has_w) {
    w = get_f32(info, 2, "weights");
    if (w.ElementLength() != n) throw Napi::RangeError::New(env, "Expected one weight per sample");
  }
  guarded(env, [&] {
    data_.n = n;
    data_.x_cols = xc;
    data_.y_cols = yc;
    data_.x.resize(n * xc);
    data_.y.resize(n * yc);
    if (n != 0 && xc != 0) std::memcpy(data_.x.data(), x.Data(), n * xc * sizeof(float));
    if (n != 0 && yc != 0) std::memcpy(data_.y.data(), y.Data(), n * yc * sizeof(float));
    data_.has_weights = has_w;
    if (has_w) {
      data_.w.resize(n);
      if (n) std::memcpy(data_.w.data(), w.Data(), n * sizeof(float));
    }
    return 0;
  });
  reported_ = (int64_t)data_.bytes();
  Napi::MemoryManagement::AdjustExternalMemory(env, reported_);
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
