// Per-op kernels for the tensor API and tests (not the training hot path).
#include "bindings.h"
#include "convert.h"
#include "kernels/kernels.h"

namespace simdnn {
namespace napi {
namespace {

// dot(a, b): the first kernel through the dispatch table.
Napi::Value Dot(const Napi::CallbackInfo& info) {
  Napi::Float32Array a = get_f32(info, 0, "a"), b = get_f32(info, 1, "b");
  if (a.ElementLength() != b.ElementLength())
    throw Napi::RangeError::New(info.Env(), "Expected a and b of the same length");
  return Napi::Number::New(info.Env(), kernels().basic.dot(a.Data(), b.Data(), a.ElementLength()));
}

}  // namespace

void register_matmul(Napi::Env env, Napi::Object exports);

void register_tensor_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("dot", Napi::Function::New(env, Dot, "dot"));
  register_matmul(env, exports);
}

}  // namespace napi
}  // namespace simdnn
