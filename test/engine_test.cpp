// Engine semantics through small jobs: the order of setup, mappers, reducers
// and cleanup; grouping; output order by key type; reducer output types;
// output files; the combiner.
#define BOOST_TEST_MODULE engine
#include <boost/test/unit_test.hpp>

#include <mapreduce/mapreduce.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

using mapreduce::test::TempDir;

namespace {

// Splits each line on spaces into "key=value" pairs and keeps a log of calls.
struct Logged final : mapreduce::MapReduce<Logged, std::string, std::int64_t> {
  using MapReduce::MapReduce;
  std::vector<std::string> log;
  void setup() { log.push_back("setup"); }
  void cleanup() { log.push_back("cleanup"); }
  void mapper(std::string_view line, Emitter& emit) {
    log.push_back("map " + std::string(line));
    std::istringstream words{std::string(line)};
    std::string word;
    while (words >> word) {
      const auto eq = word.find('=');
      emit(word.substr(0, eq), std::stoll(word.substr(eq + 1)));
    }
  }
  std::pair<std::string, std::string> reducer(std::string_view key, Values values) {
    std::string joined;
    for (std::int64_t v : values) joined += (joined.empty() ? "" : ",") + std::to_string(v);
    log.push_back("reduce " + std::string(key) + " " + std::to_string(values.size()));
    return {std::string(key), joined};
  }
};

std::string run_logged(const std::string& path, std::vector<std::string>* log = nullptr) {
  std::ostringstream out;
  Logged job(path, {.output_stream = &out});
  job.run();
  if (log) *log = job.log;
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(calls_come_in_order_and_values_group_by_key) {
  TempDir dir;
  std::vector<std::string> log;
  const std::string out = run_logged(dir.write("in.txt", "b=1 a=2\na=3\n\nb=4 c=5"), &log);
  BOOST_TEST(out == "a\t2,3\nb\t1,4\nc\t5\n");
  const std::vector<std::string> expected = {"setup",       "map b=1 a=2", "map a=3",     "map ",
                                             "map b=4 c=5", "reduce a 2",  "reduce b 2",  "reduce c 1",
                                             "cleanup"};
  BOOST_TEST(log == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_input_gives_empty_output_but_runs_setup_and_cleanup) {
  TempDir dir;
  std::vector<std::string> log;
  BOOST_TEST(run_logged(dir.write("empty.txt", ""), &log) == "");
  const std::vector<std::string> expected = {"setup", "cleanup"};
  BOOST_TEST(log == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(string_keys_in_byte_order) {
  TempDir dir;
  const std::string out = run_logged(dir.write("in.txt", "\xc3\xa9=1 z=2 Z=3 a=4 _=5 0=6 ~=7"));
  BOOST_TEST(out == "0\t6\nZ\t3\n_\t5\na\t4\nz\t2\n~\t7\n\xc3\xa9\t1\n");
}

namespace {

// Keys are numbers; reducer turns them into names (other output types).
template <class Number>
struct ByNumber final : mapreduce::MapReduce<ByNumber<Number>, Number, std::int64_t> {
  using Base = mapreduce::MapReduce<ByNumber<Number>, Number, std::int64_t>;
  using Base::Base;
  void mapper(std::string_view line, typename Base::Emitter& emit) {
    std::istringstream numbers{std::string(line)};
    Number n;
    while (numbers >> n) emit(n, 1);
  }
  std::pair<std::string, double> reducer(Number n, typename Base::Values values) {
    std::ostringstream name;
    name << "n" << n;
    return {name.str(), static_cast<double>(values.size()) / 2};
  }
};

template <class Number>
std::string run_numbers(const std::string& text) {
  TempDir dir;
  std::ostringstream out;
  ByNumber<Number>(dir.write("in.txt", text), {.output_stream = &out}).run();
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(integer_keys_in_numeric_order) {
  BOOST_TEST(run_numbers<std::int64_t>("10 -3 2 -100 2\n0 9223372036854775807 -9223372036854775808") ==
             "n-9223372036854775808\t0.5\nn-100\t0.5\nn-3\t0.5\nn0\t0.5\nn2\t1\nn10\t0.5\n"
             "n9223372036854775807\t0.5\n");
  BOOST_TEST(run_numbers<std::uint32_t>("300 20 1 4000000000") == "n1\t0.5\nn20\t0.5\nn300\t0.5\nn4000000000\t0.5\n");
}

BOOST_AUTO_TEST_CASE(double_keys_in_numeric_order) {
  BOOST_TEST(run_numbers<double>("2.5 -1e10 0.001 -0.5 1e10 -0.5") ==
             "n-1e+10\t0.5\nn-0.5\t1\nn0.001\t0.5\nn2.5\t0.5\nn1e+10\t0.5\n");
}

BOOST_AUTO_TEST_CASE(output_file_is_written_and_replaced_only_on_success) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "a=1\n");
  const std::string output = dir.file("out.tsv");
  Logged(input, {.output = output}).run();
  BOOST_TEST(mapreduce::test::read_file(output) == "a\t1\n");

  // A failing job (bad number) leaves the previous output and no temporary.
  const std::string bad = dir.write("bad.txt", "a=x\n");
  const auto before = mapreduce::test::directory_entries(dir.path());
  BOOST_CHECK_THROW(Logged(bad, {.output = output}).run(), mapreduce::UserCodeError);
  BOOST_TEST(mapreduce::test::read_file(output) == "a\t1\n");
  BOOST_TEST(mapreduce::test::new_entries(before, mapreduce::test::directory_entries(dir.path())) == "");
}

BOOST_AUTO_TEST_CASE(output_file_in_a_missing_directory_fails_before_setup) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "a=1\n");
  Logged job(input, {.output = dir.file("missing/out.tsv")});
  BOOST_CHECK_THROW(job.run(), mapreduce::ResourceError);
  BOOST_TEST(job.log.empty());
}

namespace {

// A concurrent job run with options.sequential, and a combiner.
struct Summed final : mapreduce::MapReduceConcurrent<Summed, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  int combined = 0;
  void mapper(std::string_view line, Emitter& emit) {
    for (char c : line) emit(std::string_view(&c, 1), 1);
  }
  void combiner(std::string_view, std::int64_t& total, std::int64_t n) {
    total += n;
    ++combined;
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    std::int64_t total = 0;
    for (auto v : values) total += v;
    return {key, total};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(combiner_folds_map_side_and_results_are_unchanged) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "abca\nbb\n\ncab");
  std::ostringstream out;
  Summed job(input, {.output_stream = &out, .sequential = true});
  job.run();
  BOOST_TEST(out.str() == "a\t3\nb\t4\nc\t2\n");
  // 9 pairs for 3 keys: at least 6 folds happened in this process.
  BOOST_TEST(job.combined >= 6);
}

BOOST_AUTO_TEST_CASE(a_concurrent_job_run_sequentially_gives_the_same_output) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::to_string(i * 7919 % 1000) + "\n";
  const std::string input = dir.write("in.txt", text);
  std::ostringstream sequential;
  std::ostringstream concurrent;
  Summed(input, {.output_stream = &sequential, .sequential = true}).run();
  Summed(input, {.output_stream = &concurrent, .processes = 3}).run();
  BOOST_TEST(mapreduce::test::first_difference(sequential.str(), concurrent.str()) == "");
}
