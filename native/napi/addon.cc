// Module registration: the exports and nothing else. Each family of bindings
// lives in its own file and registers itself here.
#include "bindings.h"
#include "kernels/kernels.h"
#include "napi_config.h"

namespace simdnn {
namespace napi {
InstanceData& instance_data(Napi::Env env) { return *env.GetInstanceData<InstanceData>(); }
}  // namespace napi
}  // namespace simdnn

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // A forced ISA that this CPU lacks is a load error, never an illegal instruction later.
  const char* err = simdnn::dispatch_error();
  if (err && *err) throw Napi::Error::New(env, err);
  env.SetInstanceData(new simdnn::napi::InstanceData());
  simdnn::napi::register_system(env, exports);
  simdnn::napi::register_tensor_ops(env, exports);
  simdnn::napi::register_model(env, exports);
  simdnn::napi::register_quantized(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(simdnn, Init)
