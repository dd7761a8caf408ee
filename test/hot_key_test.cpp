// Hot keys past the memory limit: a key whose values do not fit in a
// worker's share reaches reducer once, its Values streamed from disk when
// they are numbers the job does not sort, and the output is the in-memory
// run's. Expectations are computed here from
// the input's definition, never taken from the library; every case runs on
// the sequential engine (with 3 partitions, so that it spills) and on 1 and
// 3 processes, under a limit of a few KiB.
#define BOOST_TEST_MODULE hot_key
#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::JobFixture;
using mapreduce::test::options_for;

constexpr unsigned kProcessCounts[] = {0, 1, 3};  // 0: the sequential engine
constexpr std::size_t kLines = 40'000;

// Line i is "i": every line emits ("hot", i), every 100th also ("cold", i).
std::string input_text() {
  std::string text;
  for (std::size_t i = 1; i <= kLines; ++i) text += std::to_string(i) + "\n";
  return text;
}

mapreduce::Options spilling(unsigned processes, std::ostream& out) {
  mapreduce::Options options = options_for(processes, out);
  options.memory_limit = 4096;
  if (processes == 0) options.reducers = 3;
  return options;
}

// Reads its values twice, as a two-pass mean and variance does, and checks
// that the count and the order are the input's: each value one more than
// the last seen for "hot".
struct TwoPasses final : mapreduce::MapReduceConcurrent<TwoPasses, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const auto i = static_cast<std::int64_t>(mapreduce::test::line_number(line));
    emit("hot", i);
    if (i % 100 == 0) emit("cold", i);
  }
  std::pair<std::string, std::string> reducer(std::string_view key, Values values) {
    double sum = 0;
    std::size_t counted = 0;
    std::int64_t previous = 0;
    bool ordered = true;
    for (std::int64_t v : values) {
      sum += static_cast<double>(v);
      ++counted;
      ordered = ordered && v > previous;
      previous = v;
    }
    const double mean = sum / static_cast<double>(values.size());
    double squares = 0;
    for (std::int64_t v : values)
      squares += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
    return {std::string(key), std::to_string(counted) + " " + std::to_string(values.size()) + " " +
                                  (ordered ? "ordered " : "unordered ") + std::to_string(std::llround(mean)) +
                                  " " + std::to_string(std::llround(squares))};
  }
};

std::string expected_two_passes() {
  std::map<std::string, std::vector<double>> values;
  for (std::size_t i = 1; i <= kLines; ++i) {
    values["hot"].push_back(static_cast<double>(i));
    if (i % 100 == 0) values["cold"].push_back(static_cast<double>(i));
  }
  std::string text;
  for (const auto& [key, list] : values) {
    double sum = 0;
    for (double v : list) sum += v;
    const double mean = sum / static_cast<double>(list.size());
    double squares = 0;
    for (double v : list) squares += (v - mean) * (v - mean);
    text += key + "\t" + std::to_string(list.size()) + " " + std::to_string(list.size()) + " ordered " +
            std::to_string(std::llround(mean)) + " " + std::to_string(std::llround(squares)) + "\n";
  }
  return text;
}

// Copies its values into a vector (which counts them first, then reads
// them: two passes over the same iterators), then reads some by index,
// forwards and backwards.
struct Copying final : mapreduce::MapReduceConcurrent<Copying, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    emit("hot", static_cast<std::int64_t>(mapreduce::test::line_number(line)));
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, Values values) {
    const std::vector<std::int64_t> copy(values.begin(), values.end());
    bool in_order = copy.size() == values.size();
    for (std::size_t i = 0; in_order && i < copy.size(); ++i)
      in_order = copy[i] == static_cast<std::int64_t>(i + 1);
    const std::int64_t last = values[values.size() - 1];
    const std::int64_t first = values[0];
    const std::int64_t middle = values[values.size() / 2];
    return {key, std::string(in_order ? "in order " : "out of order ") + std::to_string(first) + " " +
                     std::to_string(middle) + " " + std::to_string(last)};
  }
};

// String values decode to views into the engine's memory, which must stay
// valid for the whole reducer call: kept, so they are held, never streamed.
struct KeepsViews final : mapreduce::MapReduceConcurrent<KeepsViews, std::string, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit("hot", line); }
  std::pair<std::string_view, std::string> reducer(std::string_view key, Values values) {
    std::vector<std::string_view> kept(values.begin(), values.end());
    return {key, std::string(kept.front()) + " " + std::string(kept.back())};
  }
};

// Sorts its values (descending): they are held, never streamed, whatever
// the limit.
struct Descending final : mapreduce::MapReduceConcurrent<Descending, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  bool value_less(std::int64_t a, std::int64_t b) const { return a > b; }
  void mapper(std::string_view line, Emitter& emit) {
    emit("hot", static_cast<std::int64_t>(mapreduce::test::line_number(line)));
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    return {key, *values.begin() - values[values.size() - 1]};
  }
};

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_hot_key_streams_its_values_in_input_order, data::make(kProcessCounts),
                       processes) {
  const std::string input = write("input.txt", input_text());
  std::ostringstream out;
  TwoPasses job(input, spilling(processes, out));
  job.run();
  BOOST_TEST(mapreduce::test::first_difference(expected_two_passes(), out.str()) == "");
  // The case must really stream: otherwise it would pass without the code
  // it tests.
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "streamed keys") >= 1);
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);

  std::ostringstream in_memory;
  TwoPasses(input, options_for(processes, in_memory)).run();
  BOOST_TEST(mapreduce::test::first_difference(in_memory.str(), out.str()) == "");
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_streamed_key_reads_twice_and_by_index, data::make(kProcessCounts),
                       processes) {
  const std::string input = write("input.txt", input_text());
  std::ostringstream out;
  Copying job(input, spilling(processes, out));
  job.run();
  BOOST_TEST(out.str() ==
             "hot\tin order 1 " + std::to_string(kLines / 2 + 1) + " " + std::to_string(kLines) + "\n");
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "streamed keys") == 1);
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, string_values_are_held_not_streamed, data::make(kProcessCounts),
                       processes) {
  const std::string input = write("input.txt", input_text());
  std::ostringstream out;
  KeepsViews job(input, spilling(processes, out));
  job.run();
  BOOST_TEST(out.str() == "hot\t1 " + std::to_string(kLines) + "\n");
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "streamed keys") == 0);
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_job_that_sorts_its_values_holds_a_hot_key, data::make(kProcessCounts),
                       processes) {
  const std::string input = write("input.txt", input_text());
  std::ostringstream out;
  Descending job(input, spilling(processes, out));
  job.run();
  BOOST_TEST(out.str() == "hot\t" + std::to_string(kLines - 1) + "\n");
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "streamed keys") == 0);
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);
}
