#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/escape.hpp"

namespace mapreduce {

// StreamText<T> is the text form of an intermediate key or value in Hadoop
// Streaming (`--stream-map` writes it, `--stream-reduce` reads it back), one
// `key<TAB>value` line per pair. It must read back to the same encoded bytes:
//   strings: their bytes, with backslash, tab, newline and carriage return
//   written as \\, \t, \n and \r (so a key never holds the tab that ends it);
//   integers: decimal; bool: true or false; float and double: the shortest
//   text that reads back to the same value (inf, -inf and nan included);
//   anything else (structs, your own codecs): the hexadecimal digits of its
//   Codec bytes.
// Specialize it for your own types:
//   template <> struct mapreduce::StreamText<Point> {
//     static void append(std::string& out, const Point& p);
//     // Appends the encoded (Codec) bytes of `text` to `bytes`; false if
//     // `text` is not a valid text form.
//     static bool parse(std::string_view text, std::string& bytes);
//   };
template <class T, class Enable = void>
struct StreamText {
  static constexpr char kHex[] = "0123456789abcdef";
  static void append(std::string& out, const ViewOf<T>& v) {
    std::string bytes(Codec<T>::size(v), '\0');
    Codec<T>::encode(v, bytes.data());
    for (unsigned char c : bytes) {
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  static bool parse(std::string_view text, std::string& bytes) {
    if (text.size() % 2 != 0) return false;
    if constexpr (std::is_trivially_copyable_v<T> && !std::is_arithmetic_v<T>) {
      // Codec<T>::decode reads exactly sizeof(T) bytes.
      if (text.size() != 2 * sizeof(T)) return false;
    }
    auto digit = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    for (std::size_t i = 0; i < text.size(); i += 2) {
      const int high = digit(text[i]);
      const int low = digit(text[i + 1]);
      if (high < 0 || low < 0) return false;
      bytes += static_cast<char>(high * 16 + low);
    }
    return true;
  }
};

template <class T>
struct StreamText<T, std::enable_if_t<std::is_same_v<ViewOf<T>, std::string_view>>> {
  static void append(std::string& out, std::string_view v) {
    for (char c : v) {
      if (const char* escape = detail::c_escape(c)) {
        out += escape;
      } else {
        out += c;
      }
    }
  }
  static bool parse(std::string_view text, std::string& bytes) {
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
};

template <>
struct StreamText<bool> {
  static void append(std::string& out, bool v) { out += v ? "true" : "false"; }
  static bool parse(std::string_view text, std::string& bytes) {
    if (text != "true" && text != "false") return false;
    const std::size_t at = bytes.size();
    bytes.resize(at + 1);
    Codec<bool>::encode(text == "true", bytes.data() + at);
    return true;
  }
};

template <class T>
struct StreamText<T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>> {
  static void append(std::string& out, T v) {
    char buffer[64];
    out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v).ptr);
  }
  static bool parse(std::string_view text, std::string& bytes) {
    T v{};
    const char* begin = text.data();
    const char* end = begin + text.size();
    if constexpr (std::is_floating_point_v<T>) {
      // from_chars takes neither a leading '+' nor the sign of "-inf" apart
      // from the rest; to_chars writes "-inf", which it does read.
      if (begin == end) return false;
    }
    const auto [ptr, error] = std::from_chars(begin, end, v);
    if (error != std::errc() || ptr != end) return false;
    const std::size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    Codec<T>::encode(v, bytes.data() + at);
    return true;
  }
};

}  // namespace mapreduce
