// The job model beyond one pair per key: reducers that write 0..n records
// (void reducer(KeyView, Values, Out&)), with output types of their own, and
// the per-task hooks mapper_setup, mapper_cleanup (which may emit),
// reducer_setup and reducer_cleanup. Expectations are computed here from the
// input with std::map, never taken from the library; every case runs on the
// sequential engine and on 1, 2 and 4 processes, and all must agree.
#define BOOST_TEST_MODULE reducer_forms
#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
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
constexpr std::size_t kLines = 60'000;               // several map tasks
constexpr std::size_t kModulus = 997;

// Line i of numbered_input holds the words k<i % 997> and k<i % 13>. The
// mapper emits (word, i); the reducer writes, for a word, one record per
// value divisible by 7 — (i, word) with an integer key and a string value,
// so the output types differ from the intermediate ones — and none for a
// word none of whose values is.
struct Multiples final : mapreduce::MapReduceConcurrent<Multiples, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const auto i = static_cast<std::int64_t>(mapreduce::test::line_number(line));
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, i); });
  }
  void reducer(std::string_view word, Values values, Out& out) {
    for (std::int64_t i : values) {
      if (i % 7 == 0) out(i, std::string(word));
    }
  }
};

// The same output, derived from the input's definition: per word in byte
// order, its line numbers in input order.
std::string expected_multiples() {
  std::map<std::string, std::vector<std::size_t>> lines_of;
  for (std::size_t i = 1; i <= kLines; ++i) {
    lines_of["k" + std::to_string(i % kModulus)].push_back(i);
    lines_of["k" + std::to_string(i % 13)].push_back(i);
  }
  std::string text;
  for (const auto& [word, lines] : lines_of) {
    for (std::size_t i : lines) {
      if (i % 7 == 0) text += std::to_string(i) + "\t" + word + "\n";
    }
  }
  return text;
}

// Counts its hooks, and emits one ("tasks", 1) per map task from
// mapper_cleanup: an in-mapper summary.
struct Hooked final : mapreduce::MapReduceConcurrent<Hooked, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  bool in_map_task = false;
  bool in_reduce_task = false;
  std::string fail_in;

  std::string events;  // in this process: 'm' mapper_setup, 'c' mapper_cleanup, 'r'/'e' reducer_setup/cleanup

  void mapper_setup() {
    events += 'm';
    if (fail_in == "mapper_setup") throw std::runtime_error("no dictionary");
    ++counter("hooks", "mapper_setup");
    in_map_task = true;
  }
  void mapper(std::string_view line, Emitter& emit) {
    if (!in_map_task) throw std::logic_error("mapper outside mapper_setup/mapper_cleanup");
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  void mapper_cleanup(Emitter& emit) {
    events += 'c';
    if (fail_in == "mapper_cleanup") throw std::runtime_error("cannot flush");
    ++counter("hooks", "mapper_cleanup");
    in_map_task = false;
    emit("tasks", 1);
  }
  void reducer_setup() {
    events += 'r';
    if (fail_in == "reducer_setup") throw std::runtime_error("no connection");
    ++counter("hooks", "reducer_setup");
    in_reduce_task = true;
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    if (!in_reduce_task) throw std::logic_error("reducer outside reducer_setup/reducer_cleanup");
    std::int64_t total = 0;
    for (std::int64_t v : values) total += v;
    return {key, total};
  }
  void reducer_cleanup() {
    events += 'e';
    if (fail_in == "reducer_cleanup") throw std::runtime_error("cannot close");
    ++counter("hooks", "reducer_cleanup");
    in_reduce_task = false;
  }
};

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, an_emitting_reducer_writes_zero_or_more_records,
                       data::make(kProcessCounts), processes) {
  const std::string input = write("input.txt", numbered_input(kLines, 8, kModulus));
  const std::string expected = expected_multiples();
  std::ostringstream out;
  Multiples job(input, options_for(processes, out));
  job.run();
  BOOST_TEST(mapreduce::test::first_difference(expected, out.str()) == "");
  // Counters count what was written: records, and the keys reduced, also
  // those that wrote nothing (k0 ... k996 and k0 ... k12 are one set).
  std::int64_t lines_written = 0;
  for (char c : expected) lines_written += c == '\n';
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "reduce output records") == lines_written);
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "distinct keys") == std::int64_t(kModulus));
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, an_emitting_reducer_writes_json_lines, data::make({0u, 2u}), processes) {
  const std::string input = write("input.txt", "1 k1 k1\n7 k7 k7\n14 k7 k1\n");
  std::ostringstream out;
  mapreduce::Options options = options_for(processes, out);
  options.format = mapreduce::OutputFormat::jsonl;
  Multiples(input, options).run();
  // k1: 14; k7: 7, 7 (twice on its line), 14 — in input order per key.
  BOOST_TEST(out.str() ==
             "{\"key\": 14, \"value\": \"k1\"}\n"
             "{\"key\": 7, \"value\": \"k7\"}\n"
             "{\"key\": 7, \"value\": \"k7\"}\n"
             "{\"key\": 14, \"value\": \"k7\"}\n");
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, per_task_hooks_run_once_per_task, data::make(kProcessCounts),
                       processes) {
  const std::string input = write("input.txt", numbered_input(kLines, 40, kModulus));
  std::ostringstream out;
  Hooked job(input, options_for(processes, out));
  job.run();
  const mapreduce::Counters& counters = job.counters();
  const std::int64_t map_tasks = counters.get(mapreduce::kEngineCounters, "map tasks");
  const std::int64_t partitions = processes == 0 ? 1 : 4 * std::int64_t(processes);
  BOOST_TEST(map_tasks >= 3);
  BOOST_TEST(counters.get("hooks", "mapper_setup") == map_tasks);
  BOOST_TEST(counters.get("hooks", "mapper_cleanup") == map_tasks);
  BOOST_TEST(counters.get("hooks", "reducer_setup") == partitions);
  BOOST_TEST(counters.get("hooks", "reducer_cleanup") == partitions);
  // What mapper_cleanup emitted reached the reducer: one per map task.
  BOOST_TEST(out.str().find("\ntasks\t" + std::to_string(map_tasks) + "\n") != std::string::npos, out.str());
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_failing_hook_is_named,
                       data::make({"mapper_setup", "mapper_cleanup", "reducer_setup", "reducer_cleanup"}) *
                           data::make({0u, 2u}),
                       hook, processes) {
  const std::string input = write("input.txt", numbered_input(1000, 8, kModulus));
  std::ostringstream out;
  Hooked job(input, options_for(processes, out));
  job.fail_in = hook;
  std::string what = "no UserCodeError";
  try {
    job.run();
  } catch (const mapreduce::UserCodeError& e) {
    what = e.what();
  }
  BOOST_TEST(what.starts_with(std::string(hook) + "() failed: "), what);
  BOOST_TEST(out.str() == "");
}

// In the sequential engine, which runs everything in this process, the hooks
// come in the documented order: each map task's setup and cleanup, then the
// one reduce task's, even though its combiner runs between the map tasks.
BOOST_FIXTURE_TEST_CASE(the_sequential_engine_calls_the_hooks_in_order, JobFixture<>) {
  const std::string input = write("input.txt", numbered_input(kLines, 40, kModulus));
  std::ostringstream out;
  Hooked job(input, options_for(0, out));
  job.run();
  const auto map_tasks =
      static_cast<std::size_t>(job.counters().get(mapreduce::kEngineCounters, "map tasks"));
  std::string expected;
  for (std::size_t t = 0; t < map_tasks; ++t) expected += "mc";
  expected += "re";
  BOOST_TEST(job.events == expected);
}
