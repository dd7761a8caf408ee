// Codec<T>: every built-in type round-trips, and numeric encodings order the
// way the numbers do (the engine groups and sorts keys by their bytes alone).
#define BOOST_TEST_MODULE codec
#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <mapreduce/codec.hpp>
#include <mapreduce/values.hpp>

namespace {

template <class T>
std::string encode(const mapreduce::ViewOf<T>& v) {
  std::string bytes(mapreduce::Codec<T>::size(v), '\0');
  mapreduce::Codec<T>::encode(v, bytes.data());
  return bytes;
}

// Decodes from an odd address, as the engine does from packed records.
template <class T>
T round_trip(const T& v) {
  const std::string bytes = "?" + encode<T>(v);
  return T(mapreduce::Codec<T>::decode(std::string_view(bytes).substr(1)));
}

// Byte order of two encodings, as the engine compares them: unsigned bytes
// (std::string compares through char_traits<char>, which compares unsigned).
// Spelled out so that the check does not rest on that detail.
bool bytes_less(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

struct Point {
  std::int32_t x;
  std::int32_t y;
  bool operator==(const Point&) const = default;
};

enum class Colour : std::uint8_t { red = 1, green = 2, blue = 200 };

struct Record {
  char tag[6];
  std::uint16_t count;
  double weight;
  bool operator==(const Record& other) const {
    return std::string_view(tag, sizeof tag) == std::string_view(other.tag, sizeof tag) &&
           count == other.count &&
           std::bit_cast<std::uint64_t>(weight) == std::bit_cast<std::uint64_t>(other.weight);
  }
};
static_assert(sizeof(Record) == 16, "no padding, so that the encoding is the value");

// A user type with its own codec: a length-prefixed name, decoded back.
struct Name {
  std::string text;
};

}  // namespace

template <>
struct mapreduce::Codec<Name> {
  using view_type = Name;
  static std::size_t size(const Name& n) { return n.text.size() + 1; }
  static void encode(const Name& n, char* out) {
    out[0] = static_cast<char>(n.text.size());
    n.text.copy(out + 1, n.text.size());
  }
  static Name decode(std::string_view bytes) {
    return Name{std::string(bytes.substr(1, static_cast<unsigned char>(bytes[0])))};
  }
};

static_assert(mapreduce::Encodable<Name>);
static_assert(mapreduce::Encodable<std::string>);
static_assert(mapreduce::Encodable<Point>);
static_assert(!mapreduce::Encodable<std::vector<int>>, "no codec: not encodable");
static_assert(std::is_same_v<mapreduce::ViewOf<std::string>, std::string_view>);

// Every integer type (the fixed-width ones are aliases of these).
using Integers =
    std::tuple<signed char, unsigned char, char, short, unsigned short, int, unsigned, long, unsigned long,
               long long, unsigned long long, wchar_t, char8_t, char16_t, char32_t>;

BOOST_AUTO_TEST_CASE_TEMPLATE(integers_round_trip, T, Integers) {
  using Limits = std::numeric_limits<T>;
  std::vector<T> values = {Limits::min(), Limits::max(),        T(0),
                           T(1),          T(Limits::max() / 2), T(Limits::max() - 1)};
  if constexpr (std::is_signed_v<T>) values.insert(values.end(), {T(-1), T(Limits::min() + 1)});
  for (T v : values) {
    BOOST_TEST(encode<T>(v).size() == sizeof(T));
    BOOST_TEST((round_trip<T>(v) == v));
  }
  std::mt19937_64 random(42);
  for (int i = 0; i < 2000; ++i) {
    const T v = static_cast<T>(random());
    BOOST_TEST((round_trip<T>(v) == v));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(integer_encodings_keep_numeric_order, T, Integers) {
  using Limits = std::numeric_limits<T>;
  std::mt19937_64 random(43);
  // Random pairs, and pairs at the edges: around zero, -1, min and max.
  std::vector<std::pair<T, T>> pairs = {{Limits::min(), Limits::max()},
                                        {T(0), T(1)},
                                        {Limits::min(), T(Limits::min() + 1)},
                                        {T(Limits::max() - 1), Limits::max()}};
  if constexpr (std::is_signed_v<T>) pairs.insert(pairs.end(), {{T(-1), T(0)}, {Limits::min(), T(-1)}});
  for (int i = 0; i < 4000; ++i) pairs.emplace_back(static_cast<T>(random()), static_cast<T>(random()));
  for (auto [a, b] : pairs) {
    if (b < a) std::swap(a, b);
    BOOST_TEST_CONTEXT("a=" << +a << " b=" << +b) {
      if (a < b) {
        BOOST_TEST(bytes_less(encode<T>(a), encode<T>(b)));
        BOOST_TEST(!bytes_less(encode<T>(b), encode<T>(a)));
      } else {
        BOOST_TEST((encode<T>(a) == encode<T>(b)));
      }
    }
  }
  // Every neighbouring pair of the small types, exhaustively.
  if constexpr (sizeof(T) <= 2) {
    std::size_t wrong = 0;
    for (T v = Limits::min(); v != Limits::max(); ++v)
      wrong += !bytes_less(encode<T>(v), encode<T>(T(v + 1)));
    BOOST_TEST(wrong == 0u);
  }
}

BOOST_AUTO_TEST_CASE(bool_round_trips_and_false_sorts_first) {
  BOOST_TEST(round_trip<bool>(true) == true);
  BOOST_TEST(round_trip<bool>(false) == false);
  BOOST_TEST(encode<bool>(true).size() == sizeof(bool));
  BOOST_TEST(bytes_less(encode<bool>(false), encode<bool>(true)));
  BOOST_TEST((encode<bool>(true) != encode<bool>(false)));
}

using Floats = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(floats_round_trip, T, Floats) {
  using Limits = std::numeric_limits<T>;
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  for (T v : {T(0), T(1), T(-1), T(0.1), T(-2.5), Limits::min(), -Limits::min(), Limits::max(),
              Limits::lowest(), Limits::denorm_min(), -Limits::denorm_min(), Limits::min() / 3,
              -Limits::min() / 7, Limits::infinity(), -Limits::infinity(), Limits::epsilon()}) {
    BOOST_TEST_CONTEXT("value " << v) {
      BOOST_TEST(encode<T>(v).size() == sizeof(T));
      // Bit for bit: the sign of denormals and infinities survives.
      BOOST_TEST(std::bit_cast<Bits>(round_trip<T>(v)) == std::bit_cast<Bits>(v));
    }
  }
  // Any bit pattern but NaN comes back bit for bit; -0.0 is the exception.
  std::mt19937_64 random(5);
  for (int i = 0; i < 5000; ++i) {
    const T v = std::bit_cast<T>(static_cast<Bits>(random()));
    if (std::isnan(v) || v == T(0)) continue;
    BOOST_TEST(std::bit_cast<Bits>(round_trip<T>(v)) == std::bit_cast<Bits>(v));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(nan_round_trips_as_nan, T, Floats) {
  using Limits = std::numeric_limits<T>;
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  BOOST_TEST(std::isnan(round_trip<T>(Limits::quiet_NaN())));
  BOOST_TEST(std::isnan(round_trip<T>(-Limits::quiet_NaN())));
  BOOST_TEST(std::isnan(round_trip<T>(Limits::signaling_NaN())));
  std::mt19937_64 random(6);
  const Bits exponent =
      static_cast<Bits>(~Bits(0) >> 1) & ~static_cast<Bits>((Bits(1) << (Limits::digits - 1)) - 1);
  for (int i = 0; i < 1000; ++i) {
    const Bits payload = static_cast<Bits>(random()) & ~exponent;
    const T nan = std::bit_cast<T>(static_cast<Bits>(exponent | payload | 1));
    BOOST_TEST_REQUIRE(std::isnan(nan));
    BOOST_TEST(std::isnan(round_trip<T>(nan)));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(negative_zero_is_encoded_as_zero, T, Floats) {
  // -0.0 and 0.0 are one key, and come back as 0.0.
  BOOST_TEST((encode<T>(T(-0.0)) == encode<T>(T(0.0))));
  BOOST_TEST(!std::signbit(round_trip<T>(T(-0.0))));
  BOOST_TEST(round_trip<T>(T(-0.0)) == T(0));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(float_encodings_keep_numeric_order, T, Floats) {
  using Limits = std::numeric_limits<T>;
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  std::mt19937_64 random(7);
  std::uniform_real_distribution<T> wide(-1e6, 1e6);
  std::vector<std::pair<T, T>> pairs = {{-Limits::infinity(), Limits::lowest()},
                                        {Limits::lowest(), T(-1)},
                                        {T(-1), -Limits::min()},
                                        {-Limits::min(), -Limits::denorm_min()},
                                        {-Limits::denorm_min(), T(0)},
                                        {-Limits::denorm_min(), T(-0.0)},
                                        {T(0), Limits::denorm_min()},
                                        {Limits::denorm_min(), Limits::min()},
                                        {Limits::min(), T(1)},
                                        {T(1), T(1) + Limits::epsilon()},
                                        {Limits::max(), Limits::infinity()},
                                        {T(-0.0), T(0.0)}};
  for (int i = 0; i < 4000; ++i) {
    // Random bit patterns (every exponent, denormals included) and random
    // values of ordinary size, which often share their leading bytes.
    T a = std::bit_cast<T>(static_cast<Bits>(random()));
    T b = std::bit_cast<T>(static_cast<Bits>(random()));
    if (i % 2) {
      a = wide(random);
      b = (i % 4 == 1) ? std::nextafter(a, Limits::infinity()) : wide(random);
    }
    if (!std::isnan(a) && !std::isnan(b)) pairs.emplace_back(a, b);
  }
  for (auto [a, b] : pairs) {
    if (b < a) std::swap(a, b);
    BOOST_TEST_CONTEXT("a=" << a << " b=" << b) {
      if (a < b) {
        BOOST_TEST(bytes_less(encode<T>(a), encode<T>(b)));
        BOOST_TEST(!bytes_less(encode<T>(b), encode<T>(a)));
      } else {
        BOOST_TEST((encode<T>(a) == encode<T>(b)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(strings_are_their_bytes) {
  for (const std::string& s : {std::string(), std::string("word"), std::string("a\0b", 3),
                               std::string("\0", 1), std::string("\xff\x80", 2), std::string(100000, 'x')}) {
    BOOST_TEST(encode<std::string>(s) == s);
    BOOST_TEST(mapreduce::Codec<std::string>::decode(s) == s);
    BOOST_TEST(std::string(round_trip<std::string>(s)) == s);
    BOOST_TEST(encode<std::string_view>(s) == s);
  }
  // A decoded string views the encoded bytes, without a copy.
  const std::string bytes = "view";
  BOOST_TEST(static_cast<const void*>(mapreduce::Codec<std::string>::decode(bytes).data()) ==
             static_cast<const void*>(bytes.data()));
  // Byte order, unsigned: bytes >= 0x80 sort after ASCII, a prefix first.
  BOOST_TEST(bytes_less(encode<std::string>("z"), encode<std::string>("\xc3\xa9")));
  BOOST_TEST(bytes_less(encode<std::string>("a"), encode<std::string>(std::string("a\0", 2))));
  BOOST_TEST(bytes_less(encode<std::string>(""), encode<std::string>(std::string("\0", 1))));
}

BOOST_AUTO_TEST_CASE(trivially_copyable_types_round_trip) {
  const Point p{-5, 1 << 30};
  BOOST_TEST((round_trip<Point>(p) == p));
  BOOST_TEST(encode<Point>(p).size() == sizeof(Point));
  // Equal values, equal encodings (one key); different values, different ones.
  BOOST_TEST((encode<Point>(Point{1, 2}) == encode<Point>(Point{1, 2})));
  BOOST_TEST((encode<Point>(Point{1, 2}) != encode<Point>(Point{2, 1})));

  Record r{};
  std::string_view("ab\0cd", 5).copy(r.tag, 5);
  r.count = 65535;
  r.weight = -0.0;  // kept as it is: a struct's bytes are not interpreted
  const Record back = round_trip<Record>(r);
  BOOST_TEST((back == r));
  BOOST_TEST(std::signbit(back.weight));

  for (Colour c : {Colour::red, Colour::green, Colour::blue}) BOOST_TEST((round_trip<Colour>(c) == c));
  BOOST_TEST(encode<Colour>(Colour::blue).size() == 1u);
}

BOOST_AUTO_TEST_CASE(user_codec_is_used) {
  const Name n{"Ada"};
  // The specialization's own layout: proof that it, not the generic
  // object-representation codec, is the one selected.
  BOOST_TEST(encode<Name>(n) == std::string(1, '\3') + "Ada");
  BOOST_TEST(round_trip<Name>(n).text == "Ada");
  BOOST_TEST(round_trip<Name>(Name{""}).text == "");
  BOOST_TEST(round_trip<Name>(Name{std::string("a\0b", 3)}).text == std::string("a\0b", 3));
}

// Values read from packed bytes (the engine's form for values of one size)
// are the values their views give, in order, by iteration and by index, on
// a second pass too, from an odd address.
BOOST_AUTO_TEST_CASE(packed_values_read_as_their_views_do) {
  const std::vector<std::int64_t> numbers{5, -1, 0, 1'234'567'890'123, -9, 5};
  std::string packed = "?";
  for (std::int64_t n : numbers) packed += encode<std::int64_t>(n);
  std::vector<std::string_view> views;
  for (std::size_t i = 0; i < numbers.size(); ++i)
    views.push_back(std::string_view(packed).substr(1 + 8 * i, 8));

  const mapreduce::Values<std::int64_t> from_views(views);
  const mapreduce::Values<std::int64_t> from_packed(packed.data() + 1, numbers.size(), 8);
  BOOST_TEST(from_packed.size() == numbers.size());
  BOOST_TEST(!from_packed.empty());
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<std::int64_t> read(from_packed.begin(), from_packed.end());
    BOOST_TEST(read == numbers, boost::test_tools::per_element());
  }
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    BOOST_TEST(from_packed[i] == numbers[i]);
    BOOST_TEST(from_packed[i] == from_views[i]);
  }
  BOOST_TEST(std::distance(from_packed.begin(), from_packed.end()) == std::ptrdiff_t(numbers.size()));
  BOOST_TEST((std::next(from_packed.begin(), 2) != from_packed.end()));
}
