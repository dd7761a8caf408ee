#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string_view>

namespace mapreduce::detail {

// Writes all of `bytes` at `*offset` of `fd` with pwrite, retrying after a
// signal, and moves `*offset` past what was written. Returns 0, or the errno
// that stopped it (with `*offset` past the part that was written): the one
// loop behind the arenas' and the spill files' appends.
inline int write_at(int fd, std::string_view bytes, std::uint64_t* offset) {
  while (!bytes.empty()) {
    const ssize_t written = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(*offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
    *offset += static_cast<std::uint64_t>(written);
  }
  return 0;
}

}  // namespace mapreduce::detail
