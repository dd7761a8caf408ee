// TextFormat<T>: how output keys and values are written.
#define BOOST_TEST_MODULE text_format
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <mapreduce/text_format.hpp>

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

// Has both: the specialization must win over operator<<.
struct Both {
  int v;
};
[[maybe_unused]] std::ostream& operator<<(std::ostream& out, const Both& b) {
  return out << "streamed " << b.v;
}

template <class T>
using BitsOf = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// Reads the whole of `s` back as a T; fails the test when any of it is left
// over or unreadable.
template <class T>
T read_back(const std::string& s) {
  T back{};
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), back);
  BOOST_TEST((error == std::errc()), "\"" << s << "\" does not read back");
  BOOST_TEST((end == s.data() + s.size()), "\"" << s << "\" has trailing text");
  return back;
}

// The number of significant decimal digits in a number's text ("1.25e-07"
// has 3, "1200" has 2, "0.05" has 1).
std::size_t significant_digits(const std::string& s) {
  std::string digits;
  for (char c : s.substr(0, s.find_first_of("eE"))) {
    if (c >= '0' && c <= '9') digits += c;
  }
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  const auto last = digits.find_last_not_of('0');
  return last - first + 1;
}

// The fewest significant digits with which printf's %g reads back to v, and
// the shortest such text: independent bounds for "shortest round trip".
struct Shortest {
  std::size_t digits = 17;
  std::size_t length = 64;
};

template <class T>
Shortest shortest_printf(T v) {
  Shortest shortest;
  bool found = false;
  for (int precision = 1; precision <= 17; ++precision) {
    char buffer[64];
    const int length = std::snprintf(buffer, sizeof buffer, "%.*g", precision, static_cast<double>(v));
    T back{};
    std::from_chars(buffer, buffer + length, back);
    if (back != v) continue;
    if (!found) shortest.digits = static_cast<std::size_t>(precision);
    found = true;
    shortest.length = std::min(shortest.length, static_cast<std::size_t>(length));
  }
  return shortest;
}

}  // namespace

template <>
struct mapreduce::TextFormat<Special> {
  static void append(std::string& out, const Special& s) { out += "special:" + std::to_string(s.v); }
};

template <>
struct mapreduce::TextFormat<Both> {
  static void append(std::string& out, const Both& b) { out += "formatted " + std::to_string(b.v); }
};

BOOST_AUTO_TEST_CASE(strings_are_untouched) {
  BOOST_TEST(text(std::string("a\tb\xff\n")) == "a\tb\xff\n");
  BOOST_TEST(text(std::string_view("view")) == "view");
  BOOST_TEST(text("literal") == "literal");
  const char* pointer = "pointer";
  BOOST_TEST(text(pointer) == "pointer");
  BOOST_TEST(text(std::string()) == "");
  BOOST_TEST(text(std::string("a\0b", 3)) == std::string("a\0b", 3));
  BOOST_TEST(text(std::string_view("\0\x80", 2)) == std::string("\0\x80", 2));
}

BOOST_AUTO_TEST_CASE(appends_without_replacing) {
  std::string out = "key\t";
  mapreduce::append_text(out, 42);
  mapreduce::append_text(out, std::string("!"));
  BOOST_TEST(out == "key\t42!");
}

// Every integer type but the character ones (the fixed-width ones are
// aliases of these).
using Integers = std::tuple<signed char, unsigned char, short, unsigned short, int, unsigned, long,
                            unsigned long, long long, unsigned long long>;

BOOST_AUTO_TEST_CASE_TEMPLATE(integers_in_decimal, T, Integers) {
  using Limits = std::numeric_limits<T>;
  // std::to_string (through long long or unsigned long long) is the
  // independent reference: decimal, a '-' for negatives, nothing else.
  auto decimal = [](T v) {
    if constexpr (std::is_signed_v<T>) {
      return std::to_string(static_cast<long long>(v));
    } else {
      return std::to_string(static_cast<unsigned long long>(v));
    }
  };
  for (T v : {Limits::min(), Limits::max(), T(0), T(1), T(Limits::max() / 3)})
    BOOST_TEST(text(v) == decimal(v));
  if constexpr (std::is_signed_v<T>) BOOST_TEST(text(T(-1)) == "-1");
  std::mt19937_64 random(11);
  for (int i = 0; i < 1000; ++i) {
    const T v = static_cast<T>(random());
    BOOST_TEST(text(v) == decimal(v));
  }
}

BOOST_AUTO_TEST_CASE(hand_checked_integers_char_and_bool) {
  BOOST_TEST(text(0) == "0");
  BOOST_TEST(text(-42) == "-42");
  BOOST_TEST(text(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  BOOST_TEST(text(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
  BOOST_TEST(text(std::uint8_t(200)) == "200");  // a number, not a byte
  BOOST_TEST(text(std::int8_t(-5)) == "-5");
  BOOST_TEST(text('c') == "c");
  BOOST_TEST(text(true) == "true");
  BOOST_TEST(text(false) == "false");
}

BOOST_AUTO_TEST_CASE(hand_checked_floats) {
  BOOST_TEST(text(0.1) == "0.1");
  BOOST_TEST(text(8.5) == "8.5");
  BOOST_TEST(text(8.0) == "8");
  BOOST_TEST(text(-2.25) == "-2.25");
  BOOST_TEST(text(1e20) == "1e+20");
  BOOST_TEST(text(0.1 + 0.2) == "0.30000000000000004");
  BOOST_TEST(text(0.1f) == "0.1");
  BOOST_TEST(text(8.5f) == "8.5");
  BOOST_TEST(text(1.0f / 3) == "0.33333334");
  BOOST_TEST(text(std::numeric_limits<double>::infinity()) == "inf");
  BOOST_TEST(text(-std::numeric_limits<double>::infinity()) == "-inf");
  BOOST_TEST(text(std::numeric_limits<double>::quiet_NaN()).find("nan") != std::string::npos);
  BOOST_TEST(text(0.0) == "0");
}

using Floats = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(floats_read_back_exactly_in_the_fewest_digits, T, Floats) {
  using Limits = std::numeric_limits<T>;
  std::mt19937_64 random(3);
  std::vector<T> values = {T(0.1),
                           T(8.5),
                           T(-0.0),
                           T(1) / T(3),
                           Limits::min(),
                           Limits::max(),
                           Limits::lowest(),
                           Limits::denorm_min(),
                           Limits::epsilon(),
                           T(100),
                           T(123456789),
                           T(1e-5),
                           T(-7.25e12)};
  for (int i = 0; i < 5000; ++i) {
    // Every bit pattern but NaN and infinity, and short decimals.
    const T v = std::bit_cast<T>(static_cast<BitsOf<T>>(random()));
    if (std::isfinite(v)) values.push_back(v);
    values.push_back(static_cast<T>(static_cast<double>(random() % 100000) / 1000));
  }
  for (T v : values) {
    const std::string s = text(v);
    BOOST_TEST_CONTEXT("text \"" << s << "\"") {
      const T back = read_back<T>(s);
      BOOST_TEST(std::bit_cast<BitsOf<T>>(back) == std::bit_cast<BitsOf<T>>(v));
      const Shortest bound = shortest_printf(v);
      BOOST_TEST(s.size() <= bound.length);
      // Digits are the fewest that read back, except in an integer written
      // out in full (to_chars then prints its exact digits, not zeros).
      if (s.find_first_of(".e") != std::string::npos) BOOST_TEST(significant_digits(s) <= bound.digits);
    }
  }
}

BOOST_AUTO_TEST_CASE(other_types_through_operator_or_specialization) {
  BOOST_TEST(text(Streamed{3, 4}) == "3/4");
  BOOST_TEST(text(Special{7}) == "special:7");
  BOOST_TEST(text(Both{5}) == "formatted 5");
}

BOOST_AUTO_TEST_CASE(pairs_and_tuples_are_tab_separated_columns) {
  BOOST_TEST(text(std::pair<std::string_view, int>{"word", -3}) == "word\t-3");
  BOOST_TEST(text(std::pair<std::string, double>{"", 0.5}) == "\t0.5");
  // Nested pairs and tuples are more columns; each element in its own form.
  BOOST_TEST(text(std::tuple<bool, std::pair<char, long>, std::string>{true, {'c', 7}, "a b"}) ==
             "true\tc\t7\ta b");
  BOOST_TEST(text(std::tuple<>{}) == "");
  BOOST_TEST(text(std::tuple<std::string>{"alone"}) == "alone");
  BOOST_TEST(text(std::tuple<Streamed, int>{{1, 2}, 3}) == "1/2\t3");
}

BOOST_AUTO_TEST_CASE(nothing_is_no_text) {
  BOOST_TEST(text(mapreduce::Nothing{}) == "");
  BOOST_TEST(text(std::pair<int, mapreduce::Nothing>{4, {}}) == "4\t");
}
