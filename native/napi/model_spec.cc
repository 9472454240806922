#include "model_spec.h"

#include <cmath>
#include <string>

namespace simdnn {
namespace napi {
namespace {

double num(Napi::Object o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("Expected a number for ") + key);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw Napi::RangeError::New(o.Env(), std::string("Expected a finite number for ") + key);
  return d;
}

size_t count(Napi::Object o, const char* key, size_t fallback, size_t max = (size_t)1 << 32) {
  double d = num(o, key, (double)fallback);
  if (d < 0 || d != std::floor(d) || d > (double)max)
    throw Napi::RangeError::New(o.Env(), std::string("Expected a non-negative integer for ") + key);
  return (size_t)d;
}

bool flag(Napi::Object o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) throw Napi::TypeError::New(o.Env(), std::string("Expected a boolean for ") + key);
  return v.As<Napi::Boolean>().Value();
}

int choice(Napi::Object o, const char* key, int fallback, int limit) {
  size_t v = count(o, key, (size_t)fallback);
  if ((int)v >= limit) throw Napi::RangeError::New(o.Env(), std::string("Unknown value for ") + key);
  return (int)v;
}

InitSpec init_spec(Napi::Object o, const char* key, InitSpec fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsObject()) throw Napi::TypeError::New(o.Env(), std::string("Expected an object for ") + key);
  Napi::Object s = v.As<Napi::Object>();
  InitSpec r;
  r.kind = (Init)choice(s, "kind", 0, (int)Init::LecunUniform + 1);
  r.a = num(s, "a", 0);
  r.b = num(s, "b", 0);
  return r;
}

}  // namespace

ModelSpec parse_model_spec(Napi::Object o) {
  ModelSpec spec;
  spec.input_size = count(o, "inputSize", 0, (size_t)1 << 30);
  const double seed = num(o, "seed", 0);
  // Converting a negative or too large double to an integer is undefined behaviour.
  if (seed < 0 || seed >= 18446744073709551616.0 || seed != std::floor(seed))
    throw Napi::RangeError::New(o.Env(), "Expected an integer from 0 to 2^64 - 1 for seed");
  spec.seed = (uint64_t)seed;
  Napi::Value lv = o.Get("layers");
  if (!lv.IsArray()) throw Napi::TypeError::New(o.Env(), "Expected an array for layers");
  Napi::Array layers = lv.As<Napi::Array>();
  for (uint32_t i = 0; i < layers.Length(); ++i) {
    Napi::Value item = layers.Get(i);
    if (!item.IsObject()) throw Napi::TypeError::New(o.Env(), "Expected an object for each layer");
    Napi::Object l = item.As<Napi::Object>();
    LayerSpec s;
    s.type = (LayerType)choice(l, "type", 0, kLayerTypeCount);
    s.units = count(l, "units", 0, (size_t)1 << 30);
    s.use_bias = flag(l, "useBias", true);
    s.act = (Act)choice(l, "activation", 0, kActCount);
    s.rate = (float)num(l, "rate", 0);
    s.kernel_init = init_spec(l, "kernelInit", s.kernel_init);
    s.bias_init = init_spec(l, "biasInit", s.bias_init);
    s.kernel_reg = {(float)num(l, "kernelL1", 0), (float)num(l, "kernelL2", 0)};
    s.bias_reg = {(float)num(l, "biasL1", 0), (float)num(l, "biasL2", 0)};
    if (s.kernel_reg.l1 < 0 || s.kernel_reg.l2 < 0 || s.bias_reg.l1 < 0 || s.bias_reg.l2 < 0)
      throw Napi::RangeError::New(o.Env(), "Expected non-negative regularization factors");
    s.momentum = (float)num(l, "momentum", 0.99);
    s.epsilon = (float)num(l, "epsilon", 1e-3);
    s.center = flag(l, "center", true);
    s.scale = flag(l, "scale", true);
    s.trainable = flag(l, "trainable", true);
    Napi::Value gv = l.Get("window");
    if (gv.IsObject()) {
      Napi::Object g = gv.As<Napi::Object>();
      const size_t big = (size_t)1 << 30;
      s.geom.in_h = count(g, "inH", 1, big);
      s.geom.in_w = count(g, "inW", 1, big);
      s.geom.in_c = count(g, "inC", 1, big);
      s.geom.k_h = count(g, "kH", 1, big);
      s.geom.k_w = count(g, "kW", 1, big);
      s.geom.s_h = count(g, "sH", 1, big);
      s.geom.s_w = count(g, "sW", 1, big);
      s.geom.d_h = count(g, "dH", 1, big);
      s.geom.d_w = count(g, "dW", 1, big);
      s.geom.same = flag(g, "same", false);
    } else if (!gv.IsUndefined()) {
      throw Napi::TypeError::New(o.Env(), "Expected an object for window");
    }
    spec.layers.push_back(s);
  }
  return spec;
}

OptimizerConfig parse_optimizer(Napi::Object o) {
  OptimizerConfig c;
  c.kind = (OptimizerKind)choice(o, "kind", 0, 5);
  c.learning_rate = (float)num(o, "learningRate", c.learning_rate);
  c.momentum = (float)num(o, "momentum", 0);
  c.nesterov = flag(o, "nesterov", false);
  c.beta1 = (float)num(o, "beta1", c.beta1);
  c.beta2 = (float)num(o, "beta2", c.beta2);
  c.epsilon = (float)num(o, "epsilon", c.epsilon);
  c.amsgrad = flag(o, "amsgrad", false);
  c.weight_decay = (float)num(o, "weightDecay", 0);
  c.rho = (float)num(o, "rho", c.rho);
  c.initial_accumulator = (float)num(o, "initialAccumulatorValue", c.initial_accumulator);
  c.clip_norm = (float)num(o, "clipNorm", 0);
  c.global_clip_norm = (float)num(o, "globalClipNorm", 0);
  c.clip_value = (float)num(o, "clipValue", 0);
  Napi::Value sv = o.Get("schedule");
  if (sv.IsObject()) {
    Napi::Object s = sv.As<Napi::Object>();
    LrSchedule& r = c.schedule;
    r.kind = (ScheduleKind)choice(s, "kind", 0, 4);
    r.decay_steps = (int64_t)count(s, "decaySteps", 1);
    r.decay_rate = num(s, "decayRate", 1);
    r.staircase = flag(s, "staircase", false);
    r.step_size = (int64_t)count(s, "stepSize", 1);
    r.gamma = num(s, "gamma", 1);
    r.alpha = num(s, "alpha", 0);
    r.warmup_steps = (int64_t)count(s, "warmupSteps", 0);
  }
  return c;
}

}  // namespace napi
}  // namespace simdnn
