// Implementation of guarded() from bindings.h.
#include <new>
#include <stdexcept>
#include <string>

namespace simdnn {
namespace napi {

// Messages already in the house style ("Expected ...") pass as they are.
inline std::string size_message(const std::length_error& e) {
  const std::string what = e.what();
  return what.rfind("Expected ", 0) == 0 ? what : "Size too large: " + what;
}

template <typename F>
auto guarded(Napi::Env env, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "Not enough memory for this operation (allocation failed)");
  } catch (const std::length_error& e) {
    throw Napi::RangeError::New(env, size_message(e));
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// The same mapping for AsyncWorker::Execute, which must not touch JS: runs fn
// and, on failure, records the message and whether it is a RangeError.
struct AsyncFailure {
  bool range = false;
  std::string message;
};

template <typename F>
bool capture_failure(AsyncFailure& f, F&& fn) {
  try {
    fn();
    return true;
  } catch (const std::bad_alloc&) {
    f = {true, "Not enough memory for this operation (allocation failed)"};
  } catch (const std::length_error& e) {
    f = {true, size_message(e)};
  } catch (const std::invalid_argument& e) {
    f = {true, e.what()};
  } catch (const std::exception& e) {
    f = {false, e.what()};
  }
  return false;
}

// The JS error for a failure recorded by capture_failure (`fallback` when none was).
inline Napi::Value failure_value(Napi::Env env, const AsyncFailure& f, const Napi::Error& fallback) {
  if (f.message.empty()) return fallback.Value();
  if (f.range) return Napi::RangeError::New(env, f.message).Value();
  return Napi::Error::New(env, f.message).Value();
}

}  // namespace napi
}  // namespace simdnn
