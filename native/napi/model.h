// The JS handle of a Network. One native job at a time per model: the model
// mutex is held by every job; synchronous calls that find it held fail with a
// clear "busy" error instead of blocking the event loop.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>

#include "napi_config.h"
#include "nn/network.h"
#include "nn/trainer.h"

namespace simdnn {
namespace napi {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;

  Network& net() { return *net_; }
  std::mutex& mutex() { return mu_; }
  EpochState& epoch() { return epoch_; }
  std::atomic<bool>& stop_flag() { return stop_; }
  // The dataset the current epoch was begun with (read under the mutex).
  const Dataset* epoch_data() const { return epoch_data_; }
  // Reports the change in native memory to V8 (main thread only).
  void report_memory(Napi::Env env);

 private:
  Napi::Value Compile(const Napi::CallbackInfo& info);
  Napi::Value GetWeights(const Napi::CallbackInfo& info);
  Napi::Value SetWeights(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value PredictAsync(const Napi::CallbackInfo& info);
  Napi::Value ComputeGradients(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value EvaluateAsync(const Napi::CallbackInfo& info);
  Napi::Value BeginEpoch(const Napi::CallbackInfo& info);
  Napi::Value RunBatches(const Napi::CallbackInfo& info);
  Napi::Value EpochSummary(const Napi::CallbackInfo& info);
  Napi::Value RequestStop(const Napi::CallbackInfo& info);
  Napi::Value GetLearningRate(const Napi::CallbackInfo& info);
  Napi::Value SetLearningRate(const Napi::CallbackInfo& info);
  Napi::Value GetOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value SetOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value Bytes(const Napi::CallbackInfo& info);
  Napi::Value GetRngState(const Napi::CallbackInfo& info);
  Napi::Value SetRngState(const Napi::CallbackInfo& info);
  Napi::Value Reseed(const Napi::CallbackInfo& info);
  Napi::Value SetTrainable(const Napi::CallbackInfo& info);
  Napi::Value SetFoldBatchNorm(const Napi::CallbackInfo& info);

  // Throws a RangeError unless the dataset's columns match this model.
  void check_dataset(Napi::Env env, const Dataset& d);
  // Locks the model for a synchronous call or throws "busy".
  std::unique_lock<std::mutex> lock_or_throw(Napi::Env env, const char* what);

  std::unique_ptr<Network> net_;
  std::mutex mu_;
  EpochState epoch_;
  const Dataset* epoch_data_ = nullptr;
  std::atomic<bool> stop_{false};
  Napi::Env env_;
  int64_t reported_ = 0;
};

}  // namespace napi
}  // namespace simdnn
