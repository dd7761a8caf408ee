#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/mapped_region.hpp"
#include "base/unique_fd.hpp"

namespace mapreduce::detail {

// A byte range of a spill file.
struct SpillExtent {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// A file on disk for the intermediate data past the memory budget: created
// unlinked (O_TMPFILE, or created and unlinked at once where the file system
// lacks it), mode 0600, in the spill directory, so that no exit path, a
// SIGKILL included, leaves it behind, and it is freed with the last process
// that holds it. Created before the fork and inherited, like the memfd
// arenas: the worker of a slot appends, any process reads what was
// committed. A directory where it cannot be created is an error only when
// something is to be spilled, so a job that fits in memory never needs one.
class SpillFile {
 public:
  explicit SpillFile(std::string directory);

  // Appends at this process's end of the file and returns the offset of the
  // first byte. Throws ResourceError naming the directory (no room: how many
  // bytes more were needed; it could not be created: why).
  std::uint64_t append(std::span<const std::string_view> pieces);
  std::uint64_t append(std::string_view bytes) { return append(std::span(&bytes, 1)); }

  // The end of what this process appended.
  std::uint64_t size() const { return size_; }
  // Appends from `offset` on, overwriting what lies past it (a replacement
  // worker, after what its predecessor committed; a reduce task's scratch
  // runs, after the map output), and gives the disk space past it back.
  void resume_at(std::uint64_t offset);

  // Frees the disk blocks of `extent`, which this process appended and
  // will not read again (a merge pass's input, once merged), keeping the
  // file's size and every other byte. Best effort: a file system that cannot
  // punch holes keeps the blocks until the file is truncated or closed.
  void give_back(SpillExtent extent);

  // Reads `length` bytes at `offset`, which some process appended, into
  // `out`. Throws ResourceError.
  void read(std::uint64_t offset, std::size_t length, char* out) const;

  const std::string& directory() const { return directory_; }

  // Called after every append that wrote something (a test hook: a fault
  // point that kills the worker part way through a spill or a merge pass);
  // empty clears it.
  void after_append(std::function<void()> hook) { after_append_ = std::move(hook); }

  // A read-only shared mapping of the first `size` bytes (which some
  // process appended): its pages are the file's, which the kernel can write
  // back and drop, and which a reader gives back as it goes
  // (release_mapped_pages). Throws ResourceError.
  MappedRegion map_prefix(std::uint64_t size) const;

 private:
  // Throws the error that kept the file from being created, if one did.
  void require_open() const;

  std::string directory_;
  UniqueFd fd_;
  int open_error_ = 0;
  std::uint64_t size_ = 0;
  std::function<void()> after_append_;
};

// Appends many small pieces (records) to a spill file through a buffer, so
// that each write is large.
class SpillWriter {
 public:
  explicit SpillWriter(SpillFile& file, std::size_t buffer_bytes = std::size_t(1) << 20)
      : file_(file), start_(file.size()) {
    buffer_.reserve(buffer_bytes);
  }
  void add(std::string_view bytes) {
    if (buffer_.size() + bytes.size() > buffer_.capacity()) flush();
    if (bytes.size() >= buffer_.capacity()) {
      file_.append(bytes);
    } else {
      buffer_.append(bytes);
    }
  }
  // Writes what is buffered; returns the extent of everything added since
  // construction.
  SpillExtent finish() {
    flush();
    return SpillExtent{start_, file_.size() - start_};
  }

 private:
  void flush() {
    if (!buffer_.empty()) file_.append(buffer_);
    buffer_.clear();
  }
  SpillFile& file_;
  std::uint64_t start_;
  std::string buffer_;
};

// The directory a spill file goes in: `chosen`, or $TMPDIR, or /tmp.
std::string spill_directory(const std::string& chosen);

}  // namespace mapreduce::detail
