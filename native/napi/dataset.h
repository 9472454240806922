// A JS handle to samples copied into native memory (native/nn/trainer.h).
#pragma once
#include "napi_config.h"
#include "nn/trainer.h"

namespace simdnn {
namespace napi {

class DatasetWrap : public Napi::ObjectWrap<DatasetWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  // new Dataset(n, xCols, yCols, hasWeights): allocates; the facade then fills
  // it with write() in chunks, so a large copy never blocks the event loop long.
  explicit DatasetWrap(const Napi::CallbackInfo& info);
  ~DatasetWrap() override;
  const Dataset& data() const { return data_; }
  // The dataset behind a JS value, or a TypeError naming `what`.
  static DatasetWrap* From(Napi::Value v, const char* what);

 private:
  // write(part: 0 x | 1 y | 2 weights, firstRow, values: Float32Array, checkFinite)
  //   -> index in values of the first non-finite value, or -1
  Napi::Value Write(const Napi::CallbackInfo& info);
  Dataset data_;
  Napi::Env env_;
  int64_t reported_ = 0;
};

}  // namespace napi
}  // namespace simdnn
