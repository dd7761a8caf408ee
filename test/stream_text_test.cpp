// StreamText, the key<TAB>value text of Hadoop Streaming: every type's text
// reads back to the same Codec bytes (strings with tabs, newlines, carriage
// returns and backslashes; integers at their limits; bools; floats with
// infinities, NaN and -0; structs as hexadecimal), the text never holds the
// bytes that end a field or a line, and text that no value writes is
// rejected. Then the two streaming modes of a job, through the library: the
// map side's lines, sorted as `sort` would and fed to the reduce side, give
// the job's own output; and the reduce side rejects a line it cannot read,
// naming the line.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE stream_text
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

using mapreduce::Codec;
using mapreduce::StreamText;
using mapreduce::test::JobFixture;
using mapreduce::test::TempDir;

template <class T>
std::string encoded(const mapreduce::ViewOf<T>& v) {
  std::string bytes(Codec<T>::size(v), '\0');
  Codec<T>::encode(v, bytes.data());
  return bytes;
}

template <class T>
std::string text_of(const mapreduce::ViewOf<T>& v) {
  std::string text;
  StreamText<T>::append(text, v);
  return text;
}

// The text of v, which must read back to v's Codec bytes and hold neither a
// tab, a newline nor a carriage return.
template <class T>
std::string round_trip(const mapreduce::ViewOf<T>& v) {
  const std::string text = text_of<T>(v);
  BOOST_TEST(text.find_first_of("\t\n\r") == std::string::npos, "text: " << text);
  std::string bytes = "before";  // parse appends
  BOOST_TEST(StreamText<T>::parse(text, bytes), "text: " << text);
  BOOST_TEST(bytes == "before" + encoded<T>(v), "text: " << text);
  return text;
}

template <class T>
bool parses(std::string_view text) {
  std::string bytes;
  return StreamText<T>::parse(text, bytes);
}

struct Point {
  std::int32_t x;
  std::int32_t y;
};
// How a job names a key in an error message.
std::ostream& operator<<(std::ostream& out, const Point& p) { return out << p.x << "," << p.y; }

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_text)

BOOST_AUTO_TEST_CASE(strings_escape_what_ends_a_field_or_a_line) {
  BOOST_TEST(round_trip<std::string>("plain words") == "plain words");
  BOOST_TEST(round_trip<std::string>("") == "");
  BOOST_TEST(round_trip<std::string>("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e");
  BOOST_TEST(round_trip<std::string>("\\t is not a tab") == "\\\\t is not a tab");
  BOOST_TEST(round_trip<std::string>("\\") == "\\\\");
  BOOST_TEST(round_trip<std::string>("\r\n") == "\\r\\n");
  // Other bytes pass through: NUL, DEL, invalid UTF-8, UTF-8.
  const std::string odd("\0\x01\x7f\x80\xff\xc3\xa9 ", 8);
  BOOST_TEST(round_trip<std::string>(odd) == odd);
  BOOST_TEST(round_trip<std::string_view>("x\ty") == "x\\ty");
  // Every byte, and every pair of bytes that escapes could confuse.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  round_trip<std::string>(all);
  for (const char* s : {"\\\\t", "\\\\\\", "t\\", "\\n\\r\\t\\\\", "\t\t", "\\\t"})
    round_trip<std::string>(s);
}

BOOST_AUTO_TEST_CASE(strings_reject_escapes_no_string_writes) {
  for (const char* text : {"\\", "abc\\", "\\x", "\\0", "\\u0041", "\\N", "\\T", "a\\ b", "\\\\\\"}) {
    BOOST_TEST(!parses<std::string>(text), "text: " << text);
  }
  // A raw tab can only come from the value's part of a line (the key ends at
  // the first tab): it reads as itself.
  std::string bytes;
  BOOST_TEST(StreamText<std::string>::parse("a\tb", bytes));
  BOOST_TEST(bytes == "a\tb");
}

BOOST_AUTO_TEST_CASE(integers_are_decimal) {
  BOOST_TEST(round_trip<std::int64_t>(0) == "0");
  BOOST_TEST(round_trip<std::int64_t>(-42) == "-42");
  BOOST_TEST(round_trip<std::int64_t>(INT64_MIN) == "-9223372036854775808");
  BOOST_TEST(round_trip<std::int64_t>(INT64_MAX) == "9223372036854775807");
  BOOST_TEST(round_trip<std::uint64_t>(UINT64_MAX) == "18446744073709551615");
  BOOST_TEST(round_trip<std::int32_t>(INT32_MIN) == "-2147483648");
  BOOST_TEST(round_trip<std::uint32_t>(UINT32_MAX) == "4294967295");
  BOOST_TEST(round_trip<std::int16_t>(-32768) == "-32768");
  BOOST_TEST(round_trip<std::uint16_t>(65535) == "65535");
  BOOST_TEST(round_trip<std::int8_t>(-128) == "-128");
  BOOST_TEST(round_trip<std::uint8_t>(255) == "255");
  std::mt19937_64 random(1);
  for (int i = 0; i < 1000; ++i) {
    round_trip<std::int64_t>(static_cast<std::int64_t>(random()));
    round_trip<std::int32_t>(static_cast<std::int32_t>(random()));
    round_trip<std::uint16_t>(static_cast<std::uint16_t>(random()));
  }
}

BOOST_AUTO_TEST_CASE(integers_reject_other_text) {
  for (const char* text : {"", " 1", "1 ", "+1", "0x10", "1.5", "1e3", "--1", "one", "9223372036854775808",
                           "-9223372036854775809", "1\t"}) {
    BOOST_TEST(!parses<std::int64_t>(text), "text: " << text);
  }
  for (const char* text : {"-1", "18446744073709551616"}) BOOST_TEST(!parses<std::uint64_t>(text), text);
  for (const char* text : {"256", "-1"}) BOOST_TEST(!parses<std::uint8_t>(text), text);
  for (const char* text : {"128", "-129"}) BOOST_TEST(!parses<std::int8_t>(text), text);
  for (const char* text : {"65536"}) BOOST_TEST(!parses<std::uint16_t>(text), text);
}

BOOST_AUTO_TEST_CASE(bools_are_true_or_false) {
  BOOST_TEST(round_trip<bool>(true) == "true");
  BOOST_TEST(round_trip<bool>(false) == "false");
  for (const char* text : {"", "1", "0", "True", "FALSE", "yes", "true ", " false", "truefalse"}) {
    BOOST_TEST(!parses<bool>(text), "text: " << text);
  }
}

BOOST_AUTO_TEST_CASE(floats_are_shortest_and_exact) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  BOOST_TEST(round_trip<double>(0.1) == "0.1");
  BOOST_TEST(round_trip<double>(8.5) == "8.5");
  BOOST_TEST(round_trip<double>(1e20) == "1e+20");
  BOOST_TEST(round_trip<double>(kInf) == "inf");
  BOOST_TEST(round_trip<double>(-kInf) == "-inf");
  BOOST_TEST(round_trip<double>(std::numeric_limits<double>::quiet_NaN()) == "nan");
  round_trip<double>(-std::numeric_limits<double>::quiet_NaN());
  // -0 and 0 are one key (the codec stores -0 as 0); the text may keep the sign.
  const std::string negative_zero = round_trip<double>(-0.0);
  BOOST_TEST((negative_zero == "-0" || negative_zero == "0"));
  BOOST_TEST(round_trip<double>(std::numeric_limits<double>::denorm_min()) == "5e-324");
  BOOST_TEST(round_trip<double>(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
  round_trip<double>(std::numeric_limits<double>::lowest());
  round_trip<double>(std::numeric_limits<double>::min());
  BOOST_TEST(round_trip<float>(0.1f) == "0.1");
  BOOST_TEST(round_trip<float>(-std::numeric_limits<float>::infinity()) == "-inf");
  round_trip<float>(std::numeric_limits<float>::denorm_min());
  round_trip<float>(std::numeric_limits<float>::max());
  round_trip<float>(std::numeric_limits<float>::quiet_NaN());
  std::mt19937_64 random(2);
  for (int i = 0; i < 2000; ++i) {
    // Random bit patterns: every exponent, subnormals; NaNs only as the
    // default NaN (a NaN's payload has no text).
    double d;
    const std::uint64_t bits = random();
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isnan(d)) round_trip<double>(d);
    float f;
    const auto bits32 = static_cast<std::uint32_t>(random());
    std::memcpy(&f, &bits32, sizeof f);
    if (!std::isnan(f)) round_trip<float>(f);
  }
}

BOOST_AUTO_TEST_CASE(floats_reject_other_text) {
  for (const char* text : {"", " 1", "1 ", "+1", "1,5", "0x1p3", "1e", "e5", "--1", "inf ", "one", "1.5\t"}) {
    BOOST_TEST(!parses<double>(text), "text: " << text);
    BOOST_TEST(!parses<float>(text), "text: " << text);
  }
}

BOOST_AUTO_TEST_CASE(structs_are_the_hex_of_their_bytes) {
  const Point p{0x01020304, -1};
  const std::string text = round_trip<Point>(p);
  BOOST_TEST(text.size() == 2 * sizeof(Point));
  BOOST_TEST(text == "04030201ffffffff");  // the object representation, little-endian here
  // Either case of hex digit reads.
  std::string bytes;
  BOOST_TEST(StreamText<Point>::parse("04030201FFFFFFFF", bytes));
  BOOST_TEST(bytes == encoded<Point>(p));
}

BOOST_AUTO_TEST_CASE(structs_reject_text_that_is_not_their_bytes) {
  for (const char* text :
       {"0403020", "04030201fffffffg", "zz030201ffffffff", " 4030201ffffffff", "0x030201ffffffff"}) {
    BOOST_TEST(!parses<Point>(text), "text: " << text);
  }
  // Hex digits that are not sizeof(Point) bytes: a decoder would read past
  // them (or ignore some), so they are no Point.
  for (const char* text : {"", "00", "04030201", "04030201ffffff", "04030201ffffffff00"}) {
    BOOST_TEST(!parses<Point>(text), "text: " << text);
  }
}

BOOST_AUTO_TEST_CASE(pairs_and_tuples_are_json_arrays) {
  using Pair = std::pair<std::string, std::int64_t>;
  BOOST_TEST(round_trip<Pair>({"word", -3}) == "[\"word\", -3]");
  BOOST_TEST(round_trip<Pair>({"a\tb\n\"\\", 0}) == "[\"a\\tb\\n\\\"\\\\\", 0]");
  // Bytes that are not UTF-8, and NUL, as \u00XX; UTF-8 as it is.
  BOOST_TEST(round_trip<Pair>({std::string("\0\xff\xc3\xa9", 4), 1}) == "[\"\\u0000\\u00ff\xc3\xa9\", 1]");
  using Nested = std::tuple<bool, double, std::pair<float, std::string>, mapreduce::Nothing, Point>;
  BOOST_TEST(round_trip<Nested>({true, 0.5, {-2.5f, ""}, {}, Point{1, -1}}) ==
             "[true, 0.5, [-2.5, \"\"], null, \"01000000ffffffff\"]");
  constexpr double kInf = std::numeric_limits<double>::infinity();
  using Doubles = std::tuple<double, double, double>;
  BOOST_TEST(round_trip<Doubles>({kInf, -kInf, std::numeric_limits<double>::quiet_NaN()}) ==
             "[Infinity, -Infinity, NaN]");
  BOOST_TEST(round_trip<std::tuple<>>({}) == "[]");
  // Python's json.dumps spacing, and none, read alike.
  std::string bytes;
  BOOST_TEST(StreamText<Pair>::parse("[\"word\",-3]", bytes));
  BOOST_TEST(bytes == encoded<Pair>({"word", -3}));
}

BOOST_AUTO_TEST_CASE(random_pairs_and_tuples_read_back) {
  using Key = std::tuple<std::string, std::int64_t, double, std::pair<std::string, std::int32_t>>;
  std::mt19937_64 random(8);
  auto random_string = [&] {
    std::string s(random() % 6, '\0');
    for (char& c : s) c = static_cast<char>(random());
    return s;
  };
  for (int i = 0; i < 5000; ++i) {
    const std::string a = random_string();
    const std::string b = random_string();
    double d;
    const std::uint64_t bits = random();
    std::memcpy(&d, &bits, sizeof d);
    if (std::isnan(d)) continue;
    round_trip<Key>({a, static_cast<std::int64_t>(random()), d, {b, static_cast<std::int32_t>(random())}});
  }
}

BOOST_AUTO_TEST_CASE(pairs_and_tuples_reject_other_text) {
  using Pair = std::pair<std::string, std::int64_t>;
  for (const char* text :
       {"", "[]", "[\"a\"]", "[\"a\", 1, 2]", "[\"a\" 1]", "[\"a\", 1", "\"a\", 1]", "[\"a\", 1] ",
        " [\"a\", 1]", "[\"a\", 1]x", "[a, 1]", "[\"a\", \"1\"]", "[\"a\", 1.5]", "[\"a\\x\", 1]",
        "[\"a\\u0100\", 1]", "[\"a\tb\", 1]", "[\"a, 1]", "[\"a\", ]"}) {
    std::string bytes = "kept";
    BOOST_TEST(!StreamText<Pair>::parse(text, bytes), "text: " << text);
    BOOST_TEST(bytes == "kept", "text: " << text);
  }
  BOOST_TEST(!parses<std::tuple<mapreduce::Nothing>>("[0]"));
  BOOST_TEST(!parses<std::tuple<Point>>("[\"0100\"]"));
}

BOOST_AUTO_TEST_CASE(nothing_is_empty_text) {
  BOOST_TEST(round_trip<mapreduce::Nothing>({}) == "");
  BOOST_TEST(!parses<mapreduce::Nothing>("x"));
  BOOST_TEST(!parses<mapreduce::Nothing>("null"));
}

namespace {

// A job whose intermediate keys are strings with every awkward byte and
// whose values are doubles (non-finite included): reducer prints the key
// escaped, how many values, and their sum in the order received; a second
// job has struct keys.
struct Sums final : mapreduce::MapReduceConcurrent<Sums, std::string, double> {
  using MapReduceConcurrent::MapReduceConcurrent;
  // Line "k v": key k with "\t", "\n", "\r", "\\" spelled as ^t ^n ^r ^b.
  void mapper(std::string_view line, Emitter& emit) {
    const auto space = line.find(' ');
    std::string key;
    for (std::size_t i = 0; i < space; ++i) {
      if (line[i] == '^' && i + 1 < space) {
        const char c = line[++i];
        key += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : '\\';
      } else {
        key += line[i];
      }
    }
    emit(key, std::stod(std::string(line.substr(space + 1))));
  }
  std::pair<std::string, std::string> reducer(std::string_view key, Values values) {
    std::string shown;
    for (char c : key) shown += c == '\t' ? "<t>" : c == '\n' ? "<n>" : c == '\r' ? "<r>" : std::string(1, c);
    double sum = 0;
    std::size_t n = 0;
    for (double v : values) {
      sum += v;
      ++n;
    }
    return {shown, std::to_string(n) + " " + std::to_string(sum)};
  }
};

struct PointSums final : mapreduce::MapReduceConcurrent<PointSums, Point, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const std::int32_t x = std::stoi(std::string(line));
    emit(Point{x % 5, -x % 3}, x);
  }
  void combiner(const Point&, std::int64_t& total, std::int64_t value) { total += value; }
  std::pair<std::string, std::int64_t> reducer(const Point& p, Values values) {
    std::int64_t total = 0;
    for (std::int64_t v : values) total += v;
    return {std::to_string(p.x) + "," + std::to_string(p.y), total};
  }
};

// Pair keys with awkward strings (spelled as in Sums) and Nothing values:
// reducer prints the key's number, the string escaped, and how many lines had
// the key.
struct PairLines final
    : mapreduce::MapReduceConcurrent<PairLines, std::pair<std::int64_t, std::string>, mapreduce::Nothing> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const auto space = line.find(' ');
    std::string word;
    for (std::size_t i = space + 1; i < line.size(); ++i) {
      if (line[i] == '^' && i + 1 < line.size()) {
        const char c = line[++i];
        word += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == '0' ? '\0' : '\\';
      } else {
        word += line[i];
      }
    }
    emit({std::stoll(std::string(line.substr(0, space))), word}, mapreduce::Nothing{});
  }
  std::pair<std::string, std::size_t> reducer(std::pair<std::int64_t, std::string_view> key, Values values) {
    std::string shown = std::to_string(key.first) + ":";
    for (char c : key.second) {
      shown += c == '\t'   ? "<t>"
               : c == '\n' ? "<n>"
               : c == '\r' ? "<r>"
               : c == '\0' ? "<0>"
                           : std::string(1, c);
    }
    return {shown, values.size()};
  }
};

template <class Job>
std::string run_mode(const std::string& input, mapreduce::RunMode mode) {
  std::ostringstream out;
  // A streaming task is one process: -p is a job's only.
  const unsigned processes = mode == mapreduce::RunMode::job ? 2 : 0;
  Job(input, mapreduce::Options{.output_stream = &out, .mode = mode, .processes = processes}).run();
  return out.str();
}

// The lines of text in byte order, as `LC_ALL=C sort` orders them.
std::string sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

template <class Job>
void check_streaming_equals_the_job(const TempDir& dir, const std::string& text) {
  const std::string input = dir.write("input.txt", text);
  const std::string mapped = run_mode<Job>(input, mapreduce::RunMode::stream_map);
  BOOST_TEST_REQUIRE(!mapped.empty());
  const std::string shuffled = dir.write("shuffled.txt", sorted_lines(mapped));
  const std::string reduced = run_mode<Job>(shuffled, mapreduce::RunMode::stream_reduce);
  const std::string whole = run_mode<Job>(input, mapreduce::RunMode::job);
  BOOST_TEST(sorted_lines(reduced) == sorted_lines(whole));
}

using Fixture = JobFixture<60>;

}  // namespace

BOOST_FIXTURE_TEST_CASE(map_side_sorted_then_reduce_side_is_the_job, Fixture) {
  // Values that are exact in binary, so that the order they reach reducer
  // in does not change the sum.
  std::string text;
  const char* keys[] = {"a", "a^tb", "a^nb", "^r", "^b^t", "x^b", "^t", "plain", "", "\xff\x80"};
  std::mt19937_64 random(4);
  for (int i = 0; i < 3000; ++i) {
    text += std::string(keys[random() % std::size(keys)]) + " " + std::to_string(int(random() % 100) - 50) +
            (random() % 2 ? ".5" : ".25") + "\n";
  }
  text += "inf 1e308\ninf 1e308\nneg -inf\nnan nan\n";
  check_streaming_equals_the_job<Sums>(*this, text);

  std::string numbers;
  for (int i = 0; i < 5000; ++i) numbers += std::to_string(int(random() % 100000)) + "\n";
  check_streaming_equals_the_job<PointSums>(*this, numbers);
}

BOOST_FIXTURE_TEST_CASE(pair_keys_and_nothing_values_through_streaming_are_the_job, Fixture) {
  std::string text;
  const char* words[] = {"a",     "a^tb",  "a^nb", "^r",       "^b^t",    "^0",
                         "a^0^0", "\"q\"", "",     "\xff\x80", "\xc3\xa9"};
  std::mt19937_64 random(9);
  for (int i = 0; i < 3000; ++i) {
    text +=
        std::to_string(static_cast<int>(random() % 7) - 3) + " " + words[random() % std::size(words)] + "\n";
  }
  check_streaming_equals_the_job<PairLines>(*this, text);
  // The map side's lines: a JSON array, a tab, and the empty text of Nothing.
  const std::string mapped =
      run_mode<PairLines>(write("one.txt", "-1 a^tb\n"), mapreduce::RunMode::stream_map);
  BOOST_TEST(mapped == "[-1, \"a\\tb\"]\t\n");
}

BOOST_FIXTURE_TEST_CASE(map_side_combines_each_map_task, Fixture) {
  std::string numbers;
  for (int i = 0; i < 5000; ++i) numbers += std::to_string(i) + "\n";
  const std::string mapped = run_mode<PointSums>(write("in.txt", numbers), mapreduce::RunMode::stream_map);
  // A small input is cut into at most about 64 map tasks, each of which
  // writes one line per distinct point of its lines (5 x 3 at most).
  std::istringstream in(mapped);
  std::map<std::string, int> lines_per_key;
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) ++lines_per_key[line.substr(0, line.find('\t'))];
  BOOST_TEST(lines_per_key.size() <= 15u);
  BOOST_TEST(lines_per_key.size() >= 5u);
  for (const auto& [key, count] : lines_per_key) BOOST_TEST(count <= 65, key);
  BOOST_TEST(lines <= 15 * 65);
}

BOOST_FIXTURE_TEST_CASE(reduce_side_rejects_lines_it_cannot_read, Fixture) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"a\t1.5\nb\tnot a number\n", "line 2"},
      {"a\t1\nb\\q\t1\n", "line 2"},
      {"a\t1\n\n", "line 2"},  // an empty line has no value
      {"a\t1\na\t\n", "line 2"},
  };
  for (const auto& [text, where] : bad) {
    BOOST_TEST_CONTEXT(text) {
      const std::string input = write("bad.txt", text);
      std::ostringstream out;
      try {
        Sums(input, mapreduce::Options{.output_stream = &out, .mode = mapreduce::RunMode::stream_reduce})
            .run();
        BOOST_ERROR("no error");
      } catch (const mapreduce::InputError& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find(where) != std::string::npos, what);
        BOOST_TEST(what.find(input) != std::string::npos, what);
      }
      BOOST_TEST(out.str() == "");
    }
  }
  // A struct key whose hex is too short for a Point.
  const std::string input = write("points.txt", "00000000\t5\n");
  std::ostringstream out;
  BOOST_CHECK_THROW(
      PointSums(input, mapreduce::Options{.output_stream = &out, .mode = mapreduce::RunMode::stream_reduce})
          .run(),
      mapreduce::InputError);
}

BOOST_AUTO_TEST_SUITE_END()
