#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/mapped_region.hpp"
#include "base/unique_fd.hpp"

namespace mapreduce::detail {

// One input: a regular file mapped read-only into memory. The mapping is
// inherited by forked workers, so they read the same pages without copying.
class InputFile {
 public:
  // Opens and maps `path`. A regular file that reports a size of 0 (as those
  // of /proc do) or cannot be mapped (as those of /sys) is read to its end
  // into private shared memory instead. Throws InputError naming the path and the cause (errno text, or
  // "is a directory" / "is not a regular file").
  explicit InputFile(std::string path);

  // Standard input, named "standard input" in messages: mapped in place when
  // it is a regular file, otherwise (a pipe, a terminal) read to its end
  // into private shared memory first, since only a file can be mapped.
  // Throws InputError or ResourceError.
  static std::unique_ptr<InputFile> standard_input();
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }
  std::string_view data() const { return region_.view(); }

  // Throws InputError if the file's size or modification time is no longer
  // what they were when it was mapped: its bytes may have changed under the
  // job, and the output must not silently disagree with the file.
  void check_unchanged() const;

  // Tells the kernel this process is done, for now, with the pages of the
  // file it has read: they leave its resident set but stay in the page
  // cache, so a later read costs a minor fault at most. Keeps a process's
  // memory at what it holds, not what it has read. The whole mapping, not a
  // task's range: the kernel maps pages around each one read (fault-around,
  // read-ahead), up to half a MiB past either end of a range, and those
  // would stay mapped (on a 3 GiB input cut into 769 tasks, 192 MiB in the
  // parent, which reads only around the cuts, and 50 MiB in each worker).
  void release() const;

 private:
  InputFile(std::string path, UniqueFd fd);
  void map_file();
  // Reads the file to its end into a memfd and maps that instead.
  void map_spooled();

  std::string path_;
  UniqueFd fd_;  // only for standard input; a named file is found by its path
  std::int64_t size_ = 0;
  std::int64_t modified_ns_ = 0;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;
  MappedRegion region_;
  bool registered_ = false;  // with the SIGBUS handler
  bool spooled_ = false;     // read into a memfd: a file of unknown size, or a pipe
};

}  // namespace mapreduce::detail
