#include "output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <queue>
#include <vector>

#include "mapreduce/detail/records.hpp"
#include "interruption.hpp"
#include "mapreduce/error.hpp"
#include "system_error.hpp"

namespace mapreduce::detail {
namespace {

constexpr std::size_t kBufferSize = 1 << 20;

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Output::Output(const Options& options) {
  buffer_.reserve(kBufferSize);
  if (options.output_stream != nullptr) {
    stream_ = options.output_stream;
    return;
  }
  if (options.output.empty()) {
    // User code may have printed through stdio or iostreams; keep the order.
    std::cout.flush();
    std::fflush(stdout);
    fd_ = STDOUT_FILENO;
    return;
  }
  path_ = options.output;
  // mkstemp creates the file exclusively (O_EXCL), mode 0600, with an
  // unpredictable name, in the same directory so that rename() is atomic.
  std::string pattern = directory_of(path_) + "/." + base_name_of(path_) + ".tmp-XXXXXX";
  file_ = UniqueFd(::mkstemp(pattern.data()));
  if (!file_) throw_errno<ResourceError>("cannot create a temporary file for output " + path_, errno);
  temp_path_ = pattern;
  register_temporary_file(temp_path_.c_str());
  fd_ = file_.get();
}

Output::~Output() {
  if (!temp_path_.empty()) {
    unregister_temporary_file();
    ::unlink(temp_path_.c_str());
  }
}

void Output::write(std::string_view bytes) {
  if (buffer_.size() + bytes.size() > kBufferSize) {
    flush();
    if (bytes.size() > kBufferSize) {
      buffer_.assign(bytes);
      flush();
      return;
    }
  }
  buffer_.append(bytes);
}

void Output::flush() {
  if (buffer_.empty()) return;
  if (stream_ != nullptr) {
    stream_->write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    if (!*stream_) throw ResourceError("cannot write the output stream");
    buffer_.clear();
    return;
  }
  const char* p = buffer_.data();
  std::size_t left = buffer_.size();
  while (left > 0) {
    const ssize_t written = ::write(fd_, p, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE && path_.empty()) throw OutputClosed("the reader of standard output went away");
      throw_errno<ResourceError>("cannot write output " + (path_.empty() ? std::string("to standard output") : path_),
                                 errno);
    }
    p += written;
    left -= static_cast<std::size_t>(written);
  }
  buffer_.clear();
}

void Output::commit() {
  flush();
  if (stream_ != nullptr) {
    stream_->flush();
    return;
  }
  if (temp_path_.empty()) return;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd_, 0666 & ~mask) != 0) throw_errno<ResourceError>("cannot set the mode of output " + path_, errno);
  if (::close(file_.release()) != 0) throw_errno<ResourceError>("cannot write output " + path_, errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw_errno<ResourceError>("cannot rename the finished output into place at " + path_, errno);
  }
  unregister_temporary_file();
  temp_path_.clear();
}

void write_merged(std::span<const std::string_view> runs, Output& out) {
  struct Head {
    std::string_view key;
    std::string_view line;
    std::size_t run;
  };
  std::vector<RecordReader> readers;
  readers.reserve(runs.size());
  for (std::string_view run : runs) readers.emplace_back(run);

  auto later = [](const Head& a, const Head& b) { return a.key > b.key; };
  std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
  Head head;
  for (std::size_t r = 0; r < readers.size(); ++r) {
    head.run = r;
    if (readers[r].next(head.key, head.line)) heads.push(head);
  }
  while (!heads.empty()) {
    head = heads.top();
    heads.pop();
    out.write(head.line);
    if (readers[head.run].next(head.key, head.line)) heads.push(head);
  }
}

}  // namespace mapreduce::detail
