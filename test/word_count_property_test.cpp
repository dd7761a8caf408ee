// Property test: on random inputs (random bytes, short and very long lines,
// CR/LF mixes, with and without a final newline, the empty file) a word-count
// job gives the counts an independent counter computes, with the sequential
// engine; and the concurrent engine, at several process counts, gives the
// very same bytes. With and without a combiner.
#define BOOST_TEST_MODULE word_count_property
#include <array>
#include <charconv>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

// The job under test, on either base class, with or without a combiner.
// Words are maximal runs of [A-Za-z0-9_'], found by a table lookup.
template <template <class, class, class> class Base, bool kCombine>
struct WordCount final : Base<WordCount<Base, kCombine>, std::string, std::int64_t> {
  using Job = Base<WordCount<Base, kCombine>, std::string, std::int64_t>;
  WordCount(std::string input, mapreduce::Options options) : Job(std::move(input), std::move(options)) {}

  static bool in_word(char c) {
    static const auto kTable = [] {
      std::array<bool, 256> table{};
      for (const char* p = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_'"; *p; ++p) {
        table[static_cast<unsigned char>(*p)] = true;
      }
      return table;
    }();
    return kTable[static_cast<unsigned char>(c)];
  }

  void mapper(std::string_view line, typename Job::Emitter& emit) {
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && !in_word(line[i])) ++i;
      const std::size_t start = i;
      while (i < line.size() && in_word(line[i])) ++i;
      if (i > start) emit(line.substr(start, i - start), 1);
    }
  }
  void combiner(std::string_view, std::int64_t& total, std::int64_t n) requires kCombine { total += n; }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, typename Job::Values counts) {
    std::int64_t total = 0;
    for (auto c : counts) total += c;
    return {word, total};
  }
};

using SequentialPlain = WordCount<mapreduce::MapReduce, false>;
using SequentialCombined = WordCount<mapreduce::MapReduce, true>;
using ConcurrentPlain = WordCount<mapreduce::MapReduceConcurrent, false>;
using ConcurrentCombined = WordCount<mapreduce::MapReduceConcurrent, true>;
static_assert(mapreduce::detail::HasCombiner<SequentialCombined, std::string, std::int64_t>);
static_assert(!mapreduce::detail::HasCombiner<SequentialPlain, std::string, std::int64_t>);

using Counts = std::map<std::string, std::int64_t>;

// An independent count: a two-state machine over the whole text, by byte
// ranges, which never looks at lines (newlines and CRs are not word bytes).
Counts independent_count(const std::string& text) {
  Counts counts;
  std::string word;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool word_byte =
        (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u == '\'';
    if (word_byte) {
      word += c;
    } else if (!word.empty()) {
      ++counts[word];
      word.clear();
    }
  }
  if (!word.empty()) ++counts[word];
  return counts;
}

// Parses `word<TAB>count` lines back and compares them with `expected`:
// "" when they agree and the words come in strictly ascending byte order,
// otherwise the first problem found.
std::string check_output(const Counts& expected, const std::string& output) {
  Counts parsed;
  std::string previous;
  std::size_t at = 0;
  while (at < output.size()) {
    const std::size_t end = output.find('\n', at);
    if (end == std::string::npos) return "the output does not end with a newline";
    const std::string line = output.substr(at, end - at);
    at = end + 1;
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0) return "malformed line \"" + line + "\"";
    const std::string word = line.substr(0, tab);
    std::int64_t count = 0;
    const auto [stop, error] = std::from_chars(line.data() + tab + 1, line.data() + line.size(), count);
    if (error != std::errc() || stop != line.data() + line.size() || count <= 0)
      return "bad count in \"" + line + "\"";
    if (!parsed.empty() && !(previous < word)) return "\"" + word + "\" comes after \"" + previous + "\"";
    parsed[word] = count;
    previous = word;
  }
  for (const auto& [word, count] : expected) {
    const auto found = parsed.find(word);
    if (found == parsed.end()) return "\"" + word + "\" is missing";
    if (found->second != count) {
      return "\"" + word + "\" counted " + std::to_string(found->second) + ", expected " +
             std::to_string(count);
    }
  }
  for (const auto& [word, count] : parsed) {
    if (!expected.contains(word)) return "\"" + word + "\" is not in the input";
  }
  return "";
}

// Random text: any byte 0..255, words, separators, LF, CRLF and lone CRs,
// runs of word bytes; sometimes a very long line; a final newline or not.
std::string random_text(std::mt19937_64& random, std::size_t size, bool very_long_line) {
  static const std::string kWords[] = {"the", "The", "a",           "don't", "o'er",
                                       "x_1", "42",  "caf\xc3\xa9", "THE",   "'"};
  std::string text;
  const std::size_t long_line_at = very_long_line ? random() % (size + 1) : std::string::npos;
  while (text.size() < size) {
    if (text.size() >= long_line_at) {
      // A line of 1-2 MiB: words and random bytes without a line break.
      const std::size_t length = (1u << 20) + random() % (1u << 20);
      const std::size_t stop = text.size() + length;
      while (text.size() < stop) {
        const char c = static_cast<char>(random() % 256);
        text += c == '\n' ? ' ' : c;
        if (random() % 4 == 0) text += kWords[random() % std::size(kWords)];
      }
      text += '\n';
      continue;
    }
    switch (random() % 10) {
      case 0:
        text += "\r\n";
        break;
      case 1:
        text += '\n';
        break;
      case 2:
        text += '\r';
        break;
      case 3:
      case 4:
        text += static_cast<char>(random() % 256);
        break;
      case 5:
        text.append(random() % 3000, static_cast<char>('a' + random() % 3));
        break;  // a long run
      default:
        text += kWords[random() % std::size(kWords)] + std::string(1, " ,.;\t-"[random() % 6]);
    }
  }
  switch (random() % 3) {
    case 0:
      text += '\n';
      break;
    case 1:
      text += "\r\n";
      break;
    default:
      break;  // no final newline
  }
  return text;
}

template <class Job>
std::string run(const std::string& path, mapreduce::Options options) {
  std::ostringstream out;
  options.output_stream = &out;
  Job(path, options).run();
  return out.str();
}

// Words that the output's merge of partitions must order past their first
// eight bytes, or by length alone: tails of a few letters after prefixes
// that are the same for eight bytes or one byte short of them.
std::string shared_prefix_text(std::mt19937_64& random) {
  static const char* const kHeads[] = {"", "a", "abcdefg", "abcdefgh", "abcdefgh_"};
  std::string text;
  for (int word = 0; word < 200000; ++word) {
    text += kHeads[random() % std::size(kHeads)];
    const std::size_t tail = random() % 7 + 1;
    for (std::size_t i = 0; i < tail; ++i) text += "ab_'"[random() % 4];
    text += word % 9 == 8 ? '\n' : ' ';
  }
  return text;
}

}  // namespace

// With JobFixture's leak checks after it: the runs leave no worker behind.
BOOST_FIXTURE_TEST_CASE(counts_match_an_independent_count_and_engines_agree, mapreduce::test::JobFixture<>) {
  std::mt19937_64 random(20261123);
  for (int round = 0; round < 33; ++round) {
    std::string text;
    if (round == 1) {
      text = "word";  // one word, no newline
    } else if (round == 32) {
      text = shared_prefix_text(random);
    } else if (round > 1) {
      const std::size_t size = round < 24 ? random() % 5000 : random() % (3u << 20);
      text = random_text(random, size, round % 8 == 7);
    }
    const std::string path = write("in.txt", text);
    const Counts expected = independent_count(text);
    const std::string plain = run<SequentialPlain>(path, {});
    const std::string combined = run<SequentialCombined>(path, {});
    BOOST_TEST_CONTEXT("round " << round << ", " << text.size() << " bytes, " << expected.size()
                                << " words") {
      BOOST_TEST(check_output(expected, plain) == "");
      BOOST_TEST(mapreduce::test::first_difference(plain, combined) == "");
      for (unsigned processes : {1u, 2u, 3u, 7u}) {
        BOOST_TEST_CONTEXT("processes " << processes) {
          const mapreduce::Options options{.processes = processes};
          std::string concurrent;
          BOOST_CHECK_NO_THROW(concurrent = run<ConcurrentPlain>(path, options));
          BOOST_TEST(mapreduce::test::first_difference(plain, concurrent) == "");
          BOOST_CHECK_NO_THROW(concurrent = run<ConcurrentCombined>(path, options));
          BOOST_TEST(mapreduce::test::first_difference(plain, concurrent) == "");
        }
      }
    }
  }
}

// The checker itself must be able to fail: a wrong count, a missing or extra
// word, words out of order, and a malformed line are all caught.
BOOST_AUTO_TEST_CASE(the_output_check_catches_wrong_outputs) {
  const Counts expected = {{"a", 2}, {"b", 1}};
  BOOST_TEST(check_output(expected, "a\t2\nb\t1\n") == "");
  BOOST_TEST(check_output(expected, "a\t3\nb\t1\n") != "");
  BOOST_TEST(check_output(expected, "a\t2\n") != "");
  BOOST_TEST(check_output(expected, "a\t2\nb\t1\nc\t1\n") != "");
  BOOST_TEST(check_output(expected, "b\t1\na\t2\n") != "");
  BOOST_TEST(check_output(expected, "a\t2\nb\t1") != "");
  BOOST_TEST(check_output(expected, "a 2\nb\t1\n") != "");
  BOOST_TEST(check_output(expected, "a\t2\na\t2\nb\t1\n") != "");
  BOOST_TEST(check_output(independent_count("x don't\r\nx_1\rcaf\xc3\xa9 ''"),
                          "''\t1\ncaf\t1\ndon't\t1\nx\t1\nx_1\t1\n") == "");
}
