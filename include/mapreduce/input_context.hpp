#pragma once

#include <cstdint>
#include <string_view>

#include "mapreduce/detail/record_formats.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce {
namespace detail {

template <class Derived, class Key, class Value, class Input>
class TypedJob;

// Where a block of text mapper reads comes from: its file, its offset in the
// file (decompressed), its record format, and the number of its first record
// — given, or 0 when it is to be counted from `file_text` (a plain file's
// mapped text). The one place that numbers records (lines, for the lines
// format), for InputContext and for mapper's error messages.
struct BlockOrigin {
  std::string_view path;
  std::uint64_t offset = 0;
  std::uint64_t first_line = 0;
  const char* file_text = nullptr;
  RecordFormat records = {};

  // The number of the block's first record, the block starting at `block`.
  std::uint64_t first_line_of(const char* block) const {
    return first_line != 0 ? first_line : 1 + count_records(records, file_text, block);
  }
  // The number of the record starting at `line_begin` inside the block.
  std::uint64_t line_at(const char* block, const char* line_begin) const {
    return first_line_of(block) + count_records(records, block, line_begin);
  }
};

}  // namespace detail

// Where the record mapper is looking at came from: the input file (the real
// file inside a directory, or the compressed file itself, as error messages
// name it), the record's 1-based number within that file — for the lines
// format, its line number — and the byte offset of its first byte there (in
// the decompressed text of a compressed file). A job reads it with input_context() during
// mapper; path() is valid in mapper_setup and mapper_cleanup too. In
// --stream-map, path() is Hadoop's mapreduce_map_input_file (or
// map_input_file) when that is set. The number of a record of a plain file
// is counted on first use in each block of text, so a job that never asks
// pays nothing. Owned by the job; not thread-safe.
class InputContext {
 public:
  std::string_view path() const { return origin_.path; }
  // The record's number within its file (the line number, for lines).
  std::uint64_t line() const {
    if (block_first_line_ == 0) block_first_line_ = origin_.first_line_of(block_begin_);
    return block_first_line_ + line_in_block_;
  }
  std::uint64_t offset() const {
    return origin_.offset + static_cast<std::uint64_t>(line_begin_ - block_begin_);
  }
  // For lines: whether the line ended in "\r\n", whose '\r' mapper's line
  // does not hold (what a program that must print lines exactly as they are,
  // like grep, adds back).
  bool dropped_cr() const {
    const char* after = line_begin_ + line_size_;
    return origin_.records.kind == RecordKind::lines && after < block_end_ && *after == '\r';
  }

 private:
  template <class Derived, class Key, class Value, class Input>
  friend class detail::TypedJob;

  // A new block of text from `origin`.
  void start_block(const detail::BlockOrigin& origin, std::string_view block) {
    origin_ = origin;
    block_begin_ = block.data();
    block_end_ = block.data() + block.size();
    line_begin_ = block.data();
    line_size_ = 0;
    block_first_line_ = 0;
    line_in_block_ = 0;
  }

  detail::BlockOrigin origin_;
  const char* block_begin_ = nullptr;
  const char* block_end_ = nullptr;
  const char* line_begin_ = nullptr;
  std::size_t line_size_ = 0;
  mutable std::uint64_t block_first_line_ = 0;  // 0 until counted
  std::uint64_t line_in_block_ = 0;
};

}  // namespace mapreduce
