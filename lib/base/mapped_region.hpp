#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
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

// Gives back the pages of `range`, part of a read-only mapping of a file or
// of shared memory that has been read: they leave this process's resident
// set, and a later read maps them again from the file. The pages at its
// ends are whole pages, shared with the bytes around it. Never for private
// anonymous memory, whose pages it would zero.
inline void release_mapped_pages(std::string_view range) {
  if (range.empty()) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(range.data()) / page * page;
  const auto end = reinterpret_cast<std::uintptr_t>(range.data() + range.size());
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace mapreduce::detail
