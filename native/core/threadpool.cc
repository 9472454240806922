#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define SIMDNN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define SIMDNN_PAUSE() asm volatile("yield")
#else
#define SIMDNN_PAUSE() ((void)0)
#endif

namespace simdnn {
namespace {

size_t detect_physical_cores() {
  // Linux: count distinct (physical id, core id) pairs; fall back to logical CPUs.
  std::ifstream f("/proc/cpuinfo");
  std::set<std::pair<int, int>> cores;
  int phys = 0;
  std::string line;
  while (std::getline(f, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    int value = std::atoi(line.c_str() + colon + 1);
    if (key == "physical id") phys = value;
    if (key == "core id") cores.insert({phys, value});
  }
  size_t logical = std::max(1u, std::thread::hardware_concurrency());
  if (cores.empty()) return logical;
  return std::min(logical, cores.size());
}

class Pool {
 public:
  Pool() : physical_(detect_physical_cores()), threads_(physical_) {}

  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  size_t physical() const { return physical_; }
  size_t threads() const { return threads_.load(); }
  void set_threads(size_t n) { threads_.store(n); }

  void run(size_t want, const std::function<void(size_t, size_t)>& fn) {
    size_t n = std::min(want, threads_.load());
    if (n <= 1 || !region_mu_.try_lock()) {
      fn(0, 1);
      return;
    }
    std::lock_guard<std::mutex> region(region_mu_, std::adopt_lock);
    ensure_workers(n - 1);
    {
      std::lock_guard<std::mutex> lk(mu_);
      job_ = &fn;
      job_threads_ = n;
      pending_.store(n - 1);
      first_error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    try {
      fn(0, n);
    } catch (...) {
      record_error(std::current_exception());
    }
    // Wait for the helpers: spin very briefly, then yield the core (a helper
    // that was just woken may be queued on this very core), then sleep.
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
      if (i < 64) {
        SIMDNN_PAUSE();
        continue;
      }
      if ((i & 15) == 0 && std::chrono::steady_clock::now() - start > std::chrono::microseconds(500)) break;
      std::this_thread::yield();
    }
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [&] { return pending_.load() == 0; });
    }
    std::exception_ptr err;
    {
      std::lock_guard<std::mutex> lk(mu_);
      job_ = nullptr;
      err = first_error_;
    }
    if (err) std::rethrow_exception(err);
  }

 private:
  void ensure_workers(size_t n) {
    while (workers_.size() < n) {
      size_t index = workers_.size() + 1;
      workers_.emplace_back([this, index] { worker_loop(index); });
    }
  }

  void record_error(std::exception_ptr e) {
    std::lock_guard<std::mutex> lk(mu_);
    if (!first_error_) first_error_ = e;
  }

  void worker_loop(size_t index) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(size_t, size_t)>* job = nullptr;
      size_t n = 0;
      {
        // Watch the generation counter for a short while (~100 us) before
        // sleeping, so that kernels issued back to back do not pay for a
        // futex wake-up each; yielding keeps the core free for others.
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; generation_.load(std::memory_order_acquire) == seen; ++i) {
          if (i < 32) {
            SIMDNN_PAUSE();
            continue;
          }
          if ((i & 7) == 0 && std::chrono::steady_clock::now() - start > std::chrono::microseconds(100)) break;
          std::this_thread::yield();
        }
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_.load() != seen; });
        if (stop_) return;
        seen = generation_.load();
        job = job_;
        n = job_threads_;
      }
      if (job && index < n) {
        try {
          (*job)(index, n);
        } catch (...) {
          record_error(std::current_exception());
        }
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> lk(mu_);
          done_cv_.notify_one();
        }
      }
    }
  }

  const size_t physical_;
  std::atomic<size_t> threads_;
  std::mutex region_mu_;  // held for the whole of one parallel region
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t job_threads_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<size_t> pending_{0};
  std::exception_ptr first_error_;
  bool stop_ = false;
};

Pool& pool() {
  // Leaked on purpose: worker threads must not be joined during static
  // destruction at process exit, when the addon may already be unloading.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

namespace {
thread_local bool t_serial = false;
}  // namespace

SerialScope::SerialScope() : outer_(t_serial) { t_serial = true; }
SerialScope::~SerialScope() { t_serial = outer_; }

size_t num_threads() { return t_serial ? 1 : pool().threads(); }
void set_num_threads(size_t n) { pool().set_threads(std::max<size_t>(1, std::min<size_t>(n, 256))); }
size_t physical_cores() { return pool().physical(); }

void parallel_run(size_t max_threads, const std::function<void(size_t, size_t)>& fn) {
  if (t_serial) {
    fn(0, 1);
    return;
  }
  pool().run(max_threads, fn);
}

void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  size_t chunks = std::min(num_threads(), n / grain);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  parallel_run(chunks, [&](size_t tid, size_t nt) {
    size_t begin = n * tid / nt, end = n * (tid + 1) / nt;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace simdnn
