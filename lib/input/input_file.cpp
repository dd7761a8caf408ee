#include "input/input_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "base/system_error.hpp"
#include "base/unique_fd.hpp"
#include "ipc/interruption.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

namespace {

std::int64_t modified_ns(const struct stat& status) {
  return std::int64_t(status.st_mtim.tv_sec) * 1000000000 + status.st_mtim.tv_nsec;
}

// Reads `fd` from its current offset to its end into private shared memory
// (a memfd), which can be mapped where `fd` cannot. `name` is for messages.
UniqueFd spool_to_memory(int fd, const std::string& name) {
  UniqueFd spool(::memfd_create("mapreduce-input", MFD_CLOEXEC));
  if (!spool) throw_errno<ResourceError>("cannot create shared memory (memfd) to hold " + name, errno);
  std::vector<char> buffer(std::size_t(1) << 20);
  std::uint64_t total = 0;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno<InputError>("cannot read " + name, errno);
    }
    for (ssize_t written = 0; written < got;) {
      const ssize_t n =
          ::write(spool.get(), buffer.data() + written, static_cast<std::size_t>(got - written));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno<ResourceError>(
            "cannot hold " + name + " in memory (" + std::to_string(total) + " bytes read)", errno);
      }
      written += n;
      total += static_cast<std::uint64_t>(n);
    }
  }
  return spool;
}

}  // namespace

InputFile::InputFile(std::string path) : path_(std::move(path)) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  fd_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd_) throw_errno<InputError>("cannot open input " + path_, errno);
  map_file();
  // The mapping outlives the descriptor. Closing it lets a job read a
  // directory of thousands of files without running out of descriptors;
  // check_unchanged() then looks the file up by its path.
  fd_.reset();
}

InputFile::InputFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {
  map_file();
}

std::unique_ptr<InputFile> InputFile::standard_input() {
  const char* const name = "standard input";
  struct stat status;
  if (::fstat(STDIN_FILENO, &status) != 0) throw_errno<InputError>(std::string("cannot read ") + name, errno);
  if (S_ISREG(status.st_mode)) {
    // A redirected file: map it from the start, wherever the offset is.
    UniqueFd fd(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0));
    if (!fd) throw_errno<ResourceError>(std::string("cannot duplicate ") + name, errno);
    return std::unique_ptr<InputFile>(new InputFile(name, std::move(fd)));
  }
  UniqueFd spool = spool_to_memory(STDIN_FILENO, name);
  return std::unique_ptr<InputFile>(new InputFile(name, std::move(spool)));
}

void InputFile::map_file() {
  struct stat status;
  if (::fstat(fd_.get(), &status) != 0) throw_errno<InputError>("cannot stat input " + path_, errno);
  size_ = status.st_size;
  modified_ns_ = modified_ns(status);
  device_ = status.st_dev;
  inode_ = status.st_ino;
  if (S_ISDIR(status.st_mode)) throw InputError("input " + path_ + " is a directory, not a file");
  if (!S_ISREG(status.st_mode)) {
    throw InputError("input " + path_ +
                     " is not a regular file (pipes, devices and sockets cannot be mapped)");
  }
  if (status.st_size == 0 && !spooled_) {
    // Files of /proc and /sys report a size of 0 and have content all the
    // same: read them to their end, as a pipe, and map what they held. A
    // truly empty file holds nothing either way.
    map_spooled();
    return;
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  if (size == 0) return;
  void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd_.get(), 0);
  if (address == MAP_FAILED && errno == ENODEV && !spooled_) {
    // A file system that cannot map its files (sysfs, whose files claim a
    // size of a page): read it like a pipe instead.
    map_spooled();
    return;
  }
  if (address == MAP_FAILED) throw_errno<InputError>("cannot map input " + path_, errno);
  region_ = MappedRegion(address, size);
  register_input(address, size, path_.c_str());
  registered_ = true;
  // The mappers read it front to back; ask for aggressive read-ahead.
  ::madvise(address, size, MADV_SEQUENTIAL);
}

void InputFile::map_spooled() {
  fd_ = spool_to_memory(fd_.get(), "input " + path_);
  spooled_ = true;
  map_file();
}

InputFile::~InputFile() {
  if (registered_) unregister_input(region_.data());
}

void InputFile::check_unchanged() const {
  // A private copy, which nothing but this job can reach.
  if (spooled_) return;
  struct stat status;
  if (fd_) {
    if (::fstat(fd_.get(), &status) != 0) throw_errno<InputError>("cannot stat input " + path_, errno);
  } else if (::stat(path_.c_str(), &status) != 0 || status.st_dev != device_ || status.st_ino != inode_) {
    // Removed or replaced by another file: the mapped one, which the job
    // read, lives on unchanged.
    return;
  }
  if (status.st_size != size_ || modified_ns(status) != modified_ns_) {
    throw InputError("input " + path_ + " changed while the job was reading it (" +
                     (status.st_size == size_ ? std::string("it was modified")
                                              : std::to_string(size_) + " bytes when opened, " +
                                                    std::to_string(status.st_size) + " now") +
                     ")");
  }
}

void InputFile::release() const { release_mapped_pages(data()); }

}  // namespace mapreduce::detail
