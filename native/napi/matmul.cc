// matmul (sync, zero-copy over the caller's Float32Arrays) and matmulAsync
// (copies its inputs, so JavaScript may change or drop them meanwhile).
#include <cstring>
#include <memory>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "core/gemm.h"

namespace simdnn {
namespace napi {
namespace {

struct MatmulArgs {
  size_t m, n, k;
  bool ta, tb;
};

// Arguments: a, b, m, n, k, transA, transB, out. op(A) is m x k, op(B) is k x n.
MatmulArgs parse(const Napi::CallbackInfo& info, Napi::Float32Array& a, Napi::Float32Array& b) {
  Napi::Env env = info.Env();
  a = get_f32(info, 0, "a");
  b = get_f32(info, 1, "b");
  MatmulArgs p{get_size(info, 2, "m"), get_size(info, 3, "n"), get_size(info, 4, "k"), get_bool(info, 5, "transposeA"),
               get_bool(info, 6, "transposeB")};
  if (a.ElementLength() != checked_mul(env, p.m, p.k, "the size of a"))
    throw Napi::RangeError::New(env, "Expected a to hold m * k elements");
  if (b.ElementLength() != checked_mul(env, p.k, p.n, "the size of b"))
    throw Napi::RangeError::New(env, "Expected b to hold k * n elements");
  checked_mul(env, p.m, p.n, "the size of the product");
  return p;
}

void run(const MatmulArgs& p, const float* a, const float* b, float* c) {
  sgemm(p.ta, p.tb, p.m, p.n, p.k, 1.f, a, p.ta ? p.m : p.k, b, p.tb ? p.k : p.n, 0.f, c, p.n);
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Float32Array a, b;
  MatmulArgs p = parse(info, a, b);
  Napi::Float32Array out = get_f32(info, 7, "out");
  if (out.ElementLength() != p.m * p.n) throw Napi::RangeError::New(info.Env(), "Expected out to hold m * n elements");
  run(p, a.Data(), b.Data(), out.Data());
  return out;
}

class MatmulWorker : public Napi::AsyncWorker {
 public:
  MatmulWorker(Napi::Env env, const MatmulArgs& p, const float* a, const float* b)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), p_(p), a_(a, a + p.m * p.k),
        b_(b, b + p.k * p.n), c_(p.m * p.n) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { run(p_, a_.data(), b_.data(), c_.data()); }

  void OnOK() override {
    Napi::Float32Array out = Napi::Float32Array::New(Env(), c_.size());
    if (!c_.empty()) std::memcpy(out.Data(), c_.data(), c_.size() * sizeof(float));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  MatmulArgs p_;
  std::vector<float> a_, b_, c_;
};

Napi::Value MatmulAsync(const Napi::CallbackInfo& info) {
  Napi::Float32Array a, b;
  MatmulArgs p = parse(info, a, b);
  MatmulWorker* w;
  try {
    w = new MatmulWorker(info.Env(), p, a.Data(), b.Data());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), "Not enough memory for matmulAsync");
  }
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
