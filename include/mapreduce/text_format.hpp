#pragma once

#include <charconv>
#include <concepts>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "mapreduce/detail/pair_or_tuple.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/nothing.hpp"

namespace mapreduce {

// TextFormat<T> writes an output key or value as text, appending to a string:
//   strings: their bytes, untouched;
//   integers: decimal; bool: "true" or "false"; char: the character;
//   float and double: the shortest text that reads back to the same value
//   (std::to_chars), e.g. 0.1, 8.5, 1e+20, inf, nan;
//   std::pair and std::tuple: their elements' text, separated by tabs (a
//   pair key in tsv output is two columns);
//   Nothing: no text (and a tsv record whose value is Nothing has no tab);
//   anything else: its operator<<.
// Specialize it for your own types:
//   template <> struct mapreduce::TextFormat<Point> {
//     static void append(std::string& out, const Point& p) { ... }
//   };
template <class T, class Enable = void>
struct TextFormat {
  static void append(std::string& out, const T& v) {
    std::ostringstream stream;
    stream << v;
    out += stream.str();
  }
};

template <class T>
struct TextFormat<T, std::enable_if_t<std::is_convertible_v<const T&, std::string_view>>> {
  static void append(std::string& out, const T& v) { out += std::string_view(v); }
};

template <>
struct TextFormat<char> {
  static void append(std::string& out, char c) { out += c; }
};

template <>
struct TextFormat<bool> {
  static void append(std::string& out, bool b) { out += b ? "true" : "false"; }
};

template <class T>
struct TextFormat<
    T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>>> {
  static void append(std::string& out, T v) {
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, result.ptr);
  }
};

template <>
struct TextFormat<Nothing> {
  static void append(std::string&, Nothing) {}
};

template <class T>
struct TextFormat<T, std::enable_if_t<detail::kIsPairOrTuple<T>>> {
  static void append(std::string& out, const T& v) {
    std::apply(
        [&out](const auto&... e) {
          bool first = true;
          ((out += first ? "" : "\t", first = false,
            TextFormat<std::remove_cvref_t<decltype(e)>>::append(out, e)),
           ...);
        },
        v);
  }
};

// Appends the text form of v to out.
template <class T>
void append_text(std::string& out, const T& v) {
  TextFormat<std::remove_cvref_t<T>>::append(out, v);
}

}  // namespace mapreduce
