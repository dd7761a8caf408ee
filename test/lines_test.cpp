// Line splitting: what counts as a line, in the splitter itself and through a
// whole job (every line reaches mapper exactly once, in order).
#define BOOST_TEST_MODULE lines
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <mapreduce/mapreduce.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> lines;
  mapreduce::detail::for_each_line(text, [&](std::string_view line, const char*) { lines.emplace_back(line); });
  return lines;
}

struct Case {
  std::string name;
  std::string text;
  std::vector<std::string> lines;
};

std::ostream& operator<<(std::ostream& out, const Case& c) { return out << c.name; }

const std::vector<Case> kCases = {
    {"empty text", "", {}},
    {"one line with newline", "a\n", {"a"}},
    {"one line without newline", "a", {"a"}},
    {"last line without newline", "a\nb", {"a", "b"}},
    {"CRLF", "a\r\nb\r\n", {"a", "b"}},
    {"CR only before LF", "a\rb\n", {"a\rb"}},
    {"lone CR at the end", "a\r", {"a\r"}},
    {"CR CR LF drops one", "a\r\r\n", {"a\r"}},
    {"empty lines", "\n\n\n", {"", "", ""}},
    {"empty CRLF lines", "\r\n\r\n", {"", ""}},
    {"empty lines between", "a\n\nb\n", {"a", "", "b"}},
    {"NUL bytes", std::string("a\0b\n\0\n", 6), {std::string("a\0b", 3), std::string("\0", 1)}},
    {"invalid UTF-8", "\xff\xfe\n\xc3(\n", {"\xff\xfe", "\xc3("}},
    {"mixed endings", "a\r\nb\nc\r\nd", {"a", "b", "c", "d"}},
};

// Records every line mapper sees, and reduces nothing interesting.
struct LineRecorder final : mapreduce::MapReduce<LineRecorder, std::int64_t, std::string> {
  using MapReduce::MapReduce;
  std::vector<std::string> seen;
  void mapper(std::string_view line, Emitter& emit) {
    seen.emplace_back(line);
    emit(static_cast<std::int64_t>(seen.size()), line);
  }
  std::pair<std::int64_t, std::size_t> reducer(std::int64_t number, Values lines) {
    return {number, lines[0].size()};
  }
};

}  // namespace

BOOST_DATA_TEST_CASE(splitter_cases, boost::unit_test::data::make(kCases), c) {
  BOOST_TEST(split(c.text) == c.lines, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(job_sees_the_same_lines, boost::unit_test::data::make(kCases), c) {
  mapreduce::test::TempDir dir;
  std::ostringstream out;
  LineRecorder job(dir.write("in.txt", c.text), {.output_stream = &out});
  job.run();
  BOOST_TEST(job.seen == c.lines, boost::test_tools::per_element());
  // One output line per input line, numbered in input order.
  std::string expected;
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    expected += std::to_string(i + 1) + "\t" + std::to_string(c.lines[i].size()) + "\n";
  }
  BOOST_TEST(out.str() == expected);
}

BOOST_AUTO_TEST_CASE(hundred_megabyte_line) {
  std::string text(100u << 20, 'x');
  text[12345] = 'y';
  text += "\r\nshort\n";
  const auto lines = split(text);
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0].size() == (100u << 20));
  BOOST_TEST(lines[0][12345] == 'y');
  BOOST_TEST(lines[1] == "short");
}

BOOST_AUTO_TEST_CASE(hundred_megabyte_line_through_a_job) {
  mapreduce::test::TempDir dir;
  std::string text(100u << 20, 'x');
  text += "\nend";
  std::ostringstream out;
  LineRecorder job(dir.write("in.txt", text), {.output_stream = &out});
  job.run();
  BOOST_TEST(out.str() == "1\t" + std::to_string(100u << 20) + "\n2\t3\n");
}
