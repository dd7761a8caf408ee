#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
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
    ask_for_huge_pages(pages, bytes);
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

  // Makes the array `bytes` long (more than it is), keeping its bytes, the
  // added ones zero: the kernel moves the pages (their page tables, not
  // their bytes) when the array cannot grow where it is, to a place on a
  // huge-page boundary, so that huge pages stay huge. What was there is not
  // copied and not touched, so a table that doubles itself in place costs
  // the new pages alone. On failure (out of memory) throws ResourceError
  // naming `what`, the array unchanged.
  void extend(std::size_t bytes, const char* what) {
    if (data_ == nullptr) {
      *this = ZeroedPages(bytes, what);
      return;
    }
    void* grown = ::mremap(data_, size_, bytes, 0);
    if (grown == MAP_FAILED) grown = move_to_aligned(bytes);
    if (grown == MAP_FAILED) {
      throw ResourceError(std::string("out of memory: cannot grow ") + what + " from " +
                          std::to_string(size_) + " to " + std::to_string(bytes) + " bytes");
    }
    data_ = static_cast<char*>(grown);
    size_ = bytes;
    ask_for_huge_pages(data_, size_);
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

  // A large array asks for transparent huge pages: a hint, fine if refused.
  static void ask_for_huge_pages(void* pages, std::size_t bytes) {
    if (bytes >= kHugePage) ::madvise(pages, bytes, MADV_HUGEPAGE);
  }

  // Moves the pages to a new place of `bytes` (starting on a huge-page
  // boundary when that large): a range reserved with room to align it, the
  // pages moved onto its aligned part, the rest of it given back. MAP_FAILED
  // when there is no room, the pages where they were.
  void* move_to_aligned(std::size_t bytes) {
    const std::size_t slack = bytes >= kHugePage ? kHugePage : 0;
    void* reserved =
        ::mmap(nullptr, bytes + slack, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED) return MAP_FAILED;
    char* const start = static_cast<char*>(reserved);
    const std::size_t offset =
        slack == 0 ? 0 : (kHugePage - reinterpret_cast<std::uintptr_t>(start) % kHugePage) % kHugePage;
    char* const aligned = start + offset;
    void* moved = ::mremap(data_, size_, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, aligned);
    if (moved == MAP_FAILED) {
      ::munmap(reserved, bytes + slack);
      return MAP_FAILED;
    }
    // The reservation's parts before and after the moved pages.
    if (offset > 0) ::munmap(start, offset);
    if (slack > offset) ::munmap(aligned + bytes, slack - offset);
    return moved;
  }

  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace mapreduce::detail
