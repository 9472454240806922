// Conversions from JS values to plain C++ values. The facade validates every
// argument first with user-facing messages; these checks are the second line:
// the native side never trusts its caller, and every failure is a JS exception.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "napi_config.h"

namespace simdnn {
namespace napi {

// A number as JavaScript would print it (for messages).
inline std::string format_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

inline Napi::Float32Array get_f32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string("Expected a Float32Array for ") + name);
  return info[i].As<Napi::Float32Array>();
}

// The storage of a Float32Array argument, read with a single N-API call (the
// hot paths: matmul and predict, where a few hundred nanoseconds per call
// matter for small products).
struct F32View {
  float* data;
  size_t length;
};

inline F32View get_f32_view(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (i >= info.Length() ||
      napi_get_typedarray_info(info.Env(), info[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string("Expected a Float32Array for ") + name);
  return {static_cast<float*>(data), length};
}

inline bool is_f32(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

// Reads a number argument with one N-API call (napi_get_value_double fails on
// anything that is not a number): the hot paths pass several per call.
inline bool read_double(const Napi::CallbackInfo& info, size_t i, double* d) {
  return i < info.Length() && napi_get_value_double(info.Env(), info[i], d) == napi_ok;
}

// A non-negative integer that fits comfortably in size_t arithmetic.
inline size_t get_size(const Napi::CallbackInfo& info, size_t i, const char* name, size_t max = (size_t)1 << 40) {
  double d = 0;
  if (!read_double(info, i, &d)) throw Napi::TypeError::New(info.Env(), std::string("Expected an integer for ") + name);
  if (!(d >= 0) || d != std::floor(d) || d > (double)max)
    throw Napi::RangeError::New(info.Env(), std::string("Expected an integer in [0, ") + std::to_string(max) +
                                                "] for " + name + ", but received " + format_number(d));
  return (size_t)d;
}

inline double get_number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = 0;
  if (!read_double(info, i, &d)) throw Napi::TypeError::New(info.Env(), std::string("Expected a number for ") + name);
  return d;
}

inline bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  bool v = false;
  if (i >= info.Length() || napi_get_value_bool(info.Env(), info[i], &v) != napi_ok)
    throw Napi::TypeError::New(info.Env(), std::string("Expected a boolean for ") + name);
  return v;
}

// A new Float32Array of n elements, or a RangeError when JavaScript cannot
// allocate it (too long for a typed array, or out of memory).
inline Napi::Float32Array new_f32(Napi::Env env, size_t n) {
  try {
    return Napi::Float32Array::New(env, n);
  } catch (const Napi::Error&) {
    throw Napi::RangeError::New(env, "Not enough memory for a result of " + std::to_string(n) +
                                         " values (a Float32Array could not be allocated)");
  }
}

// a * b, or a RangeError when it overflows size_t.
inline size_t checked_mul(Napi::Env env, size_t a, size_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<size_t>::max() / a)
    throw Napi::RangeError::New(env, std::string("Size overflow computing ") + what);
  return a * b;
}

}  // namespace napi
}  // namespace simdnn
