// Codec<std::pair> and Codec<std::tuple>: random composites round-trip, and
// comparing their encodings as bytes agrees with std::tuple's comparison of
// the values (the engine groups and sorts keys by those bytes alone);
// decoding views the encoding without a copy; Nothing is no bytes; and a
// trivially copyable struct, unlike a tuple, sorts by its raw bytes.
#define BOOST_TEST_MODULE composite_codec
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <mapreduce/codec.hpp>

namespace {

using mapreduce::Codec;
using mapreduce::ViewOf;

template <class T>
std::string encode(const ViewOf<T>& v) {
  std::string bytes(Codec<T>::size(v), '\0');
  Codec<T>::encode(v, bytes.data());
  return bytes;
}

// The value type of the property tests, and its view.
using Inner = std::pair<std::string, std::int32_t>;
using Key = std::tuple<std::string, std::int64_t, double, Inner>;
using KeyView = ViewOf<Key>;
static_assert(std::is_same_v<KeyView, std::tuple<std::string_view, std::int64_t, double,
                                                 std::pair<std::string_view, std::int32_t>>>);
static_assert(std::is_same_v<ViewOf<std::pair<std::string, int>>, std::pair<std::string_view, int>>);
static_assert(mapreduce::Encodable<std::pair<int, int>>);
static_assert(mapreduce::Encodable<std::tuple<>>);
static_assert(!mapreduce::Encodable<std::pair<std::vector<int>, int>>, "no codec for an element: none");
static_assert(!mapreduce::Encodable<std::tuple<int, std::vector<int>>>);
static_assert(mapreduce::Encodable<std::tuple<mapreduce::Nothing, std::pair<bool, std::string>>>);

KeyView view_of(const Key& k) {
  const auto& [s, i, d, inner] = k;
  return {s, i, d, {inner.first, inner.second}};
}

Key value_of(const KeyView& v) {
  const auto& [s, i, d, inner] = v;
  return {std::string(s), i, d, {std::string(inner.first), inner.second}};
}

// Strings from a small alphabet, so that random keys share prefixes and
// whole elements, with the bytes the escaping is about: 0x00 and 0xff.
std::string random_string(std::mt19937_64& random) {
  static constexpr char kAlphabet[] = {'\0', '\xff', 'a', 'b', '\x01', '\xfe'};
  std::string s(random() % 5, '\0');
  for (char& c : s) c = kAlphabet[random() % sizeof kAlphabet];
  return s;
}

Key random_key(std::mt19937_64& random) {
  static constexpr double kDoubles[] = {-1e300, -2.5, -0.0,  0.0,
                                        1e-300, 3.25, 1e300, std::numeric_limits<double>::infinity()};
  const std::int64_t integers[] = {
      INT64_MIN, -256, -1, 0, 1, 255, 256, INT64_MAX, static_cast<std::int64_t>(random())};
  return {random_string(random),
          integers[random() % std::size(integers)],
          kDoubles[random() % std::size(kDoubles)],
          {random_string(random), static_cast<std::int32_t>(random() % 5) - 2}};
}

// Byte order, as the engine compares keys (std::string_view's operator<,
// which compares bytes as unsigned char). Named, because BOOST_TEST would
// compare two strings element by element, as signed chars.
bool bytes_less(std::string_view a, std::string_view b) { return a < b; }

std::string shown(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += std::to_string(c) + ".";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_tuples_round_trip) {
  std::mt19937_64 random(11);
  for (int n = 0; n < 20000; ++n) {
    const Key k = random_key(random);
    // Decoded from an odd address, as the engine does from packed records.
    const std::string bytes = "?" + encode<Key>(view_of(k));
    const Key back = value_of(Codec<Key>::decode(std::string_view(bytes).substr(1)));
    BOOST_TEST((back == k), "encoding " << shown(bytes));
  }
}

BOOST_AUTO_TEST_CASE(encodings_compare_as_the_tuples_do) {
  std::mt19937_64 random(12);
  std::size_t less = 0, equal = 0;
  for (int n = 0; n < 50000; ++n) {
    const Key a = random_key(random);
    const Key b = n % 3 == 0 ? a : random_key(random);
    const std::string x = encode<Key>(view_of(a));
    const std::string y = encode<Key>(view_of(b));
    BOOST_TEST_CONTEXT("encodings " << shown(x) << " and " << shown(y)) {
      // -0.0 == 0.0 in both; no NaN among the doubles.
      BOOST_TEST((std::string_view(x) < std::string_view(y)) == (a < b));
      BOOST_TEST((std::string_view(y) < std::string_view(x)) == (b < a));
      BOOST_TEST((x == y) == (a == b));
    }
    less += a < b;
    equal += a == b;
  }
  // Both outcomes were exercised, and more than the trivial equal pairs.
  BOOST_TEST(less > 10000u);
  BOOST_TEST(equal > 16000u);
}

BOOST_AUTO_TEST_CASE(a_sorted_set_of_keys_is_in_tuple_order) {
  std::mt19937_64 random(13);
  std::vector<Key> keys;
  for (int n = 0; n < 3000; ++n) keys.push_back(random_key(random));
  std::vector<std::string> encodings;
  for (const Key& k : keys) encodings.push_back(encode<Key>(view_of(k)));
  std::sort(keys.begin(), keys.end());
  std::sort(encodings.begin(), encodings.end());
  std::vector<Key> decoded;
  for (const std::string& e : encodings) decoded.push_back(value_of(Codec<Key>::decode(e)));
  BOOST_TEST((decoded == keys));
}

BOOST_AUTO_TEST_CASE(strings_are_escaped_and_viewed_in_place) {
  using Pair = std::pair<std::string, std::string>;
  // No 0x00: each string, then 00 00; nothing after.
  BOOST_TEST(encode<Pair>({"ab", ""}) == std::string("ab\0\0\0\0", 6));
  // A 0x00 is 00 ff, and the raw string follows all elements.
  BOOST_TEST(encode<Pair>({std::string_view("a\0", 2), "c"}) == std::string("a\0\xff\0\0c\0\0a\0", 10));
  // Decoding views the encoding: the escaped form for a string that had no
  // 0x00, the tail copy for one that had.
  for (const Pair& p : {Pair{"ab", std::string("\0\0x\0", 4)}, Pair{std::string("\0", 1), "\xff\xff"},
                        Pair{std::string("x\0", 2), std::string("\0y", 2)}}) {
    const std::string bytes = encode<Pair>(p);
    const auto [first, second] = Codec<Pair>::decode(bytes);
    BOOST_TEST(first == p.first);
    BOOST_TEST(second == p.second);
    for (std::string_view s : {first, second}) {
      BOOST_TEST((s.data() >= bytes.data() && s.data() + s.size() <= bytes.data() + bytes.size()));
    }
  }
}

BOOST_AUTO_TEST_CASE(numbers_in_pairs_keep_numeric_order) {
  // A pair of ints is field-wise, where the raw bytes of a struct would not
  // be: 1 < 256 and -1 < 0.
  using Ints = std::pair<std::int32_t, std::int32_t>;
  BOOST_TEST((bytes_less(encode<Ints>({1, 5}), encode<Ints>({256, 0}))));
  BOOST_TEST((bytes_less(encode<Ints>({-1, 5}), encode<Ints>({0, 0}))));
  BOOST_TEST((bytes_less(encode<Ints>({0, -1}), encode<Ints>({0, 1}))));
  BOOST_TEST(encode<Ints>({0, 1}).size() == 8u);
  std::mt19937_64 random(14);
  for (int n = 0; n < 10000; ++n) {
    const Ints a{static_cast<std::int32_t>(random()), static_cast<std::int32_t>(random() % 3)};
    const Ints b{n % 2 ? a.first : static_cast<std::int32_t>(random()),
                 static_cast<std::int32_t>(random() % 3)};
    BOOST_TEST((encode<Ints>(a) < encode<Ints>(b)) == (a < b));
    BOOST_TEST((Codec<Ints>::decode(encode<Ints>(a)) == a));
  }
}

namespace {
struct Point {
  std::int32_t x;
  std::int32_t y;
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_struct_sorts_by_its_raw_bytes) {
  // What codec.hpp says: a struct's bytes, little-endian integers, so not
  // numeric order. A test of the documentation, on the machines it names.
  if constexpr (std::endian::native == std::endian::little) {
    BOOST_TEST((bytes_less(encode<Point>(Point{256, 0}), encode<Point>(Point{1, 0}))));
    BOOST_TEST((bytes_less(encode<Point>(Point{0, 0}), encode<Point>(Point{-1, 0}))));
  }
}

BOOST_AUTO_TEST_CASE(nothing_is_no_bytes) {
  using mapreduce::Nothing;
  BOOST_TEST(encode<Nothing>(Nothing{}).empty());
  BOOST_TEST((Codec<Nothing>::decode("") == Nothing{}));
  // As an element it adds nothing.
  using WithNothing = std::tuple<std::int8_t, Nothing, std::int8_t>;
  BOOST_TEST(encode<WithNothing>({1, {}, 2}) == std::string("\x81\x82", 2));
  BOOST_TEST((std::get<2>(Codec<WithNothing>::decode("\x81\x82")) == 2));
}

BOOST_AUTO_TEST_CASE(empty_and_one_element_tuples) {
  BOOST_TEST(encode<std::tuple<>>({}).empty());
  using One = std::tuple<std::string>;
  BOOST_TEST((bytes_less(encode<One>({"a"}), encode<One>({std::string_view("a\0", 2)}))));
  BOOST_TEST((bytes_less(encode<One>({""}), encode<One>({std::string_view("\0", 1)}))));
  BOOST_TEST((std::get<0>(Codec<One>::decode(encode<One>({std::string_view("\0\0", 2)}))) ==
              std::string_view("\0\0", 2)));
}
