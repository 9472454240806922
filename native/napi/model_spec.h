// Reading model, layer and optimizer descriptions from the plain objects the
// facade builds (lib/ has already validated them; these checks are a second line).
#pragma once
#include <vector>

#include "core/optimizer.h"
#include "napi_config.h"
#include "nn/network.h"

namespace simdnn {
namespace napi {

struct ModelSpec {
  size_t input_size = 0;
  uint64_t seed = 0;
  std::vector<LayerSpec> layers;
};

ModelSpec parse_model_spec(Napi::Object o);
OptimizerConfig parse_optimizer(Napi::Object o);

}  // namespace napi
}  // namespace simdnn
