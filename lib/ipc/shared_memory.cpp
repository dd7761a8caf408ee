#include "ipc/shared_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <boost/interprocess/anonymous_shared_memory.hpp>
#include <boost/interprocess/exceptions.hpp>

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
    const char* p = piece.data();
    std::size_t left = piece.size();
    while (left > 0) {
      const ssize_t written = ::pwrite(fd_.get(), p, left, static_cast<off_t>(size_));
      if (written < 0) {
        if (errno == EINTR) continue;
        throw_errno<ResourceError>("out of shared memory: cannot store " + std::to_string(size_ + left) +
                                       " bytes of intermediate data",
                                   errno);
      }
      p += written;
      left -= static_cast<std::size_t>(written);
      size_ += static_cast<std::uint64_t>(written);
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

SharedBlock::SharedBlock(std::size_t size) {
  try {
    region_ = boost::interprocess::anonymous_shared_memory(size);
  } catch (const boost::interprocess::interprocess_exception& e) {
    throw ResourceError("cannot allocate " + std::to_string(size) + " bytes of shared memory: " + e.what());
  }
}

}  // namespace mapreduce::detail
