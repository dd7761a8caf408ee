// The job model's shapes besides "reduce by hashed key": a fixed number of
// reduce partitions (Options::reducers, --reducers), a job's own
// partitioner, values sorted before reducer sees them (sort_values,
// value_less), and map-only jobs. Expectations are computed here from the
// input with std::map and std::sort, never taken from the library; each
// case runs on the sequential engine and on several process counts, which
// must all agree.
#define BOOST_TEST_MODULE job_model
#include <algorithm>
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

constexpr unsigned kProcessCounts[] = {0, 1, 2, 3, 8};  // 0: the sequential engine
constexpr std::size_t kLines = 60'000;                  // several map tasks
constexpr std::size_t kModulus = 997;

// Line i of numbered_input holds k<i % 997> and k<i % 13>; the job counts
// them.
struct KCount final : mapreduce::MapReduceConcurrent<KCount, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};

// The same counts, with a combiner (whose grouping must not matter): per
// map task, or, with kInAnyOrder, per worker across tasks.
template <bool kInAnyOrder>
struct KCountCombinedOf final
    : mapreduce::MapReduceConcurrent<KCountCombinedOf<kInAnyOrder>, std::string, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<KCountCombinedOf<kInAnyOrder>, std::string, std::int64_t>;
  using Base::Base;
  using typename Base::Emitter;
  using typename Base::Values;
  void mapper(std::string_view line, Emitter& emit) {
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  void combiner(std::string_view, std::int64_t& total, std::int64_t count) { total += count; }
  static constexpr bool combine_in_any_order = kInAnyOrder;
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};
using KCountCombined = KCountCombinedOf<false>;
using KCountInAnyOrder = KCountCombinedOf<true>;

// k-word counts derived from the input's definition, in byte order of the
// words.
std::map<std::string, std::int64_t> expected_counts(std::size_t lines) {
  std::map<std::string, std::int64_t> counts;
  for (std::size_t i = 1; i <= lines; ++i) {
    ++counts["k" + std::to_string(i % kModulus)];
    ++counts["k" + std::to_string(i % 13)];
  }
  return counts;
}

// What running `job` throws, as an Expected (a failure if anything else).
template <class Expected, class Job>
std::string failure_of(Job&& job) {
  return mapreduce::test::message_of<Expected>([&] { job.run(); }).value_or("");
}

std::string tsv(const std::map<std::string, std::int64_t>& counts) {
  std::string text;
  for (const auto& [word, count] : counts) text += word + "\t" + std::to_string(count) + "\n";
  return text;
}

// The part files of an output directory, by name, without _SUCCESS.
std::map<std::string, std::string> part_files(const std::string& dir) {
  std::map<std::string, std::string> parts;
  for (const std::string& name : mapreduce::test::directory_entries(dir)) {
    if (name != "_SUCCESS") parts[name] = mapreduce::test::read_file(dir + "/" + name);
  }
  return parts;
}

// The keys (first fields) of the lines of a part file, in file order.
std::vector<std::string> keys_of(const std::string& text) {
  std::vector<std::string> keys;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) keys.push_back(line.substr(0, line.find('\t')));
  return keys;
}

// Partitions by the number after 'k' modulo the partitions given, so that a
// test knows where each key must land: k5 with 3 partitions is in part 2.
struct ByNumber final : mapreduce::MapReduceConcurrent<ByNumber, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  std::size_t offset = 0;  // added to the partition, to make it out of range
  void mapper(std::string_view line, Emitter& emit) {
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  std::size_t partition(std::string_view key, std::size_t partitions) {
    return std::stoul(std::string(key.substr(1))) % partitions + offset;
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, the_output_file_does_not_depend_on_the_reducers,
                       data::make(kProcessCounts) * data::make({1u, 2u, 7u, 64u}), processes, reducers) {
  const std::string input = write("input.txt", numbered_input(kLines, 8, kModulus));
  const std::string expected = tsv(expected_counts(kLines));
  for (int combined : {0, 1, 2}) {  // no combiner, one per map task, one across tasks
    std::ostringstream out;
    mapreduce::Options options = options_for(processes, out);
    options.reducers = reducers;
    std::int64_t reduce_tasks = 0;
    if (combined == 1) {
      KCountCombined job(input, options);
      job.run();
      reduce_tasks = job.counters().get(mapreduce::kEngineCounters, "distinct keys");
    } else if (combined == 2) {
      KCountInAnyOrder job(input, options);
      job.run();
      reduce_tasks = job.counters().get(mapreduce::kEngineCounters, "distinct keys");
    } else {
      KCount job(input, options);
      job.run();
      reduce_tasks = job.counters().get(mapreduce::kEngineCounters, "distinct keys");
    }
    BOOST_TEST(mapreduce::test::first_difference(expected, out.str()) == "", "combined " << combined);
    BOOST_TEST(reduce_tasks == std::int64_t(kModulus));
  }
}

// With --output-dir, --reducers N makes N part files whatever the process
// count; each is sorted, a key is in exactly one, and together they are the
// whole output.
BOOST_DATA_TEST_CASE_F(JobFixture<>, reducers_fix_the_number_of_part_files,
                       data::make(kProcessCounts) * data::make({1u, 5u, 32u}), processes, reducers) {
  const std::string input = write("input.txt", numbered_input(kLines, 8, kModulus));
  const auto expected = expected_counts(kLines);
  mapreduce::Options options = options_for(processes);
  options.output_dir = file("out");
  options.reducers = reducers;
  KCount(input, options).run();
  const auto parts = part_files(file("out"));
  BOOST_TEST(parts.size() == reducers);
  BOOST_TEST(parts.begin()->first == "part-00000");
  std::map<std::string, std::int64_t> seen;
  for (const auto& [name, text] : parts) {
    const std::vector<std::string> keys = keys_of(text);
    BOOST_TEST(std::is_sorted(keys.begin(), keys.end()), name);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      const std::string key = line.substr(0, line.find('\t'));
      BOOST_TEST(!seen.contains(key), key << " in two part files");
      seen[key] = std::stoll(line.substr(line.find('\t') + 1));
    }
  }
  BOOST_TEST((seen == expected));
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, the_same_reducers_give_the_same_part_files_for_every_engine,
                       data::make({1u, 2u, 8u}), processes) {
  const std::string input = write("input.txt", numbered_input(kLines, 8, kModulus));
  mapreduce::Options reference = options_for(0);
  reference.output_dir = file("sequential");
  reference.reducers = 6;
  KCount(input, reference).run();
  mapreduce::Options options = options_for(processes);
  options.output_dir = file("concurrent");
  options.reducers = 6;
  KCount(input, options).run();
  BOOST_TEST((part_files(file("sequential")) == part_files(file("concurrent"))));
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_partitioner_chooses_each_keys_part_file,
                       data::make(kProcessCounts) * data::make({3u, 10u}), processes, reducers) {
  const std::string input = write("input.txt", numbered_input(kLines, 8, kModulus));
  const auto expected = expected_counts(kLines);
  mapreduce::Options options = options_for(processes);
  options.output_dir = file("out");
  options.reducers = reducers;
  ByNumber(input, options).run();
  const auto parts = part_files(file("out"));
  BOOST_REQUIRE(parts.size() == reducers);
  // Part p holds exactly the keys whose number is p modulo the partitions,
  // sorted by key.
  std::size_t p = 0;
  for (const auto& [name, text] : parts) {
    std::map<std::string, std::int64_t> wanted;
    for (const auto& [key, count] : expected) {
      if (std::stoul(key.substr(1)) % reducers == p) wanted[key] = count;
    }
    BOOST_TEST(text == tsv(wanted), name);
    ++p;
  }
  // And -o is still the whole output, sorted by key.
  std::ostringstream out;
  mapreduce::Options merged = options_for(processes, out);
  merged.reducers = reducers;
  ByNumber(input, merged).run();
  BOOST_TEST(mapreduce::test::first_difference(tsv(expected), out.str()) == "");
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_partition_out_of_range_is_the_jobs_error, data::make({0u, 2u}),
                       processes) {
  const std::string input = write("input.txt", numbered_input(1000, 8, kModulus));
  std::ostringstream out;
  mapreduce::Options options = options_for(processes, out);
  options.reducers = 4;
  ByNumber job(input, options);
  job.offset = 4;
  const std::string what = failure_of<mapreduce::UserCodeError>(job);
  BOOST_TEST(what.find("partition() returned") != std::string::npos, what);
  BOOST_TEST(what.find("for 4 partitions") != std::string::npos, what);
  BOOST_TEST(out.str() == "");
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, reducers_out_of_range_are_usage_errors,
                       data::make({mapreduce::Options::kMaxReducers + 1, 100'000u}), reducers) {
  const std::string input = write("input.txt", "k1\n");
  mapreduce::Options options = options_for(2);
  options.reducers = reducers;
  const std::string what = failure_of<mapreduce::UsageError>(KCount(input, options));
  BOOST_TEST(what.starts_with("reducers must be between 1 and 4096"), what);
}

namespace {

// Line i of numbered_input: emits (k<i % 13>, the value i * 7919 % 1000 -
// 500), so that a key's values are out of order and have repeats.
std::int64_t scrambled(std::size_t i) { return static_cast<std::int64_t>(i * 7919 % 1000) - 500; }

// reducer prints a key's values, space-separated, in the order it gets them.
template <class Derived>
struct ValueLister : mapreduce::MapReduceConcurrent<Derived, std::string, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<Derived, std::string, std::int64_t>;
  using Base::Base;
  void mapper(std::string_view line, typename Base::Emitter& emit) {
    emit("k" + std::to_string(mapreduce::test::line_number(line) % 13),
         scrambled(mapreduce::test::line_number(line)));
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, typename Base::Values values) {
    std::string text;
    for (std::int64_t v : values) text += (text.empty() ? "" : " ") + std::to_string(v);
    return {key, text};
  }
};

struct Unsorted final : ValueLister<Unsorted> {
  using ValueLister::ValueLister;
};

// Numeric order of the values (their codec's order).
struct Ascending final : ValueLister<Ascending> {
  using ValueLister::ValueLister;
  static constexpr bool sort_values = true;
};

// The job's own order: by absolute value, larger first; equal ones keep
// their input order (-3 before 3 if -3 came first).
struct ByMagnitude final : ValueLister<ByMagnitude> {
  using ValueLister::ValueLister;
  bool value_less(std::int64_t a, std::int64_t b) { return std::abs(a) > std::abs(b); }
};

// Each key's values in input order, from the input's definition.
std::map<std::string, std::vector<std::int64_t>> values_in_input_order(std::size_t lines) {
  std::map<std::string, std::vector<std::int64_t>> values;
  for (std::size_t i = 1; i <= lines; ++i) values["k" + std::to_string(i % 13)].push_back(scrambled(i));
  return values;
}

std::string listed(const std::map<std::string, std::vector<std::int64_t>>& values) {
  std::string text;
  for (const auto& [key, list] : values) {
    text += key + "\t";
    for (std::size_t j = 0; j < list.size(); ++j) text += (j == 0 ? "" : " ") + std::to_string(list[j]);
    text += "\n";
  }
  return text;
}

template <class Job>
std::string run_listing(const std::string& input, unsigned processes) {
  std::ostringstream out;
  Job(input, options_for(processes, out)).run();
  return out.str();
}

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, values_come_sorted_when_the_job_asks, data::make(kProcessCounts),
                       processes) {
  const std::string input = write("input.txt", numbered_input(20'000, 40, kModulus));
  auto values = values_in_input_order(20'000);
  // Unsorted: input order, as before (the reference the sorted ones differ from).
  BOOST_TEST(mapreduce::test::first_difference(listed(values), run_listing<Unsorted>(input, processes)) ==
             "");

  auto ascending = values;
  for (auto& [key, list] : ascending) std::sort(list.begin(), list.end());
  BOOST_TEST(mapreduce::test::first_difference(listed(ascending), run_listing<Ascending>(input, processes)) ==
             "");

  auto by_magnitude = values;
  for (auto& [key, list] : by_magnitude) {
    std::stable_sort(list.begin(), list.end(),
                     [](std::int64_t a, std::int64_t b) { return std::abs(a) > std::abs(b); });
  }
  BOOST_TEST(mapreduce::test::first_difference(listed(by_magnitude),
                                               run_listing<ByMagnitude>(input, processes)) == "");
}

namespace {

// grep -F for "k7 " as a map-only job: no reducer; emits (line number, line)
// for the lines that contain it, with the file and line from input_context.
struct Grep final : mapreduce::MapReduceConcurrent<Grep, std::string, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    if (line.find("k7 ") == std::string_view::npos) return;
    const mapreduce::InputContext& at = input_context();
    emit(std::string(at.path()) + ":" + std::to_string(at.line()), line);
  }
};

// The lines of `text` (numbered from 1) that contain "k7 ", as Grep writes
// them for a file at `path`.
std::string expected_grep(const std::string& path, std::string_view text) {
  std::string lines;
  std::size_t number = 0;
  for (std::string_view line : mapreduce::test::model_lines(text)) {
    ++number;
    if (line.find("k7 ") != std::string_view::npos) {
      lines += path + ":" + std::to_string(number) + "\t" + std::string(line) + "\n";
    }
  }
  return lines;
}

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_map_only_job_writes_what_mapper_emits_in_input_order,
                       data::make(kProcessCounts), processes) {
  const std::string first_text = numbered_input(kLines, 8, kModulus);
  const std::string second_text = numbered_input(500, 3, 11);
  const std::string first = write("b.txt", first_text);
  const std::string second = write("a.txt", second_text);
  std::ostringstream out;
  Grep job(std::vector<std::string>{first, second}, options_for(processes, out));
  job.run();
  const std::string expected = expected_grep(first, first_text) + expected_grep(second, second_text);
  BOOST_TEST(mapreduce::test::first_difference(expected, out.str()) == "");
  std::int64_t lines = 0;
  for (char c : expected) lines += c == '\n';
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "map output records") == lines);
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "reduce output records") == 0);
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "map tasks") >= 3);
}

BOOST_DATA_TEST_CASE_F(JobFixture<>, a_map_only_job_writes_a_part_file_per_map_task,
                       data::make(kProcessCounts), processes) {
  const std::string text = numbered_input(kLines, 8, kModulus);
  const std::string input = write("input.txt", text);
  mapreduce::Options options = options_for(processes);
  options.output_dir = file("out");
  Grep job(input, options);
  job.run();
  const auto parts = part_files(file("out"));
  BOOST_TEST(std::int64_t(parts.size()) == job.counters().get(mapreduce::kEngineCounters, "map tasks"));
  std::string joined;
  for (const auto& [name, part] : parts) joined += part;
  BOOST_TEST(mapreduce::test::first_difference(expected_grep(input, text), joined) == "");
}

BOOST_FIXTURE_TEST_CASE(a_map_only_job_has_no_reducers_to_fix, JobFixture<>) {
  const std::string input = write("input.txt", "1 k7 \n");
  std::ostringstream out;
  mapreduce::Options options = options_for(2, out);
  options.reducers = 3;
  const std::string what = failure_of<mapreduce::UsageError>(Grep(input, options));
  BOOST_TEST(what.find("map-only") != std::string::npos, what);
  BOOST_TEST(out.str() == "");
}

namespace {

// A reducer that takes Values by reference, as a newcomer may write it.
struct ByReference final : mapreduce::MapReduce<ByReference, std::string, std::int64_t> {
  using MapReduce::MapReduce;
  void mapper(std::string_view line, Emitter& emit) {
    mapreduce::test::for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values& counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_reducer_may_take_values_by_reference, JobFixture<>) {
  const std::string input = write("input.txt", numbered_input(2000, 8, kModulus));
  std::ostringstream out;
  ByReference(input, options_for(0, out)).run();
  BOOST_TEST(mapreduce::test::first_difference(tsv(expected_counts(2000)), out.str()) == "");
}
