#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/escape.hpp"
#include "mapreduce/detail/pair_or_tuple.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/json_format.hpp"
#include "mapreduce/nothing.hpp"

namespace mapreduce {

// StreamText<T> is the text form of an intermediate key or value in Hadoop
// Streaming (`--stream-map` writes it, `--stream-reduce` reads it back), one
// `key<TAB>value` line per pair. It must read back to the same encoded bytes:
//   strings: their bytes, with backslash, tab, newline and carriage return
//   written as \\, \t, \n and \r (so a key never holds the tab that ends it);
//   integers: decimal; bool: true or false; float and double: the shortest
//   text that reads back to the same value (inf, -inf and nan included);
//   std::pair and std::tuple: a JSON array, as mrjob's JSONProtocol writes
//   it (["word", 3]; nested pairs and tuples nested arrays): strings are JSON
//   strings whose \u0000-\u00ff escapes are bytes (bytes that are not UTF-8
//   are written so, as in JsonFormat), numbers and bools as above but for
//   NaN, Infinity and -Infinity (Python's json spelling), Nothing is null,
//   and any other element is a JSON string of its own StreamText;
//   Nothing: empty text;
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
  static void append(std::string& out, std::string_view v) { detail::append_c_escaped(out, v); }
  static bool parse(std::string_view text, std::string& bytes) {
    return detail::append_c_unescaped(text, bytes);
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

template <>
struct StreamText<Nothing> {
  static void append(std::string&, Nothing) {}
  static bool parse(std::string_view text, std::string&) { return text.empty(); }
};

namespace detail {

// Reads the JSON that StreamText writes for pairs and tuples, spaces allowed
// between its tokens.
class StreamJsonReader {
 public:
  explicit StreamJsonReader(std::string_view text) : text_(text) {}

  bool at_end() const { return at_ == text_.size(); }
  // Consumes `c`, after any spaces, if it is next.
  bool consume(char c) {
    skip_spaces();
    if (at_ == text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }
  // The next run of characters a number, true, false or null is made of.
  std::string_view word() {
    skip_spaces();
    const std::size_t begin = at_;
    while (at_ < text_.size() && is_word_char(text_[at_])) ++at_;
    return text_.substr(begin, at_ - begin);
  }
  // A JSON string's bytes, appended to `bytes`; \u0000 to \u00ff are bytes.
  bool string(std::string& bytes) {
    if (!consume('"')) return false;
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        bytes += c;
        continue;
      }
      if (at_ == text_.size()) return false;
      switch (text_[at_++]) {
        case '"':
          bytes += '"';
          break;
        case '\\':
          bytes += '\\';
          break;
        case '/':
          bytes += '/';
          break;
        case 'b':
          bytes += '\b';
          break;
        case 'f':
          bytes += '\f';
          break;
        case 'n':
          bytes += '\n';
          break;
        case 'r':
          bytes += '\r';
          break;
        case 't':
          bytes += '\t';
          break;
        case 'u': {
          if (text_.size() - at_ < 4) return false;
          unsigned code = 0;
          for (int k = 0; k < 4; ++k) {
            const int d = hex_digit(text_[at_++]);
            if (d < 0) return false;
            code = code * 16 + static_cast<unsigned>(d);
          }
          if (code > 0xff) return false;
          bytes += static_cast<char>(code);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

 private:
  static bool is_word_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '+' || c == '.';
  }
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  void skip_spaces() {
    while (at_ < text_.size() && text_[at_] == ' ') ++at_;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// One element of a pair or tuple in StreamText's JSON: append writes it,
// parse appends its Codec bytes.
template <class T>
struct StreamJson {
  static void append(std::string& out, const ViewOf<T>& v) {
    if constexpr (std::is_same_v<ViewOf<T>, std::string_view>) {
      append_json_string(out, v);
    } else if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) {
        out += std::signbit(v) ? "-NaN" : "NaN";
      } else if (std::isinf(v)) {
        out += v < 0 ? "-Infinity" : "Infinity";
      } else {
        StreamText<T>::append(out, v);
      }
    } else if constexpr (std::is_arithmetic_v<T>) {
      StreamText<T>::append(out, v);
    } else {
      std::string text;
      StreamText<T>::append(text, v);
      append_json_string(out, text);
    }
  }
  static bool parse(StreamJsonReader& in, std::string& bytes) {
    if constexpr (std::is_same_v<ViewOf<T>, std::string_view>) {
      // As for StreamText of a string, the Codec bytes are the string's.
      return in.string(bytes);
    } else if constexpr (std::is_arithmetic_v<T>) {
      std::string_view word = in.word();
      if constexpr (std::is_floating_point_v<T>) {
        if (word == "NaN") word = "nan";
        if (word == "-NaN") word = "-nan";
        if (word == "Infinity") word = "inf";
        if (word == "-Infinity") word = "-inf";
      }
      return !word.empty() && StreamText<T>::parse(word, bytes);
    } else {
      std::string text;
      return in.string(text) && StreamText<T>::parse(text, bytes);
    }
  }
};

template <>
struct StreamJson<Nothing> {
  static void append(std::string& out, Nothing) { out += "null"; }
  static bool parse(StreamJsonReader& in, std::string&) { return in.word() == "null"; }
};

// Pairs and tuples: a JSON array of their elements.
template <class ViewType, class... E>
struct StreamJsonArray {
  static void append(std::string& out, const ViewType& v) {
    out += '[';
    std::apply(
        [&out](const auto&... e) {
          bool first = true;
          ((out += first ? "" : ", ", first = false, StreamJson<E>::append(out, e)), ...);
        },
        v);
    out += ']';
  }
  // Each element's Codec bytes parsed apart, then decoded and encoded as a
  // whole.
  template <class Composite>
  static bool parse_as(StreamJsonReader& in, std::string& bytes) {
    if (!in.consume('[')) return false;
    std::array<std::string, sizeof...(E)> parts;
    std::size_t i = 0;
    const bool elements = (((i == 0 || in.consume(',')) && StreamJson<E>::parse(in, parts[i++])) && ...);
    if (!elements || !in.consume(']')) return false;
    const ViewType v = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return ViewType{Codec<E>::decode(parts[I])...};
    }
    (std::index_sequence_for<E...>{});
    const std::size_t at = bytes.size();
    bytes.resize(at + Codec<Composite>::size(v));
    Codec<Composite>::encode(v, bytes.data() + at);
    return true;
  }
};

template <class A, class B>
struct StreamJson<std::pair<A, B>> : StreamJsonArray<ViewOf<std::pair<A, B>>, A, B> {
  static bool parse(StreamJsonReader& in, std::string& bytes) {
    return StreamJson::template parse_as<std::pair<A, B>>(in, bytes);
  }
};

template <class... T>
struct StreamJson<std::tuple<T...>> : StreamJsonArray<ViewOf<std::tuple<T...>>, T...> {
  static bool parse(StreamJsonReader& in, std::string& bytes) {
    return StreamJson::template parse_as<std::tuple<T...>>(in, bytes);
  }
};

}  // namespace detail

template <class T>
struct StreamText<T, std::enable_if_t<detail::kIsPairOrTuple<T>>> {
  static void append(std::string& out, const ViewOf<T>& v) { detail::StreamJson<T>::append(out, v); }
  static bool parse(std::string_view text, std::string& bytes) {
    detail::StreamJsonReader in(text);
    const std::size_t at = bytes.size();
    // Spaces between tokens, not around the array.
    if (!text.starts_with(' ') && detail::StreamJson<T>::parse(in, bytes) && in.at_end()) return true;
    bytes.resize(at);
    return false;
  }
};

}  // namespace mapreduce
