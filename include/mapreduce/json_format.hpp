#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "mapreduce/detail/escape.hpp"
#include "mapreduce/detail/pair_or_tuple.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/nothing.hpp"
#include "mapreduce/text_format.hpp"

namespace mapreduce {

// JsonFormat<T> writes an output key or value as a JSON value (for
// `--format jsonl`), appending to a string:
//   strings: a JSON string; bytes that are not valid UTF-8 are written as the
//   code point of the same number (\u0080 ... \u00ff), control characters as
//   escapes; integers: JSON numbers; bool: true or false; float and double:
//   the shortest round-trip number, or null for NaN and infinities (which JSON
//   cannot hold); std::pair and std::tuple: a JSON array of their elements
//   (["word", 3]); Nothing: null; anything else: a JSON string of its
//   TextFormat text.
// Specialize it for your own types like TextFormat.
template <class T, class Enable = void>
struct JsonFormat {
  static void append(std::string& out, const T& v);
};

namespace detail {

inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (const char* escape = c_escape(s[i])) {
        out += escape;
      } else if (c == '"') {
        out += "\\\"";
      } else if (c < 0x20 || c == 0x7f) {
        append_hex_escape(out, "\\u00", c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // The length of a well-formed UTF-8 sequence starting here, or 0.
    std::size_t length = 0;
    unsigned lowest = 0x80, highest = 0xbf;  // the allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) lowest = 0xa0;
      if (c == 0xed) highest = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) lowest = 0x90;
      if (c == 0xf4) highest = 0x8f;
    }
    bool valid = length != 0 && i + length <= s.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      valid = k == 1 ? (next >= lowest && next <= highest) : (next >= 0x80 && next <= 0xbf);
    }
    if (valid) {
      out.append(s.data() + i, length);
      i += length;
    } else {
      append_hex_escape(out, "\\u00", c);
      ++i;
    }
  }
  out += '"';
}

}  // namespace detail

template <class T, class Enable>
void JsonFormat<T, Enable>::append(std::string& out, const T& v) {
  std::string text;
  TextFormat<T>::append(text, v);
  detail::append_json_string(out, text);
}

template <class T>
struct JsonFormat<T, std::enable_if_t<std::is_convertible_v<const T&, std::string_view>>> {
  static void append(std::string& out, const T& v) { detail::append_json_string(out, std::string_view(v)); }
};

template <>
struct JsonFormat<char> {
  static void append(std::string& out, char c) { detail::append_json_string(out, std::string_view(&c, 1)); }
};

template <>
struct JsonFormat<bool> {
  static void append(std::string& out, bool b) { out += b ? "true" : "false"; }
};

template <class T>
struct JsonFormat<
    T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>>> {
  static void append(std::string& out, T v) {
    if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(v)) {
        out += "null";
        return;
      }
    }
    // A finite number's JSON is its text form.
    TextFormat<T>::append(out, v);
  }
};

template <>
struct JsonFormat<Nothing> {
  static void append(std::string& out, Nothing) { out += "null"; }
};

template <class T>
struct JsonFormat<T, std::enable_if_t<detail::kIsPairOrTuple<T>>> {
  static void append(std::string& out, const T& v) {
    out += '[';
    std::apply(
        [&out](const auto&... e) {
          bool first = true;
          ((out += first ? "" : ", ", first = false,
            JsonFormat<std::remove_cvref_t<decltype(e)>>::append(out, e)),
           ...);
        },
        v);
    out += ']';
  }
};

// Appends the JSON form of v to out.
template <class T>
void append_json(std::string& out, const T& v) {
  JsonFormat<std::remove_cvref_t<T>>::append(out, v);
}

}  // namespace mapreduce
