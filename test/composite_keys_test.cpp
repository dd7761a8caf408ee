// Jobs with composite keys and Nothing values, on the sequential engine and
// on 1, 2 and 4 processes: a std::pair<std::string, long> key is reduced and
// output in field-wise order (numbers numerically, negative ones first),
// with and without a combiner; a tuple key prints as tab-separated columns
// in tsv and as a JSON array in jsonl; a Nothing value prints as the key
// alone. Expectations are computed here from the input with std::map and
// std::set, never taken from the library.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE composite_keys
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::Nothing;
using mapreduce::test::JobFixture;
using mapreduce::test::options_for;

constexpr unsigned kProcessCounts[] = {0, 1, 2, 4};  // 0: the sequential engine

// Lines "NUMBER WORD": the word is the rest of the line (spaces, 0x00 and
// 0xff bytes included), so that words share prefixes and numbers are
// negative and positive, with many repeats. Large enough for several map
// tasks.
std::string pair_input() {
  static const std::string kWords[] = {
      "", "a", "ab", "a b", std::string("a\0", 2), std::string("\0", 1), "b", "\xff", "\xff\x01", "ba"};
  std::mt19937_64 random(21);
  std::string text;
  for (int i = 0; i < 200'000; ++i) {
    text += std::to_string(static_cast<long>(random() % 601) - 300) + " " +
            kWords[random() % std::size(kWords)] + "\n";
  }
  return text;
}

// The output of a (word, number) count: per (word, number) in field-wise
// order, "word<TAB>number<TAB>count".
std::string expected_pair_counts(const std::string& input) {
  std::map<std::pair<std::string, long>, long> counts;
  std::istringstream in(input);
  for (std::string line; std::getline(in, line);) {
    const auto space = line.find(' ');
    ++counts[{line.substr(space + 1), std::stol(line.substr(0, space))}];
  }
  std::string text;
  for (const auto& [key, count] : counts) {
    text += key.first + "\t" + std::to_string(key.second) + "\t" + std::to_string(count) + "\n";
  }
  return text;
}

template <class Derived>
struct PairCountBase : mapreduce::MapReduceConcurrent<Derived, std::pair<std::string, long>, long> {
  using PairCountBase::MapReduceConcurrent::MapReduceConcurrent;
  using typename PairCountBase::MapReduceConcurrent::Emitter;
  using typename PairCountBase::MapReduceConcurrent::Values;
  void mapper(std::string_view line, Emitter& emit) {
    const auto space = line.find(' ');
    const std::string_view word = line.substr(space + 1);
    emit({word, std::stol(std::string(line.substr(0, space)))}, 1);
  }
  std::pair<std::pair<std::string_view, long>, long> reducer(std::pair<std::string_view, long> key,
                                                             Values counts) {
    long total = 0;
    for (long c : counts) total += c;
    return {key, total};
  }
};

struct PairCount final : PairCountBase<PairCount> {
  using PairCountBase::PairCountBase;
};

struct CombinedPairCount final : PairCountBase<CombinedPairCount> {
  using PairCountBase::PairCountBase;
  void combiner(std::pair<std::string_view, long>, long& total, long value) { total += value; }
};

// Tuple keys: (name, score, (rank, tag)), one value per line; reducer
// returns the key and how many lines had it.
struct Scores final
    : mapreduce::MapReduceConcurrent<Scores, std::tuple<std::string, double, std::pair<int, std::string>>,
                                     int> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    std::istringstream in{std::string(line)};
    std::string name, tag;
    double score;
    int rank;
    in >> name >> score >> rank >> tag;
    emit({name, score, {rank, tag}}, 1);
  }
  std::pair<KeyView, std::size_t> reducer(KeyView key, Values values) { return {key, values.size()}; }
};

// The distinct words of the input: Nothing values, with a combiner that has
// nothing to combine and a reducer that returns the word alone.
struct Distinct final : mapreduce::MapReduceConcurrent<Distinct, std::string, Nothing> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line.substr(line.find(' ') + 1), Nothing{}); }
  void combiner(std::string_view, Nothing&, Nothing) {}
  std::pair<std::string_view, Nothing> reducer(std::string_view word, Values) { return {word, {}}; }
};

// The same through the emitting form, without a combiner: each word as many
// times as it occurs, its Nothing values counted.
struct Repeated final : mapreduce::MapReduceConcurrent<Repeated, std::string, Nothing> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line.substr(line.find(' ') + 1), {}); }
  void reducer(std::string_view word, Values values, Out& out) {
    for (Nothing n : values) out(word, n);
  }
};

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, pair_keys_come_out_in_field_order, data::make(kProcessCounts),
                       processes) {
  const std::string text = pair_input();
  const std::string input = write("pairs.txt", text);
  const std::string expected = expected_pair_counts(text);
  {
    std::ostringstream out;
    PairCount(input, options_for(processes, out)).run();
    BOOST_TEST(out.str() == expected);
  }
  {
    std::ostringstream out;
    CombinedPairCount(input, options_for(processes, out)).run();
    BOOST_TEST(out.str() == expected);
  }
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, tuple_keys_are_columns_and_json_arrays, data::make({0u, 2u}),
                       processes) {
  const std::string input = write(
      "scores.txt", "bo 2.5 1 x\nal 10 3 y\nal -1.5 2 z\nal 10 3 y\nal 10 -4 y\nal 10 3 x\nbo 2.5 1 x\n");
  {
    std::ostringstream out;
    Scores(input, options_for(processes, out)).run();
    BOOST_TEST(out.str() ==
               "al\t-1.5\t2\tz\t1\n"
               "al\t10\t-4\ty\t1\n"
               "al\t10\t3\tx\t1\n"
               "al\t10\t3\ty\t2\n"
               "bo\t2.5\t1\tx\t2\n");
  }
  {
    std::ostringstream out;
    mapreduce::Options options = options_for(processes, out);
    options.format = mapreduce::OutputFormat::jsonl;
    Scores(input, options).run();
    BOOST_TEST(out.str() ==
               "{\"key\": [\"al\", -1.5, [2, \"z\"]], \"value\": 1}\n"
               "{\"key\": [\"al\", 10, [-4, \"y\"]], \"value\": 1}\n"
               "{\"key\": [\"al\", 10, [3, \"x\"]], \"value\": 1}\n"
               "{\"key\": [\"al\", 10, [3, \"y\"]], \"value\": 2}\n"
               "{\"key\": [\"bo\", 2.5, [1, \"x\"]], \"value\": 2}\n");
  }
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, nothing_values_print_the_key_alone, data::make(kProcessCounts),
                       processes) {
  const std::string text = pair_input();
  const std::string input = write("words.txt", text);
  std::set<std::string> words;
  std::multiset<std::string> occurrences;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    words.insert(line.substr(line.find(' ') + 1));
    occurrences.insert(line.substr(line.find(' ') + 1));
  }
  std::string tsv, jsonl, repeated;
  for (const std::string& w : words) {
    tsv += w + "\n";
    std::string json;
    mapreduce::append_json(json, w);
    jsonl += "{\"key\": " + json + ", \"value\": null}\n";
  }
  for (const std::string& w : occurrences) repeated += w + "\n";
  {
    std::ostringstream out;
    Distinct(input, options_for(processes, out)).run();
    BOOST_TEST(out.str().find('\t') == std::string::npos);
    BOOST_TEST(out.str() == tsv);
  }
  {
    std::ostringstream out;
    mapreduce::Options options = options_for(processes, out);
    options.format = mapreduce::OutputFormat::jsonl;
    Distinct(input, options).run();
    BOOST_TEST(out.str() == jsonl);
  }
  {
    std::ostringstream out;
    Repeated(input, options_for(processes, out)).run();
    BOOST_TEST(out.str().find('\t') == std::string::npos);
    BOOST_TEST(out.str() == repeated);
  }
}
