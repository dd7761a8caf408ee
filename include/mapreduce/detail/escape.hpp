#pragma once

#include <string>
#include <string_view>

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce::detail {

// The escapes the engine's text forms share — StreamText, JSON strings and
// the printable bytes of error messages: the two-character C escape of a
// backslash, newline, carriage return or tab, and a byte as a prefix and two
// lowercase hex digits.

// "\\\\", "\\n", "\\r" or "\\t" for those four bytes; nullptr for any other.
constexpr const char* c_escape(char c) {
  switch (c) {
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return nullptr;
  }
}

// Appends `text` to `out` with those four bytes escaped.
inline void append_c_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (const char* escape = c_escape(c)) {
      out += escape;
    } else {
      out += c;
    }
  }
}

// The inverse of append_c_escaped: appends `text` to `bytes` with
// each of those four escapes replaced by its byte; false for a backslash
// that starts none of them.
inline bool append_c_unescaped(std::string_view text, std::string& bytes) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      bytes += text[i];
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\':
        bytes += '\\';
        break;
      case 't':
        bytes += '\t';
        break;
      case 'n':
        bytes += '\n';
        break;
      case 'r':
        bytes += '\r';
        break;
      default:
        return false;
    }
  }
  return true;
}

// Appends `prefix` and the two hex digits of `byte`: ("\\x", 0xe9) gives
// "\\xe9", ("\\u00", 0x01) gives "\\u0001".
inline void append_hex_escape(std::string& out, std::string_view prefix, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += prefix;
  out += kHex[byte >> 4];
  out += kHex[byte & 15];
}

}  // namespace mapreduce::detail
