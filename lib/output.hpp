#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "mapreduce/detail/byte_buffer.hpp"
#include "mapreduce/error.hpp"
#include "mapreduce/options.hpp"
#include "unique_fd.hpp"

namespace mapreduce::detail {

// Where the job's output lines go: a stream, standard output, or a file that
// is written beside its final path and renamed into place by commit(). Until
// commit() nothing replaces an existing file, and a destroyed, uncommitted
// Output removes its temporary file. Output is buffered in large blocks.
class Output {
 public:
  // Opens the destination named by the options; a file's temporary is created
  // now, so an unwritable directory fails the job before any work.
  explicit Output(const Options& options);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(std::string_view bytes);
  // Flushes and, for a file, renames it into place. Throws ResourceError.
  void commit();

 private:
  void flush();

  std::ostream* stream_ = nullptr;
  UniqueFd file_;
  int fd_ = -1;
  std::string path_;       // the final path, for a file
  std::string temp_path_;  // its temporary, until commit
  std::string buffer_;
};

// The reader of the output pipe went away (`| head`): the job ends quietly.
class OutputClosed : public ResourceError {
 public:
  using ResourceError::ResourceError;
};

// Writes the output lines of reduce records (key, line) from several runs, each
// sorted by key and with keys disjoint across runs, in ascending key order.
void write_merged(std::span<const std::string_view> runs, Output& out);

}  // namespace mapreduce::detail
