#pragma once
#include "napi_config.h"

namespace simdnn {
namespace napi {

// Per-environment data (the addon can be loaded in several worker threads):
// the constructors used to check that an argument really is one of ours.
struct InstanceData {
  Napi::FunctionReference model_ctor;
  Napi::FunctionReference dataset_ctor;
};
InstanceData& instance_data(Napi::Env env);

// Runs fn and turns C++ failures into JS errors of the right class:
// allocation failures and size overflows -> RangeError, invalid arguments ->
// RangeError, anything else -> Error.
template <typename F>
auto guarded(Napi::Env env, F&& fn) -> decltype(fn());

// info, setThreads, ISA selection for tests.
void register_system(Napi::Env env, Napi::Object exports);
// dot, matmul, matmulAsync and other per-op kernels.
void register_tensor_ops(Napi::Env env, Napi::Object exports);
// The Model class: build, weights, predict, train.
void register_model(Napi::Env env, Napi::Object exports);
// The QuantizedModel class, calibration and the int8 kernel selection.
void register_quantized(Napi::Env env, Napi::Object exports);

}  // namespace napi
}  // namespace simdnn

#include "guarded.inl"
