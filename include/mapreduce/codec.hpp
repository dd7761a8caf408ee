#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "mapreduce/detail/pair_or_tuple.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/nothing.hpp"

namespace mapreduce {

// Your own key and value types: the whole recipe.
//
// A type is a key or a value through up to four specializations, each of
// its own header, each in namespace mapreduce:
//   Codec<T>       (here)              the bytes of the shuffle; required,
//                                      but a trivially copyable type has one
//   TextFormat<T>  (text_format.hpp)   tsv output; default: operator<<
//   JsonFormat<T>  (json_format.hpp)   --format jsonl; default: the
//                                      TextFormat text as a JSON string
//   StreamText<T>  (stream_text.hpp)   Hadoop Streaming's text, read back to
//                                      the same Codec bytes; default: the
//                                      hex digits of the Codec bytes
// std::pair and std::tuple of supported types need none of them
// (composite_codec.hpp): they sort field by field, print as tab-separated
// columns, JSON arrays and, in Hadoop Streaming, JSON arrays too.
//
// A point that sorts by x, then y (README, "Your own types"; the same code is
// compiled and run through all four by test/codec_recipe_test.cpp):
//
//   struct Point {
//     std::int32_t x, y;
//   };
//   template <>
//   struct mapreduce::Codec<Point> {
//     using view_type = Point;
//     static constexpr std::size_t kFixedSize = 8;
//     static std::size_t size(const Point&) { return kFixedSize; }
//     static void encode(const Point& p, char* out) {  // order-preserving fields
//       Codec<std::int32_t>::encode(p.x, out);
//       Codec<std::int32_t>::encode(p.y, out + 4);
//     }
//     static Point decode(std::string_view bytes) {
//       return {Codec<std::int32_t>::decode(bytes.substr(0, 4)),
//               Codec<std::int32_t>::decode(bytes.substr(4, 4))};
//     }
//   };
//   template <>  // tsv: (3, -1)
//   struct mapreduce::TextFormat<Point> {
//     static void append(std::string& out, const Point& p) {
//       out += "(" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")";
//     }
//   };
//   template <>  // jsonl: {"x": 3, "y": -1}
//   struct mapreduce::JsonFormat<Point> {
//     static void append(std::string& out, const Point& p) {
//       out += "{\"x\": " + std::to_string(p.x) + ", \"y\": " + std::to_string(p.y) + "}";
//     }
//   };
//   template <>  // Hadoop Streaming: 3,-1
//   struct mapreduce::StreamText<Point> {
//     static void append(std::string& out, const Point& p) {
//       out += std::to_string(p.x) + "," + std::to_string(p.y);
//     }
//     // Appends the Codec bytes of `text` to `bytes`; false if it is not a
//     // point ("3,-1" and nothing else).
//     static bool parse(std::string_view text, std::string& bytes) {
//       Point p{};
//       const char* end = text.data() + text.size();
//       const auto x = std::from_chars(text.data(), end, p.x);
//       if (x.ec != std::errc() || x.ptr == end || *x.ptr != ',') return false;
//       const auto y = std::from_chars(x.ptr + 1, end, p.y);
//       if (y.ec != std::errc() || y.ptr != end) return false;
//       bytes.resize(bytes.size() + Codec<Point>::kFixedSize);
//       Codec<Point>::encode(p, bytes.data() + bytes.size() - Codec<Point>::kFixedSize);
//       return true;
//     }
//   };
//
// Codec<T> turns a key or value into bytes and back. The engines carry every
// intermediate pair as bytes (the concurrent engine through shared memory), and
// they group and order keys by those bytes alone:
//   - two keys are the same key exactly when their encodings are equal;
//   - keys are reduced and output in ascending byte order of their encodings.
// The built-in codecs are order-preserving: strings encode as their bytes,
// integers and floating-point numbers as big-endian bytes adjusted so that byte
// order is numeric order, std::pair and std::tuple element by element in
// lexicographic order (composite_codec.hpp), and Nothing as no bytes at all;
// a codec of your own can build on them, as Point's does.
//
// Trivially copyable structs (and enums, arrays) encode as their object
// representation. Equal structs group as one key, but keys sort by those raw
// bytes, not by their fields: on a little-endian machine (x86-64, AArch64) an integer field
// is stored low byte first, so {256} sorts before {1}, and a negative number
// after every positive one. For field-wise order use a std::tuple key (such
// as std::tuple<std::int32_t, std::int32_t> for a point), or give the struct
// a Codec of its own, as above.
//
// A specialization provides:
//   using view_type = ...;                        // what mapper emits and
//                                                 // reducer receives (T, or a
//                                                 // cheap view such as
//                                                 // std::string_view)
//   static std::size_t size(const view_type& v);  // encoded size in bytes
//   static void encode(const view_type& v, char* out);  // writes size(v) bytes
//   static view_type decode(std::string_view bytes);    // inverse of encode
// and, optionally, when every encoding has the same size N:
//   static constexpr std::size_t kFixedSize = N;
// which lets a pair or tuple store the element as it is instead of escaped.
// decode may return a view into `bytes`; the bytes outlive the reducer call.
template <class T, class Enable = void>
struct Codec;

// Strings: the bytes themselves, emitted and received without a copy.
template <>
struct Codec<std::string> {
  using view_type = std::string_view;
  static std::size_t size(std::string_view v) { return v.size(); }
  static void encode(std::string_view v, char* out) {
    if (!v.empty()) std::memcpy(out, v.data(), v.size());
  }
  static std::string_view decode(std::string_view bytes) { return bytes; }
};

template <>
struct Codec<std::string_view> : Codec<std::string> {};

namespace detail {

template <class U>
U to_big_endian(U v) {
  if constexpr (std::endian::native == std::endian::little && sizeof(U) > 1) {
    return __builtin_bswap64(static_cast<std::uint64_t>(v)) >> (64 - 8 * sizeof(U));
  } else {
    return v;
  }
}

template <std::size_t N>
using UnsignedOfSize = std::conditional_t<
    N == 1, std::uint8_t,
    std::conditional_t<N == 2, std::uint16_t, std::conditional_t<N == 4, std::uint32_t, std::uint64_t>>>;

}  // namespace detail

// Integers (signed ones with the sign bit flipped) and bool, big-endian.
template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T>>> {
  using view_type = T;
  using Bits = detail::UnsignedOfSize<sizeof(T)>;
  static constexpr Bits kFlip = std::is_signed_v<T> ? Bits(Bits(1) << (8 * sizeof(T) - 1)) : 0;
  static constexpr std::size_t kFixedSize = sizeof(T);
  static constexpr std::size_t size(T) { return sizeof(T); }
  static void encode(T v, char* out) {
    Bits bits = detail::to_big_endian<Bits>(Bits(static_cast<Bits>(v) ^ kFlip));
    std::memcpy(out, &bits, sizeof bits);
  }
  static T decode(std::string_view bytes) {
    Bits bits;
    std::memcpy(&bits, bytes.data(), sizeof bits);
    return static_cast<T>(Bits(detail::to_big_endian<Bits>(bits) ^ kFlip));
  }
};

// float and double: IEEE bits transformed so that byte order is numeric order
// (negative numbers have all bits flipped, others only the sign bit). -0.0 is
// stored as 0.0 so that the two group as one key.
template <class T>
struct Codec<T, std::enable_if_t<std::is_floating_point_v<T> && (sizeof(T) == 4 || sizeof(T) == 8)>> {
  using view_type = T;
  using Bits = detail::UnsignedOfSize<sizeof(T)>;
  static constexpr Bits kSign = Bits(Bits(1) << (8 * sizeof(T) - 1));
  static constexpr std::size_t kFixedSize = sizeof(T);
  static constexpr std::size_t size(T) { return sizeof(T); }
  static void encode(T v, char* out) {
    if (v == T(0)) v = T(0);
    Bits bits = std::bit_cast<Bits>(v);
    bits = (bits & kSign) ? Bits(~bits) : Bits(bits | kSign);
    bits = detail::to_big_endian<Bits>(bits);
    std::memcpy(out, &bits, sizeof bits);
  }
  static T decode(std::string_view bytes) {
    Bits bits;
    std::memcpy(&bits, bytes.data(), sizeof bits);
    bits = detail::to_big_endian<Bits>(bits);
    bits = (bits & kSign) ? Bits(bits & ~kSign) : Bits(~bits);
    return std::bit_cast<T>(bits);
  }
};

// Any other trivially copyable type (structs, arrays of bytes, enums): its
// object representation, ordered as raw bytes (see above). Padding bytes take
// part in comparison, so such keys should have none, or be value-initialized
// before they are filled in. Not pairs and tuples, which have their own.
template <class T>
struct Codec<T, std::enable_if_t<std::is_trivially_copyable_v<T> && !std::is_arithmetic_v<T> &&
                                 !detail::kIsPairOrTuple<T>>> {
  using view_type = T;
  static constexpr std::size_t kFixedSize = sizeof(T);
  static constexpr std::size_t size(const T&) { return sizeof(T); }
  static void encode(const T& v, char* out) { std::memcpy(out, &v, sizeof(T)); }
  static T decode(std::string_view bytes) {
    T v;
    std::memcpy(&v, bytes.data(), sizeof(T));
    return v;
  }
};

// Nothing (nothing.hpp): no bytes.
template <>
struct Codec<Nothing> {
  using view_type = Nothing;
  static constexpr std::size_t kFixedSize = 0;
  static constexpr std::size_t size(Nothing) { return 0; }
  static void encode(Nothing, char*) {}
  static Nothing decode(std::string_view) { return {}; }
};

// What a type is emitted and received as.
template <class T>
using ViewOf = typename Codec<T>::view_type;

// Satisfied by types with a usable Codec.
template <class T>
concept Encodable = requires(const ViewOf<T>& v, char* out, std::string_view bytes) {
  { Codec<T>::size(v) } -> std::convertible_to<std::size_t>;
  Codec<T>::encode(v, out);
  { Codec<T>::decode(bytes) } -> std::convertible_to<ViewOf<T>>;
};

}  // namespace mapreduce

// The codecs of std::pair and std::tuple, always visible with Codec.
#include "mapreduce/composite_codec.hpp"
