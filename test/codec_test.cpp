// Codec<T>: every built-in type round-trips, and numeric encodings order the
// way the numbers do (the engine sorts keys by their bytes).
#define BOOST_TEST_MODULE codec
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <mapreduce/codec.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace {

template <class T>
std::string encode(const mapreduce::ViewOf<T>& v) {
  std::string bytes(mapreduce::Codec<T>::size(v), '\0');
  mapreduce::Codec<T>::encode(v, bytes.data());
  return bytes;
}

template <class T>
T round_trip(const T& v) {
  const std::string bytes = encode<T>(v);
  return mapreduce::Codec<T>::decode(bytes);
}

struct Point {
  std::int32_t x;
  std::int32_t y;
  bool operator==(const Point&) const = default;
};

// A user type with its own codec: a string stored upper-cased... and back.
struct Name {
  std::string text;
};

}  // namespace

template <>
struct mapreduce::Codec<Name> {
  using view_type = Name;
  static std::size_t size(const Name& n) { return n.text.size() + 1; }
  static void encode(const Name& n, char* out) {
    out[0] = 'N';
    n.text.copy(out + 1, n.text.size());
  }
  static Name decode(std::string_view bytes) { return Name{std::string(bytes.substr(1))}; }
};

using Integers = boost::mpl::list<std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t, std::uint32_t,
                                  std::int64_t, std::uint64_t, char, long long,
                                  unsigned long long>;

BOOST_AUTO_TEST_CASE_TEMPLATE(integers_round_trip_and_keep_order, T, Integers) {
  using Limits = std::numeric_limits<T>;
  for (T v : {Limits::min(), Limits::max(), T(0), T(1), T(Limits::max() / 2)}) BOOST_TEST(round_trip<T>(v) == v);
  if constexpr (std::is_signed_v<T>) BOOST_TEST(round_trip<T>(T(-1)) == T(-1));
  std::mt19937_64 random(42);
  for (int i = 0; i < 2000; ++i) {
    const T a = static_cast<T>(random());
    const T b = static_cast<T>(random());
    BOOST_TEST(round_trip<T>(a) == a);
    BOOST_TEST((encode<T>(a) < encode<T>(b)) == (a < b));
    BOOST_TEST((encode<T>(a) == encode<T>(b)) == (a == b));
  }
}

BOOST_AUTO_TEST_CASE(bool_round_trips_and_false_sorts_first) {
  BOOST_TEST(round_trip<bool>(true) == true);
  BOOST_TEST(round_trip<bool>(false) == false);
  BOOST_TEST((encode<bool>(false) < encode<bool>(true)));
}

using Floats = boost::mpl::list<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(floats_round_trip_and_keep_order, T, Floats) {
  using Limits = std::numeric_limits<T>;
  for (T v : {T(0), T(1), T(-1), T(0.1), Limits::min(), Limits::max(), Limits::lowest(), Limits::denorm_min(),
              -Limits::denorm_min(), Limits::infinity(), -Limits::infinity(), Limits::epsilon()}) {
    BOOST_TEST(round_trip<T>(v) == v);
  }
  BOOST_TEST(std::isnan(round_trip<T>(Limits::quiet_NaN())));
  // -0.0 and 0.0 are one key.
  BOOST_TEST(encode<T>(T(-0.0)) == encode<T>(T(0.0)));
  BOOST_TEST(!std::signbit(round_trip<T>(T(-0.0))));
  std::mt19937_64 random(7);
  std::uniform_real_distribution<T> wide(-1e6, 1e6);
  for (int i = 0; i < 2000; ++i) {
    const T a = (i % 3 == 0) ? std::ldexp(wide(random), static_cast<int>(random() % 60) - 30) : wide(random);
    const T b = wide(random);
    BOOST_TEST(round_trip<T>(a) == a);
    BOOST_TEST((encode<T>(a) < encode<T>(b)) == (a < b));
  }
  // Double parentheses: a plain std::string comparison (unsigned bytes), not
  // Boost.Test's element-wise one (signed chars).
  BOOST_TEST((encode<T>(-Limits::infinity()) < encode<T>(Limits::lowest())));
  BOOST_TEST((encode<T>(Limits::max()) < encode<T>(Limits::infinity())));
  BOOST_TEST((encode<T>(-Limits::denorm_min()) < encode<T>(T(0))));
  BOOST_TEST((encode<T>(T(0)) < encode<T>(Limits::denorm_min())));
}

BOOST_AUTO_TEST_CASE(strings_are_their_bytes) {
  for (std::string s : {std::string(), std::string("word"), std::string("a\0b", 3), std::string("\xff\x80", 2)}) {
    BOOST_TEST(encode<std::string>(s) == s);
    BOOST_TEST(std::string(mapreduce::Codec<std::string>::decode(s)) == s);
  }
  // Byte order, unsigned: bytes >= 0x80 sort after ASCII.
  BOOST_TEST((encode<std::string>("z") < encode<std::string>("\xc3\xa9")));
}

BOOST_AUTO_TEST_CASE(trivially_copyable_structs_round_trip) {
  const Point p{-5, 1 << 30};
  BOOST_TEST((round_trip<Point>(p) == p));
  BOOST_TEST(encode<Point>(p).size() == sizeof(Point));
}

BOOST_AUTO_TEST_CASE(user_codec_is_used) {
  const Name n{"Ada"};
  BOOST_TEST(encode<Name>(n) == "NAda");
  BOOST_TEST(round_trip<Name>(n).text == "Ada");
}
