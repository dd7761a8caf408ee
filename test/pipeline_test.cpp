// Pipelines (run_steps): several jobs in one program, each later step's
// mapper reading the previous step's typed output records. Expectations are
// derived here from the input with std::map and std::sort; every case runs
// on the sequential engine and on several process counts, which must agree.
#define BOOST_TEST_MODULE pipeline
#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::JobFixture;
using mapreduce::test::numbered_input;
using mapreduce::test::options_for;

constexpr unsigned kProcessCounts[] = {0, 1, 2, 4};  // 0: the sequential engine
constexpr std::size_t kLines = 60'000;               // several map tasks in step 1
constexpr std::size_t kModulus = 997;

// Step 1: counts the k-words of numbered_input (k<i % 997>, k<i % 13>).
struct CountK final : mapreduce::MapReduceConcurrent<CountK, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  void combiner(std::string_view, std::int64_t& total, std::int64_t count) { total += count; }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};

// Step 2: the `top` most frequent words, by count descending, ties by word:
// keyed by the negated count (so ascending keys are descending counts), the
// words of one count sorted, one reduce partition so that the first records
// written are the top ones.
struct TopK final : mapreduce::MapReduceConcurrent<TopK, std::int64_t, std::string,
                                                   mapreduce::Pairs<std::string, std::int64_t>> {
  using MapReduceConcurrent::MapReduceConcurrent;
  static constexpr bool sort_values = true;
  std::int64_t top = 10;
  std::int64_t written = 0;
  std::string fail_on;  // a word whose record makes mapper throw
  void mapper(std::string_view word, std::int64_t count, Emitter& emit) {
    if (word == fail_on) throw std::runtime_error("no room for " + fail_on);
    emit(-count, word);
  }
  void reducer(std::int64_t negated, Values words, Out& out) {
    for (std::string_view word : words) {
      if (written++ < top) out(word, -negated);
    }
  }
};

std::map<std::string, std::int64_t> expected_counts(std::size_t lines) {
  std::map<std::string, std::int64_t> counts;
  for (std::size_t i = 1; i <= lines; ++i) {
    ++counts["k" + std::to_string(i % kModulus)];
    ++counts["k" + std::to_string(i % 13)];
  }
  return counts;
}

std::string expected_top(std::size_t lines, std::size_t top) {
  const auto counts = expected_counts(lines);
  std::vector<std::pair<std::string, std::int64_t>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::string text;
  for (std::size_t i = 0; i < top && i < ranked.size(); ++i) {
    text += ranked[i].first + "\t" + std::to_string(ranked[i].second) + "\n";
  }
  return text;
}

// What running the steps throws, as an Expected (a failure if anything
// else).
template <class Expected, class... Steps>
std::string pipeline_failure(Steps&... steps) {
  return mapreduce::test::message_of<Expected>([&] { mapreduce::run_steps(steps...); }).value_or("");
}

mapreduce::Options one_partition(mapreduce::Options options) {
  options.reducers = 1;
  return options;
}

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, two_steps_pass_typed_records, data::make(kProcessCounts), processes) {
  const std::string input = write("input.txt", numbered_input(kLines, 8, kModulus));
  std::ostringstream out;
  const mapreduce::Options options = options_for(processes, out);
  CountK count(input, options);
  TopK top(input, one_partition(options));
  top.top = 25;
  mapreduce::run_steps(count, top);
  BOOST_TEST(mapreduce::test::first_difference(expected_top(kLines, 25), out.str()) == "");
  // Each step counted its own work: step 2 read one record per distinct
  // word of step 1.
  const auto distinct = static_cast<std::int64_t>(expected_counts(kLines).size());
  BOOST_TEST(count.counters().get(mapreduce::kEngineCounters, "reduce output records") == distinct);
  BOOST_TEST(top.counters().get(mapreduce::kEngineCounters, "input lines") == distinct);
  BOOST_TEST(top.counters().get(mapreduce::kEngineCounters, "reduce output records") == 25);
}

namespace {

// Step 1 of a three-step pipeline: every byte value as a one-byte key and
// as part of a value, so that the framing between steps must carry '\n',
// '\t', '\r', '\\' and NUL exactly. Value: the line number, as a string
// around the byte.
struct Bytes final : mapreduce::MapReduceConcurrent<Bytes, std::string, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const std::size_t i = mapreduce::test::line_number(line);
    const std::string byte(1, static_cast<char>(i % 256));
    emit(byte, "<" + byte + std::to_string(i) + byte + ">");
  }
  std::pair<std::string_view, std::string> reducer(std::string_view byte, Values values) {
    std::string joined;
    for (std::string_view v : values) joined += v;
    return {byte, joined};
  }
};

// Step 2, map-only: keeps the keys whose byte is odd, and passes (byte,
// joined size) on.
struct OddBytes final : mapreduce::MapReduceConcurrent<OddBytes, std::string, std::int64_t,
                                                       mapreduce::Pairs<std::string, std::string>> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view byte, std::string_view joined, Emitter& emit) {
    if (byte.size() != 1) throw std::logic_error("a key of " + std::to_string(byte.size()) + " bytes");
    if (static_cast<unsigned char>(byte[0]) % 2 == 1) emit(byte, static_cast<std::int64_t>(joined.size()));
  }
};

// Step 3: prints each byte's number and its size.
struct PrintBytes final : mapreduce::MapReduceConcurrent<PrintBytes, std::int64_t, std::int64_t,
                                                         mapreduce::Pairs<std::string, std::int64_t>> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view byte, std::int64_t size, Emitter& emit) {
    emit(static_cast<unsigned char>(byte[0]), size);
  }
  std::pair<std::int64_t, std::int64_t> reducer(std::int64_t byte, Values sizes) {
    std::int64_t total = 0;
    for (std::int64_t s : sizes) total += s;
    return {byte, total};
  }
};

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, three_steps_carry_every_byte, data::make(kProcessCounts), processes) {
  constexpr std::size_t kByteLines = 5000;
  const std::string input = write("input.txt", numbered_input(kByteLines, 4, kModulus));
  std::map<std::int64_t, std::int64_t> sizes;
  for (std::size_t i = 1; i <= kByteLines; ++i) {
    if (i % 2 == 1) sizes[static_cast<std::int64_t>(i % 256)] += 2 + 2 + std::to_string(i).size();
  }
  std::string expected;
  for (const auto& [byte, size] : sizes)
    expected += std::to_string(byte) + "\t" + std::to_string(size) + "\n";

  std::ostringstream out;
  const mapreduce::Options options = options_for(processes, out);
  Bytes bytes(input, options);
  OddBytes odd(input, options);
  PrintBytes print(input, options);
  mapreduce::run_steps(bytes, odd, print);
  BOOST_TEST(mapreduce::test::first_difference(expected, out.str()) == "");
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_failing_step_is_named_and_nothing_is_written, data::make({0u, 2u}),
                       processes) {
  const std::string input = write("input.txt", numbered_input(kLines, 8, kModulus));
  const std::string output = write("out.tsv", "old output\n");
  mapreduce::Options options = options_for(processes);
  options.output = output;
  CountK count(input, options);
  TopK top(input, one_partition(options));
  top.fail_on = "k42";
  const std::string what = pipeline_failure<mapreduce::UserCodeError>(count, top);
  BOOST_TEST(what.starts_with("step 2 of 2: mapper failed on line "), what);
  BOOST_TEST(what.find("no room for k42") != std::string::npos, what);
  BOOST_TEST(mapreduce::test::read_file(output) == "old output\n");
}

BOOST_FIXTURE_TEST_CASE(an_empty_step_output_is_an_empty_input, JobFixture<>) {
  const std::string input = write("input.txt", "no words here\n");
  std::ostringstream out;
  CountK count(input, options_for(2, out));
  TopK top(input, one_partition(options_for(2, out)));
  mapreduce::run_steps(count, top);
  BOOST_TEST(out.str() == "");
  BOOST_TEST(top.counters().get(mapreduce::kEngineCounters, "input lines") == 0);
}

// Step 1 reads paragraphs; step 2 still reads step 1's records, which are
// framed as lines.
BOOST_DATA_TEST_CASE_F(JobFixture<>, a_later_step_reads_records_whatever_the_first_steps_format,
                       data::make({0u, 2u}), processes) {
  // Paragraph p (from 1) holds p lines "x k<p> "; the ranking is by line
  // count.
  std::string text;
  for (int p = 1; p <= 30; ++p) {
    for (int l = 0; l < p; ++l) text += "x k" + std::to_string(p) + " \n";
    text += "\n";
  }
  const std::string input = write("input.txt", text);
  std::ostringstream out;
  mapreduce::Options options = options_for(processes, out);
  options.records = mapreduce::RecordFormat::paragraphs();
  CountK count(input, options);
  TopK top(input, one_partition(options));
  top.top = 3;
  mapreduce::run_steps(count, top);
  BOOST_TEST(count.counters().get(mapreduce::kEngineCounters, "input records") == 30);
  BOOST_TEST(out.str() == "k30\t30\nk29\t29\nk28\t28\n");
}

namespace {

// Step 1 with an emitting reducer that writes its count as std::size_t:
// the next step reads std::int64_t, of the same size, so only the type
// check can tell.
struct CountAsSize final : mapreduce::MapReduceConcurrent<CountAsSize, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  void reducer(std::string_view word, Values counts, Out& out) { out(word, counts.size()); }
};

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, an_emitting_reducer_that_writes_other_types_is_the_steps_error,
                       data::make({0u, 2u}), processes) {
  const std::string input = write("input.txt", numbered_input(1000, 8, kModulus));
  std::ostringstream out;
  CountAsSize count(input, options_for(processes, out));
  TopK top(input, one_partition(options_for(processes, out)));
  const std::string what = pipeline_failure<mapreduce::UserCodeError>(count, top);
  BOOST_TEST(what.starts_with("step 1 of 2: reducer failed on key"), what);
  BOOST_TEST(what.find("wrote a (std::basic_string_view<char, std::char_traits<char> >, unsigned long) "
                       "record, but the next step reads (std::basic_string_view<char, "
                       "std::char_traits<char> >, long) records") != std::string::npos,
             what);
  BOOST_TEST(out.str() == "");
}
