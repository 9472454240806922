// info(), setThreads() and the test hook that switches the active ISA.
#include <string>

#include "bindings.h"
#include "convert.h"
#include "core/cache_blocking.h"
#include "core/threadpool.h"
#include "kernels/int8_kernels.h"
#include "kernels/kernels.h"

namespace simdnn {
namespace napi {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", kernels().name);
  o.Set("int8", int8_kernels().name);
  o.Set("availableInt8", int8_available());
  o.Set("threads", (double)num_threads());
  o.Set("physicalCores", (double)physical_cores());
  Napi::Array isas = Napi::Array::New(env);
  uint32_t n = 0;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon})
    if (cpu_supports(isa)) isas.Set(n++, isa_name(isa));
  o.Set("availableIsas", isas);
  o.Set("napiVersion", (double)NAPI_VERSION);
  const CacheSizes& c = machine_caches();
  Napi::Object caches = Napi::Object::New(env);
  caches.Set("l1d", (double)c.l1d);
  caches.Set("l2", (double)c.l2);
  caches.Set("l3", (double)c.l3);
  caches.Set("source", c.source);
  o.Set("caches", caches);
  const GemmKernels& g = kernels().gemm;
  Napi::Object gemm = Napi::Object::New(env);
  gemm.Set("mr", (double)g.mr);
  gemm.Set("nr", (double)g.nr);
  gemm.Set("kc", (double)g.kc);
  gemm.Set("mc", (double)g.mc);
  gemm.Set("nc", (double)g.nc);
  o.Set("gemm", gemm);
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  size_t n = get_size(info, 0, "threads", 256);
  if (n < 1) throw Napi::RangeError::New(info.Env(), "Expected an integer from 1 to 256 for threads");
  set_num_threads(n);
  return info.Env().Undefined();
}

Napi::Value SelectIsa(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "Expected an ISA name");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon})
    if (name == isa_name(isa)) {
      if (!select_isa(isa))
        throw Napi::Error::New(info.Env(), "The ISA '" + name + "' is not supported by this CPU or build");
      return info.Env().Undefined();
    }
  throw Napi::RangeError::New(info.Env(), "Unknown ISA '" + name + "'");
}

}  // namespace

void register_system(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("selectIsa", Napi::Function::New(env, SelectIsa, "selectIsa"));
}

}  // namespace napi
}  // namespace simdnn
