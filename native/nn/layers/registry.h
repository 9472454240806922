// Layer kinds by LayerSpec::type: each family's factory lives with the
// family; the Network builds every layer through make_layer.
#pragma once
#include <memory>

#include "nn/layer.h"

namespace simdnn {
struct LayerSpec;

// Weights a layer of this spec holds with `width` inputs per sample
// (saturating; for the memory check before anything is allocated), and its
// output width. Throws std::invalid_argument for an inconsistent spec.
size_t layer_weights(const LayerSpec& spec, size_t width, size_t index);
size_t layer_output_width(const LayerSpec& spec, size_t width, size_t index);
// Builds the layer (weights initialized from rng, regularizers set).
std::unique_ptr<Layer> make_layer(const LayerSpec& spec, size_t width, size_t index, Rng& rng);

}  // namespace simdnn
