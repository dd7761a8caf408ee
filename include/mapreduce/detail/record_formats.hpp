#pragma once

#include <string.h>  // memmem

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "mapreduce/detail/lines.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce::detail {

// The splitters of the record formats other than lines (for_each_line, in
// lines.hpp), and what the engine needs to number records and to cut between
// them. Each splitter calls f(record, record_begin) for every record of a
// block of whole records, record_begin being where the record starts in the
// block (the record itself may be a copy, for paragraphs with "\r\n" inside).

// NUL-terminated records (find -print0): '\0' ends a record, a last record
// without '\0' is still delivered, an empty record between two NULs is
// delivered, and no byte is dropped ('\r' is an ordinary byte). A text that
// ends with '\0' has no empty record after it.
template <class F>
inline void for_each_nul_record(std::string_view text, F&& f) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* nul = static_cast<const char*>(std::memchr(p, '\0', static_cast<std::size_t>(end - p)));
    if (nul == nullptr) {
      f(std::string_view(p, static_cast<std::size_t>(end - p)), p);
      return;
    }
    f(std::string_view(p, static_cast<std::size_t>(nul - p)), p);
    p = nul + 1;
  }
}

// Where the first `separator` (not empty) at or after `p` starts, or null.
inline const char* find_separator(const char* p, const char* end, std::string_view separator) {
  const auto size = static_cast<std::size_t>(end - p);
  if (separator.size() == 1) return static_cast<const char*>(std::memchr(p, separator[0], size));
  return static_cast<const char*>(::memmem(p, size, separator.data(), separator.size()));
}

// Records ended by a separator of one or more bytes that cannot overlap
// itself (RecordFormat::separated_by), as nul records are by '\0': a last
// record without a separator is delivered, an empty record between two
// separators is delivered, no byte is dropped. As no two occurrences of such
// a separator overlap, every occurrence ends a record, whatever text comes
// before it: the split of a block cut after any occurrence is the same.
template <class F>
inline void for_each_separated_record(std::string_view text, std::string_view separator, F&& f) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* found = find_separator(p, end, separator);
    if (found == nullptr) {
      f(std::string_view(p, static_cast<std::size_t>(end - p)), p);
      return;
    }
    f(std::string_view(p, static_cast<std::size_t>(found - p)), p);
    p = found + separator.size();
  }
}

// Paragraphs: lines as for_each_line cuts them ('\n' ends a line, a '\r'
// right before it is dropped), grouped into records separated by one or more
// blank (empty) lines. A record is its lines joined by '\n', without a
// trailing newline; blank lines before the first record or after the last
// make no records. A line of spaces is not blank.

// Whether the line that starts at `line` (before `end`) is blank: "\n" or
// "\r\n".
inline bool blank_line_at(const char* line, const char* end) {
  return line < end && (*line == '\n' || (*line == '\r' && end - line > 1 && line[1] == '\n'));
}

// Whether a blank line ends right before `p` in the text that starts at
// `text` (a line starts at `text`): a place where paragraphs may be cut.
inline bool ends_blank_line(const char* text, const char* p) {
  if (p - text < 1 || p[-1] != '\n') return false;
  if (p - text == 1 || p[-2] == '\n') return true;
  return p[-2] == '\r' && (p - text == 2 || p[-3] == '\n');
}

// One paragraph of a text: [begin, end) holds its bytes as they are in the
// text (end before its last line's line end); `inner_crlf` when a line end
// inside it is "\r\n", so that its record must be a copy.
struct Paragraph {
  const char* begin;
  const char* end;
  bool inner_crlf;
};

// Finds the first paragraph at or after `p` (a line start) and moves `p`
// past its last line. False when only blank lines are left.
inline bool next_paragraph(const char*& p, const char* end, Paragraph& paragraph) {
  while (blank_line_at(p, end)) p += *p == '\n' ? 1 : 2;
  if (p >= end) return false;
  paragraph.begin = p;
  paragraph.inner_crlf = false;
  for (;;) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (newline == nullptr) {
      paragraph.end = end;
      p = end;
      return true;
    }
    const bool crlf = newline > p && newline[-1] == '\r';
    paragraph.end = crlf ? newline - 1 : newline;
    p = newline + 1;
    if (p == end || blank_line_at(p, end)) return true;
    paragraph.inner_crlf |= crlf;
  }
}

// Calls f for every paragraph of text; `joined` is the buffer a paragraph
// with "\r\n" inside is copied to, reused from one record to the next.
template <class F>
inline void for_each_paragraph(std::string_view text, std::string& joined, F&& f) {
  const char* p = text.data();
  const char* const end = p + text.size();
  Paragraph paragraph;
  while (next_paragraph(p, end, paragraph)) {
    const auto size = static_cast<std::size_t>(paragraph.end - paragraph.begin);
    if (!paragraph.inner_crlf) {
      f(std::string_view(paragraph.begin, size), paragraph.begin);
      continue;
    }
    joined.clear();
    for (const char* c = paragraph.begin; c < paragraph.end; ++c) {
      if (!(*c == '\r' && c + 1 < paragraph.end && c[1] == '\n')) joined += *c;
    }
    f(std::string_view(joined), paragraph.begin);
  }
}

// Fixed-size records of `size` bytes. The engine hands on only whole
// records; a shorter rest (which it never gives) would be one more record.
template <class F>
inline void for_each_fixed_record(std::string_view text, std::size_t size, F&& f) {
  for (std::size_t at = 0; at < text.size(); at += size) f(text.substr(at, size), text.data() + at);
}

// A whole file is one record, an empty one too.
template <class F>
inline void for_each_file_record(std::string_view text, F&& f) {
  f(text, text.data());
}

// The number of records of `format` that start in [begin, end), where
// `begin` and `end` are places between records of one file's text: what
// numbers records for input_context() and for error messages.
inline std::uint64_t count_records(const RecordFormat& format, const char* begin, const char* end) {
  switch (format.kind) {
    case RecordKind::lines:
      return static_cast<std::uint64_t>(std::count(begin, end, '\n'));
    case RecordKind::nul:
      return static_cast<std::uint64_t>(std::count(begin, end, '\0'));
    case RecordKind::paragraphs: {
      std::uint64_t count = 0;
      Paragraph paragraph;
      for (const char* p = begin; next_paragraph(p, end, paragraph);) ++count;
      return count;
    }
    case RecordKind::file:
      return begin == end ? 0 : 1;
    case RecordKind::fixed:
      return static_cast<std::uint64_t>(end - begin) / format.size;
    case RecordKind::separated: {
      const std::string_view separator = format.separator();
      std::uint64_t count = 0;
      for (const char* p = begin; (p = find_separator(p, end, separator)) != nullptr; p += separator.size())
        ++count;
      return count;
    }
  }
  return 0;
}

}  // namespace mapreduce::detail
