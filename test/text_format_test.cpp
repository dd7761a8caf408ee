// TextFormat<T>: how output keys and values are written.
#define BOOST_TEST_MODULE text_format
#include <boost/test/unit_test.hpp>

#include <mapreduce/text_format.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>

namespace {

template <class T>
std::string text(const T& v) {
  std::string out;
  mapreduce::append_text(out, v);
  return out;
}

struct Streamed {
  int a;
  int b;
};
std::ostream& operator<<(std::ostream& out, const Streamed& s) { return out << s.a << '/' << s.b; }

struct Special {
  int v;
};

}  // namespace

template <>
struct mapreduce::TextFormat<Special> {
  static void append(std::string& out, const Special& s) { out += "special:" + std::to_string(s.v); }
};

BOOST_AUTO_TEST_CASE(strings_are_untouched) {
  BOOST_TEST(text(std::string("a\tb\xff")) == "a\tb\xff");
  BOOST_TEST(text(std::string_view("view")) == "view");
  BOOST_TEST(text("literal") == "literal");
  BOOST_TEST(text(std::string("a\0b", 3)) == std::string("a\0b", 3));
}

BOOST_AUTO_TEST_CASE(integers_in_decimal) {
  BOOST_TEST(text(0) == "0");
  BOOST_TEST(text(-42) == "-42");
  BOOST_TEST(text(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  BOOST_TEST(text(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
  BOOST_TEST(text(std::uint8_t(200)) == "200");
  BOOST_TEST(text('c') == "c");
  BOOST_TEST(text(true) == "true");
  BOOST_TEST(text(false) == "false");
}

BOOST_AUTO_TEST_CASE(floats_shortest_round_trip) {
  BOOST_TEST(text(0.1) == "0.1");
  BOOST_TEST(text(8.5) == "8.5");
  BOOST_TEST(text(8.0) == "8");
  BOOST_TEST(text(1e20) == "1e+20");
  BOOST_TEST(text(0.1f) == "0.1");
  BOOST_TEST(text(std::numeric_limits<double>::infinity()) == "inf");
  BOOST_TEST(text(0.1 + 0.2) == "0.30000000000000004");
  std::mt19937_64 random(3);
  for (int i = 0; i < 10000; ++i) {
    const double v = std::ldexp(static_cast<double>(random() >> 11), static_cast<int>(random() % 200) - 100);
    const std::string s = text(v);
    double back = 0;
    std::from_chars(s.data(), s.data() + s.size(), back);
    BOOST_TEST(back == v);
  }
}

BOOST_AUTO_TEST_CASE(other_types_through_operator_or_specialization) {
  BOOST_TEST(text(Streamed{3, 4}) == "3/4");
  BOOST_TEST(text(Special{7}) == "special:7");
}
