// Line splitting: what counts as a line, in the splitter itself and through a
// whole job (every line reaches mapper exactly once, in order, whichever map
// task it falls in).
#define BOOST_TEST_MODULE lines
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

struct Line {
  std::string text;
  std::size_t offset;  // where the line begins in the text
  bool operator==(const Line&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Line& line) {
  return out << '"' << line.text << "\"@" << line.offset;
}

// The lines for_each_line delivers, with where each one begins.
std::vector<Line> split(std::string_view text) {
  std::vector<Line> lines;
  mapreduce::detail::for_each_line(text, [&](std::string_view line, const char* begin) {
    // The line itself starts where the callback says it begins.
    BOOST_TEST(static_cast<const void*>(line.data()) == static_cast<const void*>(begin));
    lines.push_back({std::string(line), static_cast<std::size_t>(begin - text.data())});
  });
  return lines;
}

// An independent splitter, byte by byte: the rules of design.md §4 written
// as plainly as possible.
std::vector<Line> reference_split(std::string_view text) {
  std::vector<Line> lines;
  std::string current;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      if (!current.empty() && current.back() == '\r') current.pop_back();
      lines.push_back({current, begin});
      current.clear();
      begin = i + 1;
    } else {
      current += text[i];
    }
  }
  if (begin < text.size()) lines.push_back({current, begin});
  return lines;
}

std::vector<std::string> texts_of(const std::vector<Line>& lines) {
  std::vector<std::string> texts;
  for (const Line& line : lines) texts.push_back(line.text);
  return texts;
}

struct Case {
  std::string name;
  std::string text;
  std::vector<std::string> lines;
};

std::ostream& operator<<(std::ostream& out, const Case& c) { return out << c.name; }

// Hand-derived from the rules: '\n' ends a line, a '\r' right before it is
// dropped, a last line without '\n' counts, no empty line after a final '\n'.
const std::vector<Case> kCases = {
    {"empty text", "", {}},
    {"a lone newline", "\n", {""}},
    {"a lone CR", "\r", {"\r"}},
    {"a lone CRLF", "\r\n", {""}},
    {"one line with newline", "a\n", {"a"}},
    {"one line without newline", "a", {"a"}},
    {"last line without newline", "a\nb", {"a", "b"}},
    {"no trailing empty line", "a\nb\n", {"a", "b"}},
    {"a trailing empty line", "a\n\n", {"a", ""}},
    {"CRLF", "a\r\nb\r\n", {"a", "b"}},
    {"CR inside a line is kept", "a\rb\n", {"a\rb"}},
    {"CR at the start of a line is kept", "\ra\n", {"\ra"}},
    {"lone CR at the end", "a\r", {"a\r"}},
    {"CR CR LF drops one", "a\r\r\n", {"a\r"}},
    {"LF CR is a CR on the next line", "a\n\rb", {"a", "\rb"}},
    {"empty lines", "\n\n\n", {"", "", ""}},
    {"empty CRLF lines", "\r\n\r\n", {"", ""}},
    {"empty lines between", "a\n\nb\n", {"a", "", "b"}},
    {"NUL bytes", std::string("a\0b\n\0\n", 6), {std::string("a\0b", 3), std::string("\0", 1)}},
    {"NUL before CRLF", std::string("x\0\r\n", 4), {std::string("x\0", 2)}},
    {"last line a NUL", std::string("a\n\0", 3), {"a", std::string("\0", 1)}},
    {"invalid UTF-8", "\xff\xfe\n\xc3(\n", {"\xff\xfe", "\xc3("}},
    {"UTF-8 untouched", "caf\xc3\xa9\r\n\xe2\x82\xac", {"caf\xc3\xa9", "\xe2\x82\xac"}},
    {"mixed endings", "a\r\nb\nc\r\nd", {"a", "b", "c", "d"}},
};

// Records every line mapper sees, and outputs `number<TAB>line`, one per
// input line, numbered in the order mapper saw them.
struct LineRecorder final : mapreduce::MapReduce<LineRecorder, std::int64_t, std::string> {
  using MapReduce::MapReduce;
  std::vector<std::string> seen;
  void mapper(std::string_view line, Emitter& emit) {
    seen.emplace_back(line);
    emit(static_cast<std::int64_t>(seen.size()), line);
  }
  std::pair<std::int64_t, std::string_view> reducer(std::int64_t number, Values lines) {
    if (lines.size() != 1) throw std::logic_error("line number " + std::to_string(number) + " emitted twice");
    return {number, lines[0]};
  }
};

std::string numbered(const std::vector<std::string>& lines) {
  std::string expected;
  for (std::size_t i = 0; i < lines.size(); ++i) expected += std::to_string(i + 1) + "\t" + lines[i] + "\n";
  return expected;
}

// Random text over the bytes that matter to line splitting, and some others.
std::string random_text(std::mt19937_64& random, std::size_t size, std::size_t longest_run) {
  static const char kBytes[] = {'\n', '\r', '\0', 'a', 'b', '\xff', '\x80', ' '};
  std::string text;
  while (text.size() < size) {
    if (random() % 50 == 0) {
      text.append(random() % longest_run, static_cast<char>('c' + random() % 3));  // a long line
    } else {
      text += kBytes[random() % sizeof kBytes];
    }
  }
  return text;
}

}  // namespace

BOOST_DATA_TEST_CASE(splitter_cases, boost::unit_test::data::make(kCases), c) {
  const auto lines = split(c.text);
  BOOST_TEST(texts_of(lines) == c.lines, boost::test_tools::per_element());
  // The hand-written expectations and the reference splitter agree, so the
  // random test below checks the same rules.
  BOOST_TEST(lines == reference_split(c.text), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(splitter_agrees_with_a_reference_on_random_texts) {
  std::mt19937_64 random(1123);
  for (int round = 0; round < 2000; ++round) {
    const std::string text = random_text(random, random() % 64, 10);
    BOOST_TEST_CONTEXT("round " << round << ": " << mapreduce::test::first_difference("", text)) {
      BOOST_TEST(split(text) == reference_split(text), boost::test_tools::per_element());
    }
  }
}

BOOST_DATA_TEST_CASE(job_sees_the_same_lines, boost::unit_test::data::make(kCases), c) {
  mapreduce::test::TempDir dir;
  std::ostringstream out;
  LineRecorder job(dir.write("in.txt", c.text), {.output_stream = &out});
  job.run();
  BOOST_TEST(job.seen == c.lines, boost::test_tools::per_element());
  BOOST_TEST(out.str() == numbered(c.lines));
}

// Several MiB cut into several map tasks: chunk boundaries fall inside lines,
// and still every line reaches mapper exactly once, whole, in input order.
BOOST_AUTO_TEST_CASE(every_line_once_and_in_order_across_map_tasks) {
  mapreduce::test::TempDir dir;
  std::mt19937_64 random(77);
  for (int round = 0; round < 3; ++round) {
    std::string text = random_text(random, (5u << 20) + random() % 100000, 400000);
    if (round == 1) text += '\n';
    if (round == 2) text += "\r";
    const auto expected = texts_of(reference_split(text));
    std::ostringstream out;
    LineRecorder job(dir.write("in.txt", text), {.output_stream = &out});
    job.run();
    BOOST_TEST_CONTEXT("round " << round << ", " << text.size() << " bytes, " << expected.size()
                                << " lines") {
      BOOST_TEST_REQUIRE(job.seen.size() == expected.size());
      std::size_t mismatches = 0;
      for (std::size_t i = 0; i < expected.size(); ++i) mismatches += job.seen[i] != expected[i];
      BOOST_TEST(mismatches == 0u);
      BOOST_TEST(mapreduce::test::first_difference(numbered(expected), out.str()) == "");
    }
  }
}

BOOST_AUTO_TEST_CASE(hundred_megabyte_line) {
  constexpr std::size_t kSize = std::size_t(100) << 20;
  std::string text(kSize, 'x');
  text[12345] = 'y';
  text[kSize - 1] = '\r';  // kept: a CR not before the line break
  text += "\r\nshort\n";
  const auto lines = split(text);
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0].text.size() == kSize);
  BOOST_TEST(lines[0].text[12345] == 'y');
  BOOST_TEST(lines[0].text.back() == '\r');
  BOOST_TEST(lines[1].text == "short");
  BOOST_TEST(lines[1].offset == kSize + 2);
}

BOOST_AUTO_TEST_CASE(hundred_megabyte_line_through_a_job) {
  constexpr std::size_t kSize = std::size_t(100) << 20;
  mapreduce::test::TempDir dir;
  std::string text(kSize, 'x');
  text[kSize / 2] = 'm';
  text += "\nend";
  // Counts instead of storing: the line is too big to copy around for nothing.
  struct Lengths final : mapreduce::MapReduce<Lengths, std::int64_t, std::int64_t> {
    using MapReduce::MapReduce;
    std::int64_t lines = 0;
    std::int64_t middle = 0;
    void mapper(std::string_view line, Emitter& emit) {
      ++lines;
      if (line.size() > kSize / 2) middle = line[kSize / 2];
      emit(lines, static_cast<std::int64_t>(line.size()));
    }
    std::pair<std::int64_t, std::int64_t> reducer(std::int64_t number, Values sizes) {
      return {number, sizes[0]};
    }
  };
  std::ostringstream out;
  Lengths job(dir.write("in.txt", text), {.output_stream = &out});
  job.run();
  BOOST_TEST(job.middle == 'm');
  BOOST_TEST(out.str() == "1\t" + std::to_string(kSize) + "\n2\t3\n");
}
