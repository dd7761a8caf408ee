#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/pair_or_tuple.hpp"
#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce {

// Codec<std::pair<A, B>> and Codec<std::tuple<T...>>: composite keys and
// values whose byte order is tuple order, lexicographic by element, each
// element in its own order (numeric for numbers, byte order for strings,
// its Codec's byte order otherwise). Elements are any encodable types,
// pairs and tuples included. A key is emitted as its view type, a pair or
// tuple of the elements' views, so a std::string element is passed as a
// std::string_view without a copy:
//
//   struct ByDay : mapreduce::MapReduce<ByDay, std::pair<std::string, int>, long> {
//     void mapper(std::string_view line, Emitter& emit) {
//       emit({line.substr(0, 3), day_of(line)}, 1);  // pair<string_view, int>
//     }
//   };
//   // std::tuple<std::string, std::int64_t, double> keys: emit({word, n, x}, v)
//   // or emit(std::tuple{word, n, x}, v)
//
// and reducer receives the key as that view (std::pair<std::string_view, int>
// here), valid during the call.
//
// The encoding: every element in turn, then a tail.
//   - An element whose Codec has a kFixedSize (numbers, bool, enums, trivially
//     copyable structs, Nothing) is its Codec bytes.
//   - Any other element (strings, user codecs of varying size) is its Codec
//     bytes escaped so that they end themselves: 0x00 is written 0x00 0xff,
//     and 0x00 0x00 ends the element. Escaped byte strings sort as the raw
//     ones do, and none is a prefix of another, so the byte order of all the
//     elements is tuple order.
//   - A pair or tuple element is its elements, in place.
//   - The tail: the raw bytes, once more, of each escaped element that held a
//     0x00 byte, last element first. Decoding views an element without a 0x00
//     in the escaped form itself, and one with a 0x00 in its tail copy, so it
//     never allocates. The tail decides a comparison only between encodings
//     whose elements are all equal, that is between equal tuples, which have
//     equal tails: grouping and order are exact.
// decode takes bytes that encode wrote (the engine's), and checks nothing.
namespace detail {

template <class T>
concept FixedSizeCodec = requires {
  { Codec<T>::kFixedSize } -> std::convertible_to<std::size_t>;
};

// How one element of a pair or tuple is written into, and read from, an
// encoding: the head goes forward from `head`, the tail backward from
// `tail_end`. The primary template is the escaped form.
template <class T>
struct CompositePart {
  // The element's Codec bytes: the view itself for strings, else encoded
  // into `scratch`.
  static std::string_view raw(const ViewOf<T>& v, std::string& scratch) {
    if constexpr (std::is_base_of_v<Codec<std::string>, Codec<T>>) {
      return v;
    } else {
      scratch.resize(Codec<T>::size(v));
      Codec<T>::encode(v, scratch.data());
      return scratch;
    }
  }
  static std::size_t size(const ViewOf<T>& v) {
    std::string scratch;
    const std::string_view bytes = raw(v, scratch);
    const auto zeros = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\0'));
    return bytes.size() + zeros + 2 + (zeros != 0 ? bytes.size() : 0);
  }
  static void write(const ViewOf<T>& v, char*& head, char*& tail_end) {
    std::string scratch;
    const std::string_view bytes = raw(v, scratch);
    bool escaped = false;
    std::size_t at = 0;
    for (std::size_t zero; (zero = bytes.find('\0', at)) != std::string_view::npos; at = zero + 1) {
      std::memcpy(head, bytes.data() + at, zero - at);
      head += zero - at;
      *head++ = '\0';
      *head++ = '\xff';
      escaped = true;
    }
    if (at < bytes.size()) std::memcpy(head, bytes.data() + at, bytes.size() - at);
    head += bytes.size() - at;
    *head++ = '\0';
    *head++ = '\0';
    if (escaped) {
      tail_end -= bytes.size();
      std::memcpy(tail_end, bytes.data(), bytes.size());
    }
  }
  static ViewOf<T> read(const char*& head, const char*& tail_end) {
    const char* begin = head;
    std::size_t escapes = 0;
    for (;;) {
      head = static_cast<const char*>(std::memchr(head, 0, static_cast<std::size_t>(tail_end - head)));
      if (head[1] == '\0') break;
      head += 2;  // 0x00 0xff
      ++escapes;
    }
    const std::size_t length = static_cast<std::size_t>(head - begin) - escapes;
    head += 2;
    if (escapes == 0) return Codec<T>::decode(std::string_view(begin, length));
    tail_end -= length;
    return Codec<T>::decode(std::string_view(tail_end, length));
  }
};

// Fixed-size elements: their Codec bytes.
template <class T>
requires FixedSizeCodec<T>
struct CompositePart<T> {
  static constexpr std::size_t size(const ViewOf<T>&) { return Codec<T>::kFixedSize; }
  static void write(const ViewOf<T>& v, char*& head, char*&) {
    Codec<T>::encode(v, head);
    head += Codec<T>::kFixedSize;
  }
  static ViewOf<T> read(const char*& head, const char*&) {
    const char* at = head;
    head += Codec<T>::kFixedSize;
    return Codec<T>::decode(std::string_view(at, Codec<T>::kFixedSize));
  }
};

// Pairs and tuples, as elements or as a whole: their elements in order.
template <class ViewType, class... E>
struct CompositeParts {
  using View = ViewType;
  static std::size_t size(const View& v) {
    return std::apply([](const auto&... e) { return (std::size_t(0) + ... + CompositePart<E>::size(e)); }, v);
  }
  static void write(const View& v, char*& head, char*& tail_end) {
    std::apply([&](const auto&... e) { (CompositePart<E>::write(e, head, tail_end), ...); }, v);
  }
  static View read(const char*& head, const char*& tail_end) {
    // Braced initialization: its elements are evaluated in order.
    return View{CompositePart<E>::read(head, tail_end)...};
  }
};

template <class A, class B>
struct CompositePart<std::pair<A, B>> : CompositeParts<std::pair<ViewOf<A>, ViewOf<B>>, A, B> {};
template <class... T>
struct CompositePart<std::tuple<T...>> : CompositeParts<std::tuple<ViewOf<T>...>, T...> {};

// The Codec of a pair or tuple, from its parts.
template <class Composite>
struct CompositeCodec {
  using Parts = CompositePart<Composite>;
  using view_type = typename Parts::View;
  using View = view_type;
  static std::size_t size(const View& v) { return Parts::size(v); }
  static void encode(const View& v, char* out) {
    char* tail_end = out + Parts::size(v);
    Parts::write(v, out, tail_end);
  }
  static View decode(std::string_view bytes) {
    const char* head = bytes.data();
    const char* tail_end = bytes.data() + bytes.size();
    return Parts::read(head, tail_end);
  }
};

}  // namespace detail

template <class A, class B>
requires Encodable<A> && Encodable<B>
struct Codec<std::pair<A, B>> : detail::CompositeCodec<std::pair<A, B>> {
};

template <class... T>
requires(Encodable<T>&&...) struct Codec<std::tuple<T...>> : detail::CompositeCodec<std::tuple<T...>> {
};

}  // namespace mapreduce
