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

namespace simdnn {

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
      if (n > std::numeric_limits<size_t>::max() / sizeof(float) - 16)
        throw std::length_error("buffer size overflow");
      void* p = nullptr;
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
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
