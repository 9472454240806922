// Conversions from JS values to plain C++ values. The facade validates every
// argument first with user-facing messages; these checks are the second line:
// the native side never trusts its caller, and every failure is a JS exception.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace simdnn {
namespace napi {

inline Napi::Float32Array get_f32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string("Expected a Float32Array for ") + name);
  return info[i].As<Napi::Float32Array>();
}

inline bool is_f32(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

// A non-negative integer that fits comfortably in size_t arithmetic.
inline size_t get_size(const Napi::CallbackInfo& info, size_t i, const char* name, size_t max = (size_t)1 << 40) {
  if (i >= info.Length() || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("Expected an integer for ") + name);
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > (double)max)
    throw Napi::RangeError::New(info.Env(), std::string("Expected an integer in [0, ") + std::to_string(max) +
                                                "] for " + name + " but received " + std::to_string(d));
  return (size_t)d;
}

inline double get_number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("Expected a number for ") + name);
  return info[i].As<Napi::Number>().DoubleValue();
}

inline bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsBoolean())
    throw Napi::TypeError::New(info.Env(), std::string("Expected a boolean for ") + name);
  return info[i].As<Napi::Boolean>().Value();
}

// a * b, or a RangeError when it overflows size_t.
inline size_t checked_mul(Napi::Env env, size_t a, size_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<size_t>::max() / a)
    throw Napi::RangeError::New(env, std::string("Size overflow computing ") + what);
  return a * b;
}

}  // namespace napi
}  // namespace simdnn
