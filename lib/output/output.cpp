#include "output/output.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <vector>

#include "api/option_rules.hpp"
#include "base/mapped_region.hpp"
#include "base/system_error.hpp"
#include "ipc/interruption.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/detail/merge_tree.hpp"
#include "mapreduce/detail/records.hpp"
#include "mapreduce/error.hpp"

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

// ".NAME.tmp-XXXXXX" in the directory of `path`, for mkstemp and mkdtemp.
std::string temporary_pattern(const std::string& path) {
  return directory_of(path) + "/." + base_name_of(path) + ".tmp-XXXXXX";
}

bool directory_is_empty(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) throw_errno<ResourceError>("cannot read output directory " + path, errno);
  bool empty = true;
  while (const dirent* entry = ::readdir(dir)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  ::closedir(dir);
  return empty;
}

}  // namespace

Output::Output(const Options& options, StandardOutput standard_output) {
  buffer_.reserve(kBufferSize);
  // First, as it may throw: once a temporary exists, only the destructor
  // removes it, and a constructor that throws runs none.
  const Compression codec = output_compression(options);
  if (codec != Compression::none) compressor_ = Compressor::make(codec);
  if (options.output_stream != nullptr) {
    stream_ = options.output_stream;
    return;
  }
  if (!options.output.empty()) {
    path_ = options.output;
    if (path_.ends_with('/')) {
      throw UsageError(
          "output file " + path_ +
          " ends in '/': name a file (for part files in a directory, use --output-dir, Options::output_dir)");
    }
    struct stat status;
    const bool exists = ::stat(path_.c_str(), &status) == 0;
    if (exists && S_ISDIR(status.st_mode)) {
      // Found now, not when the finished output cannot be renamed over it.
      throw UsageError("output file " + path_ +
                       " is a directory: name a file (for part files in a directory, use --output-dir, "
                       "Options::output_dir)");
    }
    if (exists && !S_ISREG(status.st_mode)) {
      // A device, a FIFO or a socket (/dev/stdout, /dev/full, a named pipe)
      // cannot be replaced atomically, nor should it be: write to it, as a
      // shell redirection would.
      file_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
      if (!file_) throw_errno<ResourceError>("cannot open output " + path_, errno);
      fd_ = file_.get();
      refuse_terminal();
      return;
    }
    // An unnamed file in the output's directory (O_TMPFILE): if this process
    // is killed outright, nothing is left behind. It gets a name only at
    // commit. Where the file system cannot do that, mkstemp: exclusive
    // (O_EXCL), mode 0600, an unpredictable name, removed on every path this
    // process survives. Made now, it is the check that the directory exists
    // and may be written: the real thing, which access(2) is not (root passes
    // it whatever the mode bits).
    const std::string cannot = "cannot write output " + path_ + " (in directory " + directory_of(path_) + ")";
    file_ = UniqueFd(::open(directory_of(path_).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
    if (!file_) {
      if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        throw_errno<ResourceError>(cannot, errno);
      std::string pattern = temporary_pattern(path_);
      file_ = UniqueFd(::mkstemp(pattern.data()));
      if (!file_) throw_errno<ResourceError>(cannot, errno);
      temp_path_ = pattern;
      register_temporary_file(temp_path_.c_str());
    } else {
      unnamed_ = true;
    }
    fd_ = file_.get();
    return;
  }
  if (!options.output_dir.empty()) {
    path_ = options.output_dir;
    while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
    struct stat status;
    if (::stat(path_.c_str(), &status) == 0) {
      if (!S_ISDIR(status.st_mode))
        throw UsageError("output directory " + path_ + " exists and is not a directory");
      if (!directory_is_empty(path_)) {
        throw UsageError("output directory " + path_ +
                         " exists and is not empty; remove it or choose another");
      }
    }
    // mkdtemp: exclusive, mode 0700, unpredictable, beside the final path;
    // it fails now if the parent is missing or cannot be written.
    std::string pattern = temporary_pattern(path_);
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw_errno<ResourceError>(
          "cannot create output directory " + path_ + " (in directory " + directory_of(path_) + ")", errno);
    }
    temp_path_ = pattern;
    directory_ = true;
    part_extension_ = compression_extension(codec);
    register_temporary_directory(temp_path_.c_str(), part_extension_);
    return;
  }
  // User code may have printed through stdio or iostreams; keep the order.
  std::cout.flush();
  std::fflush(stdout);
  fd_ = STDOUT_FILENO;
  if (standard_output == StandardOutput::direct) refuse_terminal();
}

// As gzip and zstd do: compressed bytes on a terminal help no one and may
// upset it.
void Output::refuse_terminal() const {
  if (compressor_ != nullptr && ::isatty(fd_)) {
    throw UsageError("compressed output is not written to a terminal (" +
                     (path_.empty() ? std::string("standard output") : path_) +
                     "): redirect it to a file or a pipe");
  }
}

void check_destination(const Options& options) {
  if (options.output_stream != nullptr) return;
  if (!options.output.empty()) {
    struct stat status;
    // A device or a FIFO is opened only by the job: a FIFO's reader would
    // take a first close for the end of the output.
    if (::stat(options.output.c_str(), &status) == 0 && !S_ISREG(status.st_mode) && !S_ISDIR(status.st_mode))
      return;
  } else if (options.output_dir.empty() && !(options.compress && *options.compress != Compression::none)) {
    return;  // plain standard output: nothing to check, nothing to flush
  }
  const Output probe(options);  // removes what it made as it goes
}

Output::Output(const Options& options, const std::string& temporary_directory)
    : path_(options.output_dir), temp_path_(temporary_directory), directory_(true), borrowed_(true) {
  buffer_.reserve(kBufferSize);
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
  const Compression codec = output_compression(options);
  if (codec != Compression::none) compressor_ = Compressor::make(codec);
  part_extension_ = compression_extension(codec);
}

Output::~Output() { remove_temporary(); }

void Output::expect_parts(std::size_t parts) {
  parts_ = std::max(parts_, parts);
  set_temporary_directory_parts(parts_);
}

void Output::remove_temporary() {
  if (temp_path_.empty()) return;
  if (borrowed_) {
    temp_path_.clear();
    return;
  }
  unregister_temporary_file();
  if (directory_) {
    file_.reset();
    for (std::size_t p = 0; p < parts_; ++p)
      ::unlink((temp_path_ + "/" + part_file_name(p, part_extension_)).c_str());
    ::unlink((temp_path_ + "/_SUCCESS").c_str());
    ::rmdir(temp_path_.c_str());
  } else {
    ::unlink(temp_path_.c_str());
  }
  temp_path_.clear();
}

namespace {

std::string proc_path_of(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace

bool Output::link_into_place(int fd) {
  if (::linkat(AT_FDCWD, proc_path_of(fd).c_str(), AT_FDCWD, path_.c_str(), AT_SYMLINK_FOLLOW) == 0)
    return true;
  if (errno == EEXIST) return false;
  throw_errno<ResourceError>("cannot give the finished output its name " + path_, errno);
}

// Links the unnamed output file (`fd`) under a fresh temporary name beside its
// final path, from where commit() renames it into place (linkat cannot
// replace a file).
void Output::give_name(int fd) {
  const std::string proc_path = proc_path_of(fd);
  for (int attempt = 0;; ++attempt) {
    std::string name = temporary_pattern(path_);
    std::random_device random;
    static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (std::size_t i = name.size() - 6; i < name.size(); ++i)
      name[i] = kLetters[random() % (sizeof kLetters - 1)];
    if (::linkat(AT_FDCWD, proc_path.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      temp_path_ = name;
      register_temporary_file(temp_path_.c_str());
      unnamed_ = false;
      return;
    }
    if (errno != EEXIST || attempt == 100) {
      throw_errno<ResourceError>("cannot give the finished output a name beside " + path_, errno);
    }
  }
}

namespace {

// 0, 1, ..., count - 1: the part files of one process's runs.
std::vector<std::size_t> part_numbers(std::size_t count) {
  std::vector<std::size_t> numbers(count);
  for (std::size_t i = 0; i < count; ++i) numbers[i] = i;
  return numbers;
}

}  // namespace

std::string part_file_name(std::size_t partition, std::string_view extension) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05zu", partition);
  return name + std::string(extension);
}

void Output::open_part(std::size_t p) {
  const std::string name = part_file_name(p, part_extension_);
  const std::string path = temp_path_ + "/" + name;
  file_ = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (!file_) throw_errno<ResourceError>("cannot create output file " + path_ + "/" + name, errno);
  part_ = p;
  if (!borrowed_) expect_parts(p + 1);
  fd_ = file_.get();
}

void Output::write_partitions(std::span<const std::string_view> partitions) {
  if (directory_) {
    write_part_files(partitions, part_numbers(partitions.size()));
    return;
  }
  std::vector<const char*> released;
  for (std::string_view run : partitions) released.push_back(run.data());
  for_each_merged_record(partitions, [&](std::size_t p, std::string_view, std::string_view line) {
    write(line);
    if (release_pages_) release_written(released[p], line.data() + line.size());
  });
}

void Output::write_merged(std::span<const std::string_view> pieces) {
  if (directory_) throw Error("internal: merged output lines are not written to part files");
  for (std::string_view piece : pieces) {
    // In 16 MiB steps, so that pages are given back as they are written.
    constexpr std::size_t kStep = std::size_t(16) << 20;
    for (std::size_t at = 0; at < piece.size(); at += kStep) {
      const std::string_view step = piece.substr(at, kStep);
      write(step);
      if (release_pages_) release_mapped_pages(step);
    }
  }
}

void Output::release_written(const char*& released, const char* written) const {
  constexpr std::ptrdiff_t kReleaseBytes = std::ptrdiff_t(16) << 20;
  if (written - released < kReleaseBytes) return;
  release_mapped_pages(std::string_view(released, static_cast<std::size_t>(written - released)));
  released = written;
}

void Output::write_in_order(std::span<const std::string_view> runs) {
  if (directory_) {
    write_part_files(runs, part_numbers(runs.size()));
    return;
  }
  for (std::string_view run : runs) write_lines(run);
}

void Output::write_part_files(std::span<const std::string_view> runs, std::span<const std::size_t> numbers) {
  for (std::size_t i = 0; i < runs.size(); ++i) {
    open_part(numbers[i]);
    write_lines(runs[i]);
    end_stream();
    if (::close(file_.release()) != 0) {
      throw_errno<ResourceError>("cannot write output " + name(), errno);
    }
    fd_ = -1;
  }
}

void Output::write_lines(std::string_view records) {
  std::string_view key;
  std::string_view line;
  RecordReader reader(records);
  const char* released = records.data();
  while (reader.next(key, line)) {
    write(line);
    if (release_pages_) release_written(released, line.data() + line.size());
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

// The name of what is being written, for errors: the file, the part file,
// "to standard output".
std::string Output::name() const {
  if (directory_ && fd_ >= 0) return path_ + "/" + part_file_name(part_, part_extension_);
  if (!path_.empty()) return path_;
  return stream_ != nullptr ? "stream" : "to standard output";
}

void Output::flush() {
  if (buffer_.empty()) return;
  if (compressor_ == nullptr) {
    write_out(buffer_);
    return;
  }
  compressor_->compress(buffer_, compressed_, name());
  buffer_.clear();
  // The codec's output comes in pieces smaller than its input: it is
  // written in blocks as large as the plain output's.
  if (compressed_.size() >= kBufferSize) write_out(compressed_);
}

void Output::end_stream() {
  flush();
  if (compressor_ == nullptr) return;
  compressor_->finish(compressed_, name());
  write_out(compressed_);
}

void Output::write_out(std::string& bytes) {
  if (bytes.empty()) return;
  if (stream_ != nullptr) {
    stream_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!*stream_) throw ResourceError("cannot write the output stream");
    bytes.clear();
    return;
  }
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t written = ::write(fd_, p, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE && path_.empty()) throw OutputClosed("the reader of standard output went away");
      throw_errno<ResourceError>("cannot write output " + name(), errno);
    }
    p += written;
    left -= static_cast<std::size_t>(written);
  }
  bytes.clear();
}

void Output::commit() {
  if (borrowed_) throw Error("internal: a borrowed output directory is committed by its owner");
  if (directory_) {
    const std::string success = temp_path_ + "/_SUCCESS";
    UniqueFd marker(::open(success.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!marker) throw_errno<ResourceError>("cannot create " + path_ + "/_SUCCESS", errno);
  } else {
    end_stream();
  }
  if (stream_ != nullptr) {
    stream_->flush();
    return;
  }
  if (temp_path_.empty() && !unnamed_) return;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (directory_) {
    if (::chmod(temp_path_.c_str(), 0777 & ~mask) != 0) {
      throw_errno<ResourceError>("cannot set the mode of output directory " + path_, errno);
    }
    // rename() replaces an empty directory; one that filled up meanwhile is
    // an error, and the finished output stays where it was written.
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      throw_errno<ResourceError>("cannot rename the finished output into place at " + path_, errno);
    }
  } else {
    if (::fchmod(fd_, 0666 & ~mask) != 0)
      throw_errno<ResourceError>("cannot set the mode of output " + path_, errno);
    // close() reports write errors the file system deferred (NFS), and the
    // file must not get its name before they are known: close the descriptor
    // written through, and name the unnamed file through a duplicate.
    UniqueFd unnamed;
    if (unnamed_) {
      unnamed = UniqueFd(::fcntl(fd_, F_DUPFD_CLOEXEC, 0));
      if (!unnamed) throw_errno<ResourceError>("cannot give the finished output a name at " + path_, errno);
    }
    fd_ = -1;
    if (::close(file_.release()) != 0) throw_errno<ResourceError>("cannot write output " + path_, errno);
    // Where no file of that name exists, the unnamed file is linked straight
    // under it, and no temporary name ever exists; otherwise it is named
    // beside it and renamed over it, which a SIGKILL in between can leave.
    const bool linked = unnamed_ && link_into_place(unnamed.get());
    if (!linked) {
      if (unnamed_) give_name(unnamed.get());
      if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
        throw_errno<ResourceError>("cannot rename the finished output into place at " + path_, errno);
      }
    }
    unnamed_ = false;
  }
  unregister_temporary_file();
  temp_path_.clear();
}

}  // namespace mapreduce::detail
