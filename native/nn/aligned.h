// A 64-byte aligned float buffer owned by the core. Allocation failure and
// size overflow throw (std::bad_alloc / std::length_error), never abort; the
// binding turns them into JS RangeErrors.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace simdnn {

// The machine's physical memory in bytes (0 when unknown). An allocation
// larger than this can only end in the OOM killer once its pages are touched
// (Linux overcommits, so malloc itself would succeed), never in a bad_alloc.
inline size_t physical_memory_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  static const size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : (size_t)0;
  }();
  return bytes;
#else
  return 0;
#endif
}

// Throws std::length_error (a RangeError in JavaScript) when `bytes` cannot
// fit in this machine's memory at all.
inline void check_fits_in_memory(size_t bytes, const char* what) {
  const size_t limit = physical_memory_bytes();
  if (limit && bytes > limit) {
    auto gb = [](size_t b) {
      std::string s = std::to_string((double)b / (1024.0 * 1024.0 * 1024.0));
      return s.substr(0, s.find('.') + 2) + " GB";
    };
    throw std::length_error("Expected sizes that fit in this machine's " + gb(limit) + " of memory for " + what +
                            ", but received sizes needing " + gb(bytes));
  }
}

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t n) { resize(n); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = o.data_;
      size_ = o.size_;
      capacity_ = o.capacity_;
      o.data_ = nullptr;
      o.size_ = o.capacity_ = 0;
    }
    return *this;
  }
  ~AlignedBuffer() { std::free(data_); }

  // Sets the size to n floats. Grows the allocation when needed; contents are
  // kept up to min(old size, n) only when keep is true.
  void resize(size_t n, bool keep = false) {
    if (n > capacity_) {
      if (n > std::numeric_limits<size_t>::max() / sizeof(float) - 16) throw std::length_error("buffer size overflow");
      void* p = nullptr;
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      check_fits_in_memory(bytes, "the buffers of this operation");
      if (posix_memalign(&p, 64, bytes) != 0 || !p) throw std::bad_alloc();
      if (keep && size_) std::memcpy(p, data_, size_ * sizeof(float));
      std::free(data_);
      data_ = static_cast<float*>(p);
      capacity_ = bytes / sizeof(float);
    }
    size_ = n;
  }
  void zero() {
    if (size_) std::memset(data_, 0, size_ * sizeof(float));
  }
  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }
  size_t bytes() const { return capacity_ * sizeof(float); }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace simdnn
