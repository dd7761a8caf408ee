// The concurrent engine's output is the sequential engine's, byte for byte, at
// every process count: random inputs (empty to a few megabytes, CR/LF mixes,
// NUL and high bytes, a line longer than a map task, fewer lines than
// processes, no final newline) run through jobs whose output exposes the
// grouping, the key order, the order in which values reach reducer and the
// order of a floating-point sum. The sequential engine is itself checked
// against a plain model of the job (std::map, lines split by hand) wherever
// the model can say what the output must be. Every run leaves no child
// process, no /dev/shm entry and no open descriptor behind.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE concurrent_equivalence
#include <malloc.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "random_text.hpp"
#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::first_difference;
using mapreduce::test::model_lines;
using mapreduce::test::TempDir;
// The model's view of the input (model_lines).
using Lines = std::vector<std::string_view>;

std::string shortest(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

using mapreduce::test::fnv1a;
using mapreduce::test::for_each_word;
using mapreduce::test::random_bytes;
using mapreduce::test::random_line;
using mapreduce::test::random_text;
using mapreduce::test::Style;
using mapreduce::test::value_of;

// String keys, integer values: grouping and byte order of string keys. With
// kInAnyOrder, a combiner that may combine across map tasks: each worker
// folds all its tasks into one table, so the partial values depend on the
// process count, but integer sums do not.
template <bool kInAnyOrder>
struct WordCountOf final
    : mapreduce::MapReduceConcurrent<WordCountOf<kInAnyOrder>, std::string, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<WordCountOf<kInAnyOrder>, std::string, std::int64_t>;
  using Base::Base;
  using typename Base::Emitter;
  using typename Base::Values;
  void mapper(std::string_view line, Emitter& emit) {
    for_each_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  void combiner(std::string_view, std::int64_t& total, std::int64_t count) requires kInAnyOrder {
    total += count;
  }
  static constexpr bool combine_in_any_order = kInAnyOrder;
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
  static std::string model(const Lines& lines) {
    std::map<std::string, std::int64_t> counts;
    for (std::string_view line : lines) {
      for_each_word(line, [&](std::string_view word) { ++counts[std::string(word)]; });
    }
    std::string out;
    for (const auto& [word, count] : counts) out += word + "\t" + std::to_string(count) + "\n";
    return out;
  }
};
using WordCount = WordCountOf<false>;
using WordCountInAnyOrder = WordCountOf<true>;

// int64 keys, negative and large: numeric order of integer keys; with
// kInAnyOrder, combined across map tasks as WordCountOf's.
template <bool kInAnyOrder>
struct LineLengthsOf final
    : mapreduce::MapReduceConcurrent<LineLengthsOf<kInAnyOrder>, std::int64_t, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<LineLengthsOf<kInAnyOrder>, std::int64_t, std::int64_t>;
  using Base::Base;
  using typename Base::Emitter;
  using typename Base::Values;
  static std::int64_t key_of(std::string_view line) {
    return (static_cast<std::int64_t>(line.size()) - 30) * 1000003;
  }
  void mapper(std::string_view line, Emitter& emit) { emit(key_of(line), 1); }
  void combiner(std::int64_t, std::int64_t& total, std::int64_t count) requires kInAnyOrder {
    total += count;
  }
  static constexpr bool combine_in_any_order = kInAnyOrder;
  std::pair<std::int64_t, std::int64_t> reducer(std::int64_t key, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {key, total};
  }
  static std::string model(const Lines& lines) {
    std::map<std::int64_t, std::int64_t> counts;
    for (std::string_view line : lines) ++counts[key_of(line)];
    std::string out;
    for (const auto& [key, count] : counts) out += std::to_string(key) + "\t" + std::to_string(count) + "\n";
    return out;
  }
};
using LineLengths = LineLengthsOf<false>;
using LineLengthsInAnyOrder = LineLengthsOf<true>;

// double values averaged in the order received: the same order everywhere, or
// the last digits differ. The key is the line's first byte (empty for an
// empty line), so a key gets values from all over the input.
struct MeanValue final : mapreduce::MapReduceConcurrent<MeanValue, std::string, double> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line.substr(0, 1), value_of(line)); }
  std::pair<std::string_view, double> reducer(std::string_view key, Values values) {
    double sum = 0;
    for (double v : values) sum += v;
    return {key, sum / static_cast<double>(values.size())};
  }
  static std::string model(const Lines& lines) {
    std::map<std::string, std::pair<double, std::int64_t>> sums;
    for (std::string_view line : lines) {
      auto& [sum, count] = sums[std::string(line.substr(0, 1))];
      sum += value_of(line);
      ++count;
    }
    std::string out;
    for (const auto& [key, sum_count] : sums) {
      out += key + "\t" + shortest(sum_count.first / static_cast<double>(sum_count.second)) + "\n";
    }
    return out;
  }
};

// Values concatenated in the order reducer receives them: that order must be
// input order, in both engines.
struct ValueOrder final : mapreduce::MapReduceConcurrent<ValueOrder, std::int64_t, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  static std::int64_t key_of(std::string_view line) { return static_cast<std::int64_t>(fnv1a(line) % 7); }
  static std::string value_of(std::string_view line) {
    return std::string(line.substr(0, 6)) + ":" + std::to_string(line.size());
  }
  void mapper(std::string_view line, Emitter& emit) { emit(key_of(line), value_of(line)); }
  std::pair<std::int64_t, std::string> reducer(std::int64_t key, Values values) {
    std::string joined;
    for (std::string_view v : values) {
      joined += v;
      joined += '|';
    }
    return {key, std::move(joined)};
  }
  static std::string model(const Lines& lines) {
    std::map<std::int64_t, std::string> joined;
    for (std::string_view line : lines) joined[key_of(line)] += value_of(line) + "|";
    std::string out;
    for (const auto& [key, values] : joined) out += std::to_string(key) + "\t" + values + "\n";
    return out;
  }
};

// A map-side combiner folding doubles: the engines run the same map tasks, so
// they fold the same values in the same groups. No model: which values a task
// folds together depends on where the engine cuts the input.
struct CombinedSum final : mapreduce::MapReduceConcurrent<CombinedSum, std::string, double> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line.substr(0, 1), value_of(line)); }
  void combiner(std::string_view, double& combined, double value) { combined += value; }
  std::pair<std::string_view, double> reducer(std::string_view key, Values values) {
    double sum = 0;
    for (double v : values) sum += v;
    return {key, sum};
  }
};

struct InputCase {
  std::string name;
  std::function<std::string()> make;
};

std::ostream& operator<<(std::ostream& out, const InputCase& input) { return out << input.name; }

InputCase fixed(std::string name, std::string text) {
  return {std::move(name), [text = std::move(text)] { return text; }};
}

std::vector<InputCase> small_cases() {
  std::vector<InputCase> cases = {
      fixed("empty", ""),
      fixed("one newline", "\n"),
      fixed("one CRLF", "\r\n"),
      fixed("one CR", "\r"),
      fixed("one NUL", std::string(1, '\0')),
      fixed("one line without newline", "hello world"),
      fixed("one line", "hello world\n"),
      fixed("two lines", "hello world\nworld hello\n"),
      fixed("two lines without final newline", "b a\r\na b"),
      fixed("empty lines", "\n\n\r\n\n"),
      fixed("high bytes", "\xff\x80 \xe9t\xe9\n\x00\x01\n"),
  };
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    cases.push_back({"random text, seed " + std::to_string(seed), [seed] {
                       std::mt19937_64 rng(seed);
                       Style style;
                       // Mostly small; every fourth up to 64 KiB.
                       style.bytes =
                           std::uniform_int_distribution<std::size_t>(0, seed % 4 == 0 ? 65536 : 600)(rng);
                       style.crlf = (seed % 3 == 0) ? 1.0 : (seed % 3 == 1 ? 0.0 : 0.5);
                       style.lone_cr = (seed % 5 == 0) ? 0.3 : 0;
                       style.odd_bytes = (seed % 2 == 0) ? 0.1 : 0;
                       style.empty_lines = (seed % 7 == 0) ? 0.3 : 0.02;
                       style.final_newline = seed % 4 != 1;
                       return random_text(rng, style);
                     }});
  }
  for (std::uint64_t seed = 101; seed <= 103; ++seed) {
    cases.push_back({"random bytes, seed " + std::to_string(seed), [seed] {
                       std::mt19937_64 rng(seed);
                       return random_bytes(rng, std::uniform_int_distribution<std::size_t>(0, 20000)(rng));
                     }});
  }
  return cases;
}

// Large enough for several map tasks (a task is at least 1 MiB).
std::vector<InputCase> large_cases() {
  return {
      {"4 MB of text, CR/LF mix",
       [] {
         std::mt19937_64 rng(7001);
         Style style;
         style.bytes = 4'000'000;
         style.crlf = 0.5;
         style.odd_bytes = 0.01;
         style.empty_lines = 0.05;
         return random_text(rng, style);
       }},
      {"a 1 MB line among short lines",
       [] {
         std::mt19937_64 rng(7002);
         Style short_lines;
         short_lines.bytes = 700'000;
         Style one_line;
         one_line.bytes = 1'000'000;
         one_line.max_words = 1'000'000;
         std::string text = random_text(rng, short_lines);
         std::string line;
         while (line.size() < one_line.bytes) line += random_line(rng, one_line) + " ";
         text += line + "\n";
         text += random_text(rng, short_lines);
         return text;
       }},
      {"a 1.9 MB last line without newline",
       [] {
         std::mt19937_64 rng(7003);
         Style short_lines;
         short_lines.bytes = 200'000;
         short_lines.crlf = 1.0;
         std::string text = random_text(rng, short_lines);
         std::string line;
         while (line.size() < 1'900'000) line += random_line(rng, short_lines) + " ";
         return text + line;
       }},
      {"1.5 MB of random bytes",
       [] {
         std::mt19937_64 rng(7004);
         return random_bytes(rng, 1'500'000);
       }},
  };
}

template <class Job>
std::string run_job(const std::string& path, unsigned processes, bool sequential) {
  std::ostringstream out;
  Job job(path, mapreduce::Options{
                    .output = {}, .output_stream = &out, .processes = processes, .sequential = sequential});
  job.run();
  return out.str();
}

template <class Job>
void check_job(const char* job_name, const std::string& path, const Lines& lines,
               const std::vector<unsigned>& process_counts) {
  BOOST_TEST_CONTEXT("job " << job_name) {
    const std::string sequential = run_job<Job>(path, 0, true);
    if constexpr (requires { Job::model(lines); }) {
      BOOST_TEST(first_difference(Job::model(lines), sequential) == "",
                 "sequential engine against the model");
    }
    for (unsigned processes : process_counts) {
      BOOST_TEST_CONTEXT("processes " << processes) {
        BOOST_TEST(first_difference(sequential, run_job<Job>(path, processes, false)) == "");
      }
    }
  }
}

void check_all_jobs(const TempDir& dir, const InputCase& input, const std::vector<unsigned>& process_counts) {
  const std::string text = input.make();
  const std::string path = dir.write("input.txt", text);
  const Lines lines = model_lines(text);
  check_job<WordCount>("WordCount", path, lines, process_counts);
  check_job<LineLengths>("LineLengths", path, lines, process_counts);
  check_job<MeanValue>("MeanValue", path, lines, process_counts);
  check_job<ValueOrder>("ValueOrder", path, lines, process_counts);
  check_job<CombinedSum>("CombinedSum", path, lines, process_counts);
  check_job<WordCountInAnyOrder>("WordCountInAnyOrder", path, lines, process_counts);
  check_job<LineLengthsInAnyOrder>("LineLengthsInAnyOrder", path, lines, process_counts);
}

}  // namespace

// Every run forks up to 16 workers, and each page this process writes after a
// fork is copied once. glibc raises its mmap threshold when a large block is
// freed, and the megabyte inputs would leave a large heap behind that makes
// every later run slower; keep large blocks in their own mappings.
struct SmallHeap {
  SmallHeap() { ::mallopt(M_MMAP_THRESHOLD, 256 * 1024); }
};
BOOST_TEST_GLOBAL_FIXTURE(SmallHeap);

using Fixture = mapreduce::test::JobFixture<>;

BOOST_AUTO_TEST_SUITE(concurrent_equivalence)

// A combiner's partial values are per map task in both engines. Three map
// tasks (the input is over 2 MiB): the first holds one 1e16, the last two 1s.
// Folded per task, the last task passes on 2, and 1e16 + 2 is exact; folded
// into a running total instead, each 1 is lost to rounding (1e16 + 1 == 1e16).
struct SumWithCombiner final : mapreduce::MapReduceConcurrent<SumWithCombiner, std::string, double> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    if (line == "big") emit("k", 1e16);
    if (line == "one") emit("k", 1.0);
  }
  void combiner(std::string_view, double& combined, double value) { combined += value; }
  std::pair<std::string_view, double> reducer(std::string_view key, Values values) {
    double sum = 0;
    for (double v : values) sum += v;
    return {key, sum};
  }
};

BOOST_FIXTURE_TEST_CASE(combiner_folds_each_map_task_separately, Fixture) {
  std::string text = "big\n";
  while (text.size() < 2'200'000) text += "padding line\n";
  text += "one\none\n";
  const std::string path = write("input.txt", text);
  const std::string concurrent = run_job<SumWithCombiner>(path, 3, false);
  BOOST_TEST(concurrent == "k\t" + shortest(1e16 + 2.0) + "\n");
  BOOST_TEST(run_job<SumWithCombiner>(path, 1, false) == concurrent);
  BOOST_TEST(run_job<SumWithCombiner>(path, 0, true) == concurrent);
}

BOOST_DATA_TEST_CASE_F(Fixture, small_inputs_at_every_process_count, data::make(small_cases()), input) {
  std::vector<unsigned> all;
  for (unsigned p = 1; p <= 16; ++p) all.push_back(p);
  check_all_jobs(*this, input, all);
}

BOOST_DATA_TEST_CASE_F(Fixture, large_inputs, data::make(large_cases()), input) {
  check_all_jobs(*this, input, {1, 2, 5, 16});
}

// The test's own generators: a model check is only as good as its inputs.
BOOST_AUTO_TEST_CASE(inputs_are_what_they_claim) {
  const auto large = large_cases();
  BOOST_TEST(large[0].make().size() >= 4'000'000u);
  const std::string with_long_line = large[1].make();
  std::size_t longest = 0;
  for (std::string_view line : model_lines(with_long_line)) longest = std::max(longest, line.size());
  BOOST_TEST(longest >= 1'000'000u);
  const std::string last_line = large[2].make();
  BOOST_TEST(last_line.back() != '\n');
  BOOST_TEST(model_lines(last_line).back().size() >= 1'900'000u);
  BOOST_TEST(model_lines("a\r\nb\rc\n\nd").size() == 4u);
  BOOST_TEST(model_lines("a\r\nb\rc\n\nd")[1] == "b\rc");
}

BOOST_AUTO_TEST_SUITE_END()
