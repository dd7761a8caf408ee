// Property test: on random inputs (random bytes, line lengths, CR/LF mixes,
// with and without a final newline) word_count's job gives the counts an
// independent counter computes, with the sequential engine and with several
// process counts.
#define BOOST_TEST_MODULE word_count_property
#include <boost/test/unit_test.hpp>

#include <mapreduce/mapreduce.hpp>

#include <map>
#include <random>
#include <sstream>
#include <string>

#include "test_support.hpp"

namespace {

bool in_word(unsigned char c) { return std::isalnum(c) && c < 0x80 ? true : (c == '_' || c == '\''); }

// The job under test: the same rules as examples/word_count, written against
// the public API with a combiner.
struct WordCount final : mapreduce::MapReduceConcurrent<WordCount, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && !in_word(static_cast<unsigned char>(line[i]))) ++i;
      const std::size_t start = i;
      while (i < line.size() && in_word(static_cast<unsigned char>(line[i]))) ++i;
      if (i > start) emit(line.substr(start, i - start), 1);
    }
  }
  void combiner(std::string_view, std::int64_t& total, std::int64_t n) { total += n; }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (auto c : counts) total += c;
    return {word, total};
  }
};

// An independent count: a two-state machine over the whole text, which never
// looks at lines (newlines and CRs are simply not word bytes).
std::string independent_count(const std::string& text) {
  std::map<std::string, long> counts;
  std::string word;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool word_byte = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
                           u == '\'';
    if (word_byte) {
      word += c;
    } else if (!word.empty()) {
      ++counts[word];
      word.clear();
    }
  }
  if (!word.empty()) ++counts[word];
  std::string out;
  for (const auto& [w, n] : counts) out += w + "\t" + std::to_string(n) + "\n";
  return out;
}

std::string random_text(std::mt19937_64& random, std::size_t size) {
  static const std::string kWords[] = {"the", "The", "a", "don't", "o'er", "x_1", "42", "caf\xc3\xa9", "THE"};
  std::string text;
  while (text.size() < size) {
    switch (random() % 8) {
      case 0: text += "\r\n"; break;
      case 1: text += '\n'; break;
      case 2: text += static_cast<char>(random() % 256); break;
      case 3: text += std::string(random() % 3000, 'a' + random() % 3); break;  // a long line
      default: text += kWords[random() % std::size(kWords)] + std::string(1, " ,.;\t"[random() % 5]);
    }
  }
  if (random() % 2) text += '\n';
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(counts_match_an_independent_count) {
  std::mt19937_64 random(20261123);
  mapreduce::test::TempDir dir;
  for (int round = 0; round < 40; ++round) {
    const std::size_t size = round == 0 ? 0 : (round < 30 ? random() % 5000 : random() % (3u << 20));
    const std::string text = random_text(random, size);
    const std::string path = dir.write("in.txt", text);
    const std::string expected = independent_count(text);
    for (unsigned processes : {0u, 1u, 2u, 3u, 7u}) {
      std::ostringstream out;
      mapreduce::Options options{.output_stream = &out, .processes = processes, .sequential = processes == 0};
      WordCount(path, options).run();
      BOOST_TEST_CONTEXT("round " << round << ", " << text.size() << " bytes, processes " << processes) {
        BOOST_TEST(mapreduce::test::first_difference(expected, out.str()) == "");
      }
    }
  }
  BOOST_TEST(mapreduce::test::no_child_left());
}
