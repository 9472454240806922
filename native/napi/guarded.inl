// Implementation of guarded() from bindings.h.
#include <new>
#include <stdexcept>
#include <string>

namespace simdnn {
namespace napi {

template <typename F>
auto guarded(Napi::Env env, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "Not enough memory for this operation (allocation failed)");
  } catch (const std::length_error& e) {
    throw Napi::RangeError::New(env, std::string("Size too large: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

}  // namespace napi
}  // namespace simdnn
