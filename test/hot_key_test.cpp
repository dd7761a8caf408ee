// Hot keys past the memory limit: a key whose values do not fit in a
// worker's share reaches reducer once, its Values streamed from disk, and
// the output is the in-memory run's. Expectations are computed here from
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

// Uses operator[], which a streamed Values refuses.
struct Indexing final : mapreduce::MapReduceConcurrent<Indexing, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    emit("hot", static_cast<std::int64_t>(mapreduce::test::line_number(line)));
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    return {key, values[values.size() - 1]};
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

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_streamed_key_refuses_random_access, data::make(kProcessCounts),
                       processes) {
  const std::string input = write("input.txt", input_text());
  std::ostringstream out;
  const auto message = mapreduce::test::message_of<mapreduce::UserCodeError>(
      [&] { Indexing(input, spilling(processes, out)).run(); });
  BOOST_REQUIRE(message);
  BOOST_TEST(message->find("reducer failed on key \"hot\"") != std::string::npos, *message);
  BOOST_TEST(message->find("iterate over them instead") != std::string::npos, *message);
  BOOST_TEST(out.str() == "");

  // In memory, the same job works.
  std::ostringstream in_memory;
  Indexing(input, options_for(processes, in_memory)).run();
  BOOST_TEST(in_memory.str() == "hot\t" + std::to_string(kLines) + "\n");
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
