#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <utility>

#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

// An array of zero bytes straight from the kernel: pages are zero until
// touched, so a large hash table costs no memset when made, and a large one
// asks for transparent huge pages, which save a TLB miss on nearly every
// probe of a table far bigger than the caches. Owned by one process.
class ZeroedPages {
 public:
  ZeroedPages() = default;
  // Throws ResourceError naming `what` and the size when memory runs out.
  ZeroedPages(std::size_t bytes, const char* what) : size_(bytes) {
    if (bytes == 0) return;
    void* pages = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
      size_ = 0;
      throw ResourceError(std::string("out of memory: cannot allocate ") + std::to_string(bytes) +
                          " bytes for " + what);
    }
    if (bytes >= kHugePage) ::madvise(pages, bytes, MADV_HUGEPAGE);  // a hint; fine if refused
    data_ = static_cast<char*>(pages);
  }
  ZeroedPages(ZeroedPages&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  ZeroedPages& operator=(ZeroedPages&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~ZeroedPages() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }

  char* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Every byte zero again: a large array's pages are handed back to the
  // kernel, to come back zero when next touched (so that a table emptied
  // for the last time costs nothing), a small one's are cleared.
  void zero() {
    if (data_ == nullptr) return;
    if (size_ >= kHugePage && ::madvise(data_, size_, MADV_DONTNEED) == 0) return;
    std::memset(data_, 0, size_);
  }

 private:
  static constexpr std::size_t kHugePage = std::size_t(2) << 20;
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace mapreduce::detail
