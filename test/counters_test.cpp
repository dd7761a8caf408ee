// Counters: what user code counts from setup, mapper, combiner, reducer and
// cleanup, and the engine's own counters (group "mapreduce"), equal counts
// made here from the input text, at every process count and with the
// sequential engine; and only successful task attempts count: a worker killed
// in the middle of a map or reduce task, or a mapper that throws once with
// retry_exceptions, counts nothing twice, and "failed task attempts" says how
// many attempts failed. Also the Counters value type itself.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE counters
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "compression_support.hpp"
#include "input/chunking.hpp"
#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

using mapreduce::test::for_each_space_separated_word;
using mapreduce::test::gzip;
using mapreduce::test::JobFixture;
using mapreduce::test::options_for;

constexpr std::string_view kUser = "user";
constexpr std::string_view kEngine = "mapreduce";

// How a Counted job fails once: the first attempt that reaches the line
// "KILL" (or the key "killword" in reducer) raises SIGKILL or throws, and
// creates `marker` (O_EXCL) so that no later attempt does.
enum class Fault { none, kill_in_mapper, kill_in_reducer, kill_in_combiner, throw_in_mapper };

bool first_time(const std::string& marker) {
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Counts words (runs of bytes other than ' '), counting as it goes in every
// piece of user code; with a combiner when kCombine.
template <bool kCombine>
struct Counted final : mapreduce::MapReduceConcurrent<Counted<kCombine>, std::string, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<Counted<kCombine>, std::string, std::int64_t>;
  using typename Base::Emitter;
  using typename Base::Values;
  Counted(std::vector<std::string> inputs, mapreduce::Options options, Fault fault = Fault::none,
          std::string marker = {})
      : Base(std::move(inputs), std::move(options)), fault_(fault), marker_(std::move(marker)) {}

  void setup() {
    ++this->counter(kUser, "setup calls");
    this->counter(kUser, "setup amount") += 41;
  }
  void mapper(std::string_view line, Emitter& emit) {
    ++this->counter(kUser, "mapper lines");
    if (line == "KILL") {
      if (fault_ == Fault::kill_in_mapper && first_time(marker_)) std::raise(SIGKILL);
      if (fault_ == Fault::throw_in_mapper && first_time(marker_)) throw std::runtime_error("once");
    }
    for_each_space_separated_word(line, [&](std::string_view word) {
      emit(word, 1);
      ++this->counter(kUser, "mapper words");
    });
  }
  void combiner(std::string_view key, std::int64_t& total, std::int64_t count) requires kCombine {
    ++this->counter(kUser, "combiner calls");
    if (key == "killword" && fault_ == Fault::kill_in_combiner && first_time(marker_)) std::raise(SIGKILL);
    total += count;
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    ++this->counter(kUser, "reducer keys");
    this->counter(kUser, "reducer values") += static_cast<std::int64_t>(counts.size());
    if (word == "killword" && fault_ == Fault::kill_in_reducer && first_time(marker_)) std::raise(SIGKILL);
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
  void cleanup() { ++this->counter(kUser, "cleanup calls"); }

 private:
  Fault fault_;
  std::string marker_;
};

// The model of one input text: its bytes, lines, words and distinct words,
// counted here.
struct Model {
  std::int64_t bytes = 0;
  std::int64_t lines = 0;
  std::int64_t words = 0;
  std::map<std::string, std::int64_t> counts;
};

void add_to_model(Model& model, std::string_view text) {
  model.bytes += static_cast<std::int64_t>(text.size());
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++model.lines;
    std::string word;
    for (char c : std::string(line) + ' ') {
      if (c != ' ') {
        word += c;
      } else if (!word.empty()) {
        ++model.words;
        ++model.counts[word];
        word.clear();
      }
    }
    start = end + 1;
  }
}

// Lines of words from a vocabulary of `vocabulary` words (so that they
// repeat), some lines empty or with runs of spaces, some ending in "\r\n".
std::string random_text(std::mt19937_64& random, std::size_t bytes, std::size_t vocabulary) {
  std::string text;
  while (text.size() < bytes) {
    for (std::size_t n = random() % 12; n > 0; --n) {
      text += "w" + std::to_string(random() % vocabulary);
      text.append(1 + random() % 3 / 2, ' ');
    }
    text += random() % 9 == 0 ? "\r\n" : "\n";
  }
  return text;
}

// The counters that do not depend on time or memory.
std::map<std::string, std::int64_t> stable(const mapreduce::Counters& counters) {
  std::map<std::string, std::int64_t> values;
  for (const auto& [name, value] : counters.entries()) {
    if (name.first == kEngine && (name.second.ends_with(" phase ms") || name.second == "peak rss KiB"))
      continue;
    values[name.first + "/" + name.second] = value;
  }
  return values;
}

std::string describe(const std::map<std::string, std::int64_t>& values) {
  std::string text;
  for (const auto& [name, value] : values) text += name + "=" + std::to_string(value) + " ";
  return text;
}

using Fixture = JobFixture<>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(counters, Fixture)

// Three small files: the combiner's output per map task is the number of
// distinct words of its lines (the tasks are the engine's cut, chunking.cpp,
// tested in chunking_test).
BOOST_AUTO_TEST_CASE(user_and_engine_counters_equal_independent_counts) {
  std::mt19937_64 random(7);
  std::vector<std::string> paths;
  std::vector<std::string> texts;
  Model all;
  for (std::size_t vocabulary : {50, 400, 3000}) {
    texts.push_back(random_text(random, 60'000 + vocabulary * 20, vocabulary));
    paths.push_back(write("in" + std::to_string(paths.size()) + ".txt", texts.back()));
    add_to_model(all, texts.back());
  }
  std::int64_t distinct_per_task = 0;
  std::int64_t tasks = 0;
  const std::size_t task_size = mapreduce::detail::map_task_size(static_cast<std::uint64_t>(all.bytes));
  for (const std::string& text : texts) {
    for (std::string_view range : mapreduce::detail::line_aligned_ranges(
             text, mapreduce::detail::map_task_count(text.size(), task_size))) {
      if (range.empty()) continue;
      Model one;
      add_to_model(one, range);
      distinct_per_task += static_cast<std::int64_t>(one.counts.size());
      ++tasks;
    }
  }
  BOOST_TEST_REQUIRE(tasks > 3);
  const auto distinct = static_cast<std::int64_t>(all.counts.size());
  std::string expected_output;
  for (const auto& [word, count] : all.counts) expected_output += word + "\t" + std::to_string(count) + "\n";

  for (bool combine : {true, false}) {
    std::map<std::string, std::int64_t> first;
    for (unsigned processes : {0u, 1u, 2u, 3u, 4u}) {
      BOOST_TEST_CONTEXT((combine ? "with" : "without") << " a combiner, processes " << processes) {
        std::ostringstream out;
        mapreduce::Counters counters;
        if (combine) {
          Counted<true> job(paths, options_for(processes, out));
          job.run();
          counters = job.counters();
        } else {
          Counted<false> job(paths, options_for(processes, out));
          job.run();
          counters = job.counters();
        }
        BOOST_TEST(out.str() == expected_output);
        BOOST_TEST_INFO("counters: " << describe(stable(counters)));
        BOOST_TEST(counters.get(kUser, "setup calls") == 1);
        BOOST_TEST(counters.get(kUser, "setup amount") == 41);
        BOOST_TEST(counters.get(kUser, "mapper lines") == all.lines);
        BOOST_TEST(counters.get(kUser, "mapper words") == all.words);
        // Within each map task and again across tasks, every value after a
        // key's first is folded in by one call.
        BOOST_TEST(counters.get(kUser, "combiner calls") == (combine ? all.words - distinct : 0));
        BOOST_TEST(counters.get(kUser, "reducer keys") == distinct);
        BOOST_TEST(counters.get(kUser, "reducer values") == (combine ? distinct : all.words));
        BOOST_TEST(counters.get(kUser, "cleanup calls") == 1);

        BOOST_TEST(counters.get(kEngine, "input bytes") == all.bytes);
        BOOST_TEST(counters.get(kEngine, "input lines") == all.lines);
        BOOST_TEST(counters.get(kEngine, "map output records") == all.words);
        if (combine) {
          BOOST_TEST(counters.get(kEngine, "combine output records") == distinct_per_task);
        } else {
          BOOST_TEST(!counters.entries().contains({std::string(kEngine), "combine output records"}));
        }
        BOOST_TEST(counters.get(kEngine, "distinct keys") == distinct);
        BOOST_TEST(counters.get(kEngine, "reduce output records") == distinct);
        BOOST_TEST(counters.get(kEngine, "input files") == 3);
        BOOST_TEST(counters.get(kEngine, "map tasks") == tasks);
        BOOST_TEST(counters.get(kEngine, "failed task attempts") == 0);
        for (const char* phase : {"map phase ms", "reduce phase ms", "output phase ms"}) {
          BOOST_TEST(counters.entries().contains({std::string(kEngine), phase}), phase);
          BOOST_TEST(counters.get(kEngine, phase) >= 0);
        }
        BOOST_TEST(counters.get(kEngine, "peak rss KiB") > 0);
        if (first.empty()) {
          first = stable(counters);
        } else {
          BOOST_TEST(describe(stable(counters)) == describe(first));
        }
      }
    }
  }
}

// One 2.5 MiB file, several map tasks: the counts do not depend on the cut.
BOOST_AUTO_TEST_CASE(several_map_tasks_count_every_line_once) {
  std::mt19937_64 random(8);
  const std::string text = random_text(random, 5 << 19, 20'000);
  const std::string path = write("in.txt", text);
  Model model;
  add_to_model(model, text);
  const auto distinct = static_cast<std::int64_t>(model.counts.size());
  std::map<std::string, std::int64_t> first;
  for (unsigned processes : {0u, 1u, 2u, 3u, 4u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      std::ostringstream out;
      Counted<true> job({path}, options_for(processes, out));
      job.run();
      const mapreduce::Counters& counters = job.counters();
      BOOST_TEST(counters.get(kUser, "mapper lines") == model.lines);
      BOOST_TEST(counters.get(kUser, "mapper words") == model.words);
      BOOST_TEST(counters.get(kUser, "combiner calls") == model.words - distinct);
      BOOST_TEST(counters.get(kEngine, "input bytes") == model.bytes);
      BOOST_TEST(counters.get(kEngine, "input lines") == model.lines);
      BOOST_TEST(counters.get(kEngine, "map output records") == model.words);
      BOOST_TEST(counters.get(kEngine, "distinct keys") == distinct);
      BOOST_TEST(counters.get(kEngine, "map tasks") >= 2);
      // Each task passes on its distinct words: more than the job's, fewer
      // than all.
      BOOST_TEST(counters.get(kEngine, "combine output records") > distinct);
      BOOST_TEST(counters.get(kEngine, "combine output records") < model.words);
      if (first.empty()) {
        first = stable(counters);
      } else {
        BOOST_TEST(describe(stable(counters)) == describe(first));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(compressed_inputs_count_decompressed_bytes) {
  std::mt19937_64 random(10);
  const std::string text = random_text(random, 300'000, 500);
  const std::string plain = write("in.txt", text);
  const std::string gz = write("in.gz", gzip(text));
  BOOST_TEST_REQUIRE(std::filesystem::file_size(gz) < text.size() / 2);
  Model model;
  add_to_model(model, text);
  add_to_model(model, text);
  for (unsigned processes : {0u, 2u}) {
    std::ostringstream out;
    Counted<true> job({plain, gz}, options_for(processes, out));
    job.run();
    const mapreduce::Counters& counters = job.counters();
    BOOST_TEST(counters.get(kEngine, "input bytes") == model.bytes);
    BOOST_TEST(counters.get(kEngine, "input lines") == model.lines);
    BOOST_TEST(counters.get(kEngine, "map output records") == model.words);
    BOOST_TEST(counters.get(kEngine, "input files") == 2);
    // The compressed file is one task, read whole; the other is cut.
    BOOST_TEST(counters.get(kEngine, "map tasks") > 2);
  }
}

BOOST_AUTO_TEST_CASE(counters_start_again_at_every_run) {
  const std::string path = write("in.txt", "a b\nb\n");
  std::ostringstream out;
  Counted<true> job({path}, options_for(2, out));
  job.run();
  job.run();
  BOOST_TEST(job.counters().get(kUser, "setup calls") == 1);
  BOOST_TEST(job.counters().get(kUser, "mapper words") == 3);
  BOOST_TEST(job.counters().get(kEngine, "input lines") == 2);
  BOOST_TEST(job.counters().get(kEngine, "input bytes") == 6);
}

BOOST_AUTO_TEST_CASE(an_empty_input_counts_zero) {
  const std::string path = write("empty.txt", "");
  for (unsigned processes : {0u, 2u}) {
    std::ostringstream out;
    Counted<true> job({path}, options_for(processes, out));
    job.run();
    BOOST_TEST(job.counters().get(kEngine, "input bytes") == 0);
    BOOST_TEST(job.counters().get(kEngine, "input lines") == 0);
    BOOST_TEST(job.counters().get(kEngine, "map tasks") == 0);
    BOOST_TEST(job.counters().get(kEngine, "input files") == 1);
    BOOST_TEST(job.counters().get(kUser, "setup calls") == 1);
    BOOST_TEST(job.counters().get(kUser, "cleanup calls") == 1);
  }
}

namespace {

struct FaultCase {
  Fault fault;
  const char* name;
  bool retry_exceptions;
};

}  // namespace

// A task attempt that fails halfway counted lines and words that must not
// reach the total: the counters are the clean run's, plus one failed attempt.
BOOST_AUTO_TEST_CASE(only_successful_task_attempts_count) {
  std::mt19937_64 random(9);
  // 2.5 MiB: three map tasks; "KILL" in the middle of the second, after
  // about 400 KB of its lines were counted. The word "killword" is in every
  // task, so the combiner meets it in the map and the reduce phase.
  std::string text = random_text(random, 1400 << 10, 5000) + "killword killword\nKILL\n";
  text += random_text(random, 1100 << 10, 5000) + "killword\n";
  const std::string path = write("in.txt", text);
  Model model;
  add_to_model(model, text);

  std::ostringstream clean_out;
  Counted<true> clean({path}, options_for(2, clean_out));
  clean.run();
  const auto clean_counters = stable(clean.counters());
  BOOST_TEST(clean.counters().get(kUser, "mapper lines") == model.lines);

  for (const FaultCase& c : {FaultCase{Fault::kill_in_mapper, "SIGKILL in mapper", false},
                             FaultCase{Fault::kill_in_combiner, "SIGKILL in combiner", false},
                             FaultCase{Fault::kill_in_reducer, "SIGKILL in reducer", false},
                             FaultCase{Fault::throw_in_mapper, "mapper throws, retried", true}}) {
    for (unsigned processes : {1u, 2u, 4u}) {
      BOOST_TEST_CONTEXT(c.name << ", processes " << processes) {
        const std::string marker =
            file("marker-" + std::to_string(int(c.fault)) + "-" + std::to_string(processes));
        std::ostringstream out;
        mapreduce::Options options = options_for(processes, out);
        options.retry_exceptions = c.retry_exceptions;
        Counted<true> job({path}, options, c.fault, marker);
        job.run();
        BOOST_TEST(::access(marker.c_str(), F_OK) == 0, "the fault happened");
        BOOST_TEST(out.str() == clean_out.str());
        BOOST_TEST(job.counters().get(kEngine, "failed task attempts") == 1);
        auto counters = stable(job.counters());
        counters.erase("mapreduce/failed task attempts");
        BOOST_TEST(describe(counters) == describe(clean_counters));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(counters_value_type) {
  mapreduce::Counters counters;
  BOOST_TEST(counters.empty());
  BOOST_TEST(counters.get("g", "n") == 0);
  BOOST_TEST(counters.empty());  // get does not create
  counters("g", "n") += 5;
  std::int64_t& kept = counters("g", "n");
  counters("a", "z") = -3;
  counters("g", "m") += 1;
  kept += 2;  // the reference stays valid as counters are added
  BOOST_TEST(counters.get("g", "n") == 7);
  std::vector<std::string> order;
  for (const auto& [name, value] : counters.entries()) order.push_back(name.first + "/" + name.second);
  const std::vector<std::string> expected_order = {"a/z", "g/m", "g/n"};
  BOOST_TEST(order == expected_order, boost::test_tools::per_element());

  const mapreduce::Counters before = counters;
  counters("g", "n") += 10;
  counters("new", "one") += 1;
  const mapreduce::Counters delta = counters.since(before);
  BOOST_TEST(delta.entries().size() == 2u);
  BOOST_TEST(delta.get("g", "n") == 10);
  BOOST_TEST(delta.get("new", "one") == 1);

  // Names with any bytes, values of any size, through the byte form.
  mapreduce::Counters odd;
  odd(std::string("gr\0up", 5), "na,me\n") = INT64_MIN;
  odd("", "") = INT64_MAX;
  odd("x", std::string(1000, 'y')) = 1;
  const std::string bytes = odd.serialize();
  mapreduce::Counters back;
  back("x", std::string(1000, 'y')) = 1;
  back.add_serialized(bytes);
  BOOST_TEST(back.get(std::string("gr\0up", 5), "na,me\n") == INT64_MIN);
  BOOST_TEST(back.get("", "") == INT64_MAX);
  BOOST_TEST(back.get("x", std::string(1000, 'y')) == 2);
  BOOST_TEST(back.entries().size() == 3u);
  mapreduce::Counters sum;
  sum.add(back);
  sum.add(back);
  BOOST_TEST(sum.get("x", std::string(1000, 'y')) == 4);
  for (std::size_t cut = 1; cut < 20; ++cut) {
    mapreduce::Counters broken;
    BOOST_CHECK_THROW(broken.add_serialized(std::string_view(bytes).substr(0, bytes.size() - cut)),
                      std::invalid_argument);
  }
  mapreduce::Counters empty;
  empty.add_serialized("");
  BOOST_TEST(empty.empty());
}

BOOST_AUTO_TEST_SUITE_END()
