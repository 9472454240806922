// A JS handle to samples copied into native memory (native/nn/trainer.h).
#pragma once
#include <napi.h>

#include "nn/trainer.h"

namespace simdnn {
namespace napi {

class DatasetWrap : public Napi::ObjectWrap<DatasetWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  // new Dataset(x, y, weights | null, n, xCols, yCols)
  explicit DatasetWrap(const Napi::CallbackInfo& info);
  ~DatasetWrap() override;
  const Dataset& data() const { return data_; }
  // The dataset behind a JS value, or a TypeError naming `what`.
  static DatasetWrap* From(Napi::Value v, const char* what);

 private:
  Dataset data_;
  Napi::Env env_;
  int64_t reported_ = 0;
};

}  // namespace napi
}  // namespace simdnn
