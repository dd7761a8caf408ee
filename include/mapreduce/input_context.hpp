#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace mapreduce {
namespace detail {
template <class Derived, class Key, class Value>
class TypedJob;
}  // namespace detail

// Where the line mapper is looking at came from: the input file (the real
// file inside a directory, or the .gz itself, as error messages name it), the
// line's 1-based number within that file, and its byte offset there (in the
// decompressed text of a compressed file). A job reads it with
// input_context() during mapper; path() is valid in mapper_setup and
// mapper_cleanup too. In --stream-map, path() is Hadoop's
// mapreduce_map_input_file (or map_input_file) when that is set. The line
// number of a plain file is counted on first use in each map task, so a job
// that never asks pays nothing. Owned by the job; not thread-safe.
class InputContext {
 public:
  std::string_view path() const { return path_; }
  std::uint64_t line() const {
    if (block_first_line_ == 0) block_first_line_ = 1 + std::count(file_begin_, block_begin_, '\n');
    return block_first_line_ + line_in_block_;
  }
  std::uint64_t offset() const {
    return block_offset_ + static_cast<std::uint64_t>(line_begin_ - block_begin_);
  }

 private:
  template <class Derived, class Key, class Value>
  friend class detail::TypedJob;

  std::string_view path_;
  const char* file_begin_ = nullptr;   // a plain file's text, to count lines in
  const char* block_begin_ = nullptr;  // the text mapper's lines come from
  const char* line_begin_ = nullptr;
  std::uint64_t block_offset_ = 0;              // of block_begin_ in the file
  mutable std::uint64_t block_first_line_ = 0;  // 0 until counted
  std::uint64_t line_in_block_ = 0;
};

}  // namespace mapreduce
