#include "registry.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "conv.h"
#include "dense.h"
#include "nn/network.h"
#include "norm.h"
#include "pooling.h"
#include "simple.h"

namespace simdnn {
namespace {

std::string name_of(size_t index) { return "layer " + std::to_string(index); }

// The spec's window over a sample of `width` values, resolved.
WindowGeometry window(const LayerSpec& s, size_t width, size_t index) {
  WindowGeometry g = s.geom;
  if (g.in_h == 0 || g.in_w == 0 || g.in_c == 0 || g.in_size() != width)
    throw std::invalid_argument(name_of(index) + ": the input shape [" + std::to_string(g.in_h) + ", " +
                                std::to_string(g.in_w) + ", " + std::to_string(g.in_c) + "] does not hold " +
                                std::to_string(width) + " values");
  if (s.type == LayerType::GlobalAveragePool || s.type == LayerType::GlobalMaxPool) {
    g.k_h = g.in_h, g.k_w = g.in_w, g.s_h = g.s_w = g.d_h = g.d_w = 1;
    g.same = false;
  }
  g.resolve(name_of(index));
  return g;
}

void set_regularizers(Param& kernel, Param* bias, const LayerSpec& s) {
  kernel.l1 = s.kernel_reg.l1;
  kernel.l2 = s.kernel_reg.l2;
  if (bias) {
    bias->l1 = s.bias_reg.l1;
    bias->l2 = s.bias_reg.l2;
  }
}

// The channels (batch normalization) or features (layer normalization) of a
// normalization over `width` values per sample: the last axis, dividing it.
size_t norm_axis(const LayerSpec& s, size_t width, size_t index) {
  if (s.units == 0 || width % s.units != 0)
    throw std::invalid_argument(name_of(index) + ": a normalized axis of " + std::to_string(s.units) +
                                " values does not divide the " + std::to_string(width) + " values of a sample");
  if (!(s.epsilon > 0.f) || !std::isfinite(s.epsilon))
    throw std::invalid_argument(name_of(index) + ": epsilon must be a finite number above 0");
  if (s.type == LayerType::BatchNorm && !(s.momentum >= 0.f && s.momentum < 1.f))
    throw std::invalid_argument(name_of(index) + ": momentum must be in [0, 1)");
  return s.units;
}

size_t saturating_mul(size_t a, size_t b) {
  const size_t cap = (size_t)1 << 50;
  if (a && b > cap / a) return cap;
  return a * b;
}

}  // namespace

size_t layer_weights(const LayerSpec& s, size_t width, size_t index) {
  switch (s.type) {
    case LayerType::Dense:
      return saturating_mul(width + 1, s.units);
    case LayerType::Conv: {
      const WindowGeometry g = window(s, width, index);
      return saturating_mul(g.k_h * g.k_w * g.in_c + 1, s.units);
    }
    case LayerType::BatchNorm:
      return 4 * norm_axis(s, width, index);
    case LayerType::LayerNorm:
      return 2 * norm_axis(s, width, index);
    default:
      return 0;
  }
}

size_t layer_output_width(const LayerSpec& s, size_t width, size_t index) {
  switch (s.type) {
    case LayerType::Dense:
      return s.units;
    case LayerType::Conv:
      return saturating_mul(window(s, width, index).pixels(), s.units);
    case LayerType::MaxPool:
    case LayerType::AveragePool:
    case LayerType::GlobalAveragePool:
    case LayerType::GlobalMaxPool: {
      const WindowGeometry g = window(s, width, index);
      return g.pixels() * g.in_c;
    }
    case LayerType::Reshape:
      if (s.units != 0 && s.units != width)
        throw std::invalid_argument(name_of(index) + ": a reshape to " + std::to_string(s.units) + " values of " +
                                    std::to_string(width));
      return width;
    default:
      return width;
  }
}

std::unique_ptr<Layer> make_layer(const LayerSpec& s, size_t width, size_t index, Rng& rng) {
  switch (s.type) {
    case LayerType::Dense: {
      if (s.units == 0) throw std::invalid_argument(name_of(index) + ": units must be at least 1");
      if (width > ((size_t)1 << 40) / s.units) throw std::length_error(name_of(index) + ": the kernel is too large");
      auto d = std::make_unique<Dense>(width, s.units, s.use_bias, s.act);
      d->init(s.kernel_init, s.bias_init, rng);
      set_regularizers(d->kernel(), s.use_bias ? &d->bias() : nullptr, s);
      return d;
    }
    case LayerType::Dropout:
      if (!(s.rate >= 0.f && s.rate < 1.f))
        throw std::invalid_argument(name_of(index) + ": the dropout rate must be in [0, 1)");
      return std::make_unique<Dropout>(width, s.rate);
    case LayerType::Activation:
      return std::make_unique<Activation>(width, s.act);
    case LayerType::Conv: {
      if (s.units == 0) throw std::invalid_argument(name_of(index) + ": filters must be at least 1");
      const WindowGeometry g = window(s, width, index);
      if (g.k_h * g.k_w * g.in_c > ((size_t)1 << 40) / s.units)
        throw std::length_error(name_of(index) + ": the kernel is too large");
      auto c = std::make_unique<Conv>(g, s.units, s.use_bias, s.act);
      c->init(s.kernel_init, s.bias_init, rng);
      set_regularizers(c->kernel(), s.use_bias ? &c->bias() : nullptr, s);
      return c;
    }
    case LayerType::MaxPool:
    case LayerType::GlobalMaxPool:
      return std::make_unique<Pool>(window(s, width, index), PoolMode::Max);
    case LayerType::AveragePool:
    case LayerType::GlobalAveragePool:
      return std::make_unique<Pool>(window(s, width, index), PoolMode::Average);
    case LayerType::Reshape:
      layer_output_width(s, width, index);
      return std::make_unique<Reshape>(width);
    case LayerType::BatchNorm:
      return std::make_unique<BatchNorm>(width, norm_axis(s, width, index), s.momentum, s.epsilon, s.center, s.scale);
    case LayerType::LayerNorm:
      return std::make_unique<LayerNorm>(width, norm_axis(s, width, index), s.epsilon, s.center, s.scale);
  }
  throw std::invalid_argument(name_of(index) + ": unknown layer type");
}

}  // namespace simdnn
