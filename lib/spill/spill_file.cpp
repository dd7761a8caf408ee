#include "spill/spill_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/positional_write.hpp"
#include "base/system_error.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// An unlinked file in `directory`, or -1 with errno set.
int create_unlinked(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  // A file system without O_TMPFILE: a fresh name, unlinked at once.
  std::string name = directory + "/.mapreduce-spill-XXXXXX";
  std::vector<char> path(name.begin(), name.end());
  path.push_back('\0');
  const int named = ::mkostemp(path.data(), O_CLOEXEC);
  if (named >= 0) ::unlink(path.data());
  return named;
}

}  // namespace

std::string spill_directory(const std::string& chosen) {
  if (!chosen.empty()) return chosen;
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? std::string(tmpdir) : std::string("/tmp");
}

SpillFile::SpillFile(std::string directory) : directory_(std::move(directory)) {
  fd_.reset(create_unlinked(directory_));
  if (!fd_) open_error_ = errno;
}

void SpillFile::require_open() const {
  if (!fd_) {
    throw_errno<ResourceError>("cannot create a spill file in " + directory_ +
                                   " (the memory limit is reached; --spill-dir chooses the directory)",
                               open_error_);
  }
}

std::uint64_t SpillFile::append(std::span<const std::string_view> pieces) {
  require_open();
  const std::uint64_t start = size_;
  for (std::string_view piece : pieces) {
    const std::uint64_t before = size_;
    const int error = write_at(fd_.get(), piece, &size_);
    if (error == 0) continue;
    const std::uint64_t left = piece.size() - (size_ - before);
    if (error == ENOSPC || error == EDQUOT || error == EFBIG) {
      throw_errno<ResourceError>("the spill directory " + directory_ + " has no room for " +
                                     std::to_string(left) + " more bytes of spilled intermediate data (" +
                                     std::to_string(size_ + left) +
                                     " in this process's spill file; --spill-dir chooses another directory, "
                                     "--memory-limit a larger budget)",
                                 error);
    }
    throw_errno<ResourceError>("cannot write to a spill file in " + directory_, error);
  }
  if (after_append_ && size_ > start) after_append_();
  return start;
}

void SpillFile::resume_at(std::uint64_t offset) {
  size_ = offset;
  // Only what this process wrote past `offset` is given back; nothing to do
  // for a file never created or never written.
  if (fd_) (void)::ftruncate(fd_.get(), static_cast<off_t>(offset));
}

void SpillFile::give_back(SpillExtent extent) {
  if (!fd_ || extent.length == 0) return;
  (void)::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(extent.offset),
                    static_cast<off_t>(extent.length));
}

void SpillFile::read(std::uint64_t offset, std::size_t length, char* out) const {
  require_open();
  while (length > 0) {
    const ssize_t got = ::pread(fd_.get(), out, length, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno<ResourceError>("cannot read a spill file in " + directory_, errno);
    }
    if (got == 0) {
      throw ResourceError("a spill file in " + directory_ + " ended " + std::to_string(length) +
                          " bytes early");
    }
    out += got;
    offset += static_cast<std::uint64_t>(got);
    length -= static_cast<std::size_t>(got);
  }
}

MappedRegion SpillFile::map_prefix(std::uint64_t size) const {
  if (size == 0) return {};
  require_open();
  void* address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd_.get(), 0);
  if (address == MAP_FAILED) {
    throw_errno<ResourceError>(
        "cannot map " + std::to_string(size) + " bytes of a spill file in " + directory_, errno);
  }
  return MappedRegion(address, size);
}

}  // namespace mapreduce::detail
