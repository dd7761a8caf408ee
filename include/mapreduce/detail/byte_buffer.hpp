#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

// A growable run of bytes that, unlike std::string, does not zero what it is
// about to overwrite. Owned by one process; moved, never shared. Running out
// of memory while growing throws ResourceError naming the sizes.
class ByteBuffer {
 public:
  ByteBuffer() = default;

  // Returns room for n more bytes at the end; the caller fills all n of them.
  char* extend(std::size_t n) {
    if (capacity_ - size_ < n) grow(n);
    char* out = data_.get() + size_;
    size_ += n;
    return out;
  }
  void append(std::string_view bytes) {
    if (!bytes.empty()) std::memcpy(extend(bytes.size()), bytes.data(), bytes.size());
  }
  // Room for n more bytes without growing again.
  void reserve(std::size_t n) {
    if (capacity_ - size_ < n) grow(n);
  }
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  const char* data() const { return data_.get(); }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void grow(std::size_t n) {
    std::size_t capacity = capacity_ < 256 ? 256 : capacity_ * 2;
    while (capacity - size_ < n) capacity *= 2;
    std::unique_ptr<char[]> data;
    try {
      data = std::make_unique_for_overwrite<char[]>(capacity);
    } catch (const std::bad_alloc&) {
      throw ResourceError("out of memory: cannot grow a buffer of intermediate records from " +
                          std::to_string(capacity_) + " to " + std::to_string(capacity) + " bytes");
    }
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace mapreduce::detail
