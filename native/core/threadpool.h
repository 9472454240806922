// One compute pool for every kernel. Workers sleep on a condition variable
// when idle (a short spin first, so back-to-back kernels do not pay a wake-up).
// Only one parallel region runs at a time: a caller that finds the pool busy
// (another libuv thread, or a nested call from inside a region) runs its work
// inline on its own thread, so the pool is never oversubscribed and never
// deadlocks. Work is split by index, never by timing, so results are identical
// for a given thread count.
#pragma once
#include <cstddef>
#include <functional>

namespace simdnn {

// Number of compute threads (the caller counts as one). Default: physical cores.
size_t num_threads();
// Sets the number of compute threads, 1..256. Safe at any time; a region that
// is running keeps the count it started with.
void set_num_threads(size_t n);
// Physical cores detected at load.
size_t physical_cores();

// Runs fn(tid, nthreads) once on each of `nthreads` threads (tid 0 is the
// caller) and returns when all have finished. nthreads is clamped to
// num_threads(); when the pool is busy it becomes 1. Exceptions thrown by fn
// are captured and the first is rethrown in the caller.
void parallel_run(size_t max_threads, const std::function<void(size_t tid, size_t nthreads)>& fn);

// Within its scope, the parallel regions this thread starts run inline on it,
// and num_threads() reports 1 to it: for work too small to pay for waking the
// helpers and waiting for them (a batch-1 prediction). Scopes nest.
class SerialScope {
 public:
  SerialScope();
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  bool outer_;
};

// Splits [0, n) into contiguous chunks of at least `grain` items, one chunk per
// thread, and calls fn(begin, end) for each. Runs inline when n < 2 * grain.
void parallel_for(size_t n, size_t grain, const std::function<void(size_t begin, size_t end)>& fn);

}  // namespace simdnn
