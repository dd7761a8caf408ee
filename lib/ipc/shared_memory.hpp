#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <boost/interprocess/mapped_region.hpp>

#include "base/mapped_region.hpp"
#include "base/unique_fd.hpp"

namespace mapreduce::detail {

// A growable region of shared memory written by one process and read in place
// by others: a memfd created before fork, so it has no name to leak or to be
// opened by another user, is freed with the last process that holds it, and is
// not bounded by the size of /dev/shm. The writer appends with pwrite, which
// reports a lack of memory as an error (never SIGBUS); readers map the part
// they were told is complete.
class SharedArena {
 public:
  // `name` shows in /proc/PID/fd, for debugging. Throws ResourceError.
  explicit SharedArena(const char* name);

  // Appends the pieces one after another at this process's end of the arena
  // and returns the offset of the first byte. Throws ResourceError naming the
  // size that could not be stored.
  std::uint64_t append(std::span<const std::string_view> pieces);

  // The end of what this process appended.
  std::uint64_t size() const { return size_; }

  // Appends from `offset` on: a replacement worker continues after what its
  // predecessor committed, overwriting whatever it left half-written.
  void resume_at(std::uint64_t offset) { size_ = offset; }

  // A read-only mapping of the first `size` bytes (which some process wrote).
  MappedRegion map_prefix(std::uint64_t size) const;
  // Gives the memory of everything written back to the system, in this
  // process, when no process will read it again: the arena keeps its size
  // and reads as zeros. (Else the last process to close it frees it, all at
  // once.) A refusal is ignored: the memory is then freed at the close.
  void discard();

 private:
  UniqueFd fd_;
  std::uint64_t size_ = 0;
};

// A fixed-size, zero-filled block of anonymous shared memory, inherited by
// forked children: the engine's control block. Throws ResourceError.
class SharedBlock {
 public:
  explicit SharedBlock(std::size_t size);
  void* data() const { return region_.get_address(); }

 private:
  boost::interprocess::mapped_region region_;
};

}  // namespace mapreduce::detail
