#pragma once

#include <cstring>
#include <string_view>

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce::detail {

// Calls f(line, line_begin) for every line of text: '\n' ends a line, a '\r'
// right before it is dropped, a last line without '\n' is still delivered, and
// empty lines are delivered. A text that ends with '\n' has no empty line after
// it. Every other byte (NUL, invalid UTF-8, a lone '\r') is part of the line.
template <class F>
inline void for_each_line(std::string_view text, F&& f) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (newline == nullptr) {
      f(std::string_view(p, static_cast<std::size_t>(end - p)), p);
      return;
    }
    const char* line_end = (newline > p && newline[-1] == '\r') ? newline - 1 : newline;
    f(std::string_view(p, static_cast<std::size_t>(line_end - p)), p);
    p = newline + 1;
  }
}

}  // namespace mapreduce::detail
