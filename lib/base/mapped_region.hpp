#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <string_view>
#include <utility>

namespace mapreduce::detail {

// Owns one mmap()ed region and unmaps it. An empty region maps nothing.
class MappedRegion {
 public:
  MappedRegion() = default;
  MappedRegion(void* address, std::size_t size) : address_(address), size_(size) {}
  MappedRegion(MappedRegion&& other) noexcept
      : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  MappedRegion& operator=(MappedRegion&& other) noexcept {
    if (this != &other) {
      unmap();
      address_ = std::exchange(other.address_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~MappedRegion() { unmap(); }

  const char* data() const { return static_cast<const char*>(address_); }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {data(), size_}; }

 private:
  void unmap() {
    if (address_ != nullptr) ::munmap(address_, size_);
    address_ = nullptr;
    size_ = 0;
  }

  void* address_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace mapreduce::detail
