#include "ipc/shared_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <boost/interprocess/anonymous_shared_memory.hpp>
#include <boost/interprocess/exceptions.hpp>

#include "base/positional_write.hpp"
#include "base/system_error.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

SharedArena::SharedArena(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
  if (!fd_)
    throw_errno<ResourceError>("cannot create shared memory (memfd) for the intermediate data", errno);
}

std::uint64_t SharedArena::append(std::span<const std::string_view> pieces) {
  const std::uint64_t start = size_;
  for (std::string_view piece : pieces) {
    const std::uint64_t needed = size_ + piece.size();
    if (const int error = write_at(fd_.get(), piece, &size_); error != 0) {
      throw_errno<ResourceError>(
          "out of shared memory: cannot store " + std::to_string(needed) + " bytes of intermediate data",
          error);
    }
  }
  return start;
}

MappedRegion SharedArena::map_prefix(std::uint64_t size) const {
  if (size == 0) return {};
  void* address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd_.get(), 0);
  if (address == MAP_FAILED) {
    throw_errno<ResourceError>("cannot map " + std::to_string(size) + " bytes of shared intermediate data",
                               errno);
  }
  return MappedRegion(address, size);
}

void SharedArena::discard() {
  struct stat status {};
  if (::fstat(fd_.get(), &status) != 0 || status.st_size == 0) return;
  ::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, status.st_size);
}

SharedBlock::SharedBlock(std::size_t size) {
  try {
    region_ = boost::interprocess::anonymous_shared_memory(size);
  } catch (const boost::interprocess::interprocess_exception& e) {
    throw ResourceError("cannot allocate " + std::to_string(size) + " bytes of shared memory: " + e.what());
  }
}

}  // namespace mapreduce::detail
