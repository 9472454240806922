// matmul (sync, zero-copy over the caller's Float32Arrays) and matmulAsync
// (copies its inputs, so JavaScript may change or drop them meanwhile).
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "core/gemm.h"
#include "core/ranges.h"
#include "nn/aligned.h"

namespace simdnn {
namespace napi {
namespace {

struct MatmulArgs {
  size_t m, n, k;
  bool ta, tb;
};

// Arguments: a, b, m, n, k, transA, transB, out. op(A) is m x k, op(B) is k x n.
MatmulArgs parse(const Napi::CallbackInfo& info, F32View& a, F32View& b) {
  Napi::Env env = info.Env();
  a = get_f32_view(info, 0, "a");
  b = get_f32_view(info, 1, "b");
  MatmulArgs p{get_size(info, 2, "m"), get_size(info, 3, "n"), get_size(info, 4, "k"), get_bool(info, 5, "transposeA"),
               get_bool(info, 6, "transposeB")};
  if (a.length != checked_mul(env, p.m, p.k, "the size of a"))
    throw Napi::RangeError::New(env, "Expected a to hold m * k elements");
  if (b.length != checked_mul(env, p.k, p.n, "the size of b"))
    throw Napi::RangeError::New(env, "Expected b to hold k * n elements");
  if (checked_mul(env, p.m, p.n, "the size of the product") > ((size_t)1 << 50))
    throw Napi::RangeError::New(env, "Size too large: the product would have m * n = " + std::to_string(p.m) + " * " +
                                         std::to_string(p.n) + " elements");
  return p;
}

void run(const MatmulArgs& p, const float* a, const float* b, float* c) {
  sgemm(p.ta, p.tb, p.m, p.n, p.k, 1.f, a, p.ta ? p.m : p.k, b, p.tb ? p.k : p.n, 0.f, c, p.n);
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  F32View a, b;
  MatmulArgs p = parse(info, a, b);
  const F32View out = get_f32_view(info, 7, "out");
  if (out.length != p.m * p.n) throw Napi::RangeError::New(info.Env(), "Expected out to hold m * n elements");
  // The product is written while a and b are read (compared by address:
  // cheaper from here than through the arrays' buffers in JavaScript). The
  // message is in the facade's words (options.out is where this storage
  // comes from).
  auto refuse_overlap = [&](const F32View& in, const char* name) {
    if (floats_overlap(out.data, out.length, in.data, in.length))
      throw Napi::RangeError::New(info.Env(), std::string("Expected storage that shares no memory with ") + name +
                                                  " for options.out, but received storage overlapping " + name);
  };
  refuse_overlap(a, "a");
  refuse_overlap(b, "b");
  guarded(info.Env(), [&] {
    run(p, a.data, b.data, out.data);
    return 0;
  });
  return info[7];
}

class MatmulWorker : public Napi::AsyncWorker {
 public:
  MatmulWorker(Napi::Env env, const MatmulArgs& p, const float* a, const float* b)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        p_(p),
        a_(a, a + p.m * p.k),
        b_(b, b + p.k * p.n),
        c_(p.m * p.n) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    if (!capture_failure(failure_, [&] { run(p_, a_.data(), b_.data(), c_.data()); })) SetError(failure_.message);
  }

  void OnOK() override {
    // Nothing may throw from here (no JS frame would catch it): failures reject.
    try {
      Napi::Float32Array out = new_f32(Env(), c_.size());
      if (!c_.empty()) std::memcpy(out.Data(), c_.data(), c_.size() * sizeof(float));
      deferred_.Resolve(out);
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(failure_value(Env(), failure_, e)); }

 private:
  Napi::Promise::Deferred deferred_;
  AsyncFailure failure_;
  MatmulArgs p_;
  std::vector<float> a_, b_, c_;
};

Napi::Value MatmulAsync(const Napi::CallbackInfo& info) {
  F32View a, b;
  MatmulArgs p = parse(info, a, b);
  // The worker copies a and b and allocates the product: check that they fit
  // (a product of 0-length inputs can still be huge) before zero-filling it.
  MatmulWorker* w = guarded(info.Env(), [&] {
    check_fits_in_memory((p.m * p.n + a.length + b.length) * sizeof(float),
                         "the inputs and the product of matmulAsync");
    return new MatmulWorker(info.Env(), p, a.data, b.data);
  });
  Napi::Promise promise = w->Promise();
  w->Queue();
  return promise;
}

}  // namespace

void register_matmul(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("matmulAsync", Napi::Function::New(env, MatmulAsync, "matmulAsync"));
}

}  // namespace napi
}  // namespace simdnn
