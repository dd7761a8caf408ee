// Jobs that fail on purpose on a chosen line or key: mapper or reducer
// throwing, a worker killed by SIGKILL, one that segfaults, one that calls
// _exit(0) halfway through its map task. run() must throw the right error,
// naming the line, key, task, signal or exit status; it must not hang; and it
// must leave no child process, no /dev/shm entry, no open descriptor, nothing
// in the output stream, and an existing output file untouched with no
// temporary file beside it.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE concurrent_failure
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <exception>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::directory_entries;
using mapreduce::test::disable_core_files;
using mapreduce::test::for_each_k_word;
using mapreduce::test::JobFixture;
using mapreduce::test::line_number;
using mapreduce::test::message_of;
using mapreduce::test::names_line;
using mapreduce::test::new_entries;
using mapreduce::test::numbered_input;
using mapreduce::test::read_file;
using mapreduce::test::segfault;

// A run that hangs is a failure too; fail it long before any outer timeout.
constexpr unsigned kWatchdogSeconds = 20;
constexpr std::string_view kMessage = "deliberate failure 7f3a";
constexpr std::string_view kFailingKey = "k37";

enum class Fault { throw_in_mapper, kill_in_mapper, exit_in_mapper, segfault_in_reducer, throw_in_reducer };

const char* name_of(Fault fault) {
  switch (fault) {
    case Fault::throw_in_mapper:
      return "mapper throws";
    case Fault::kill_in_mapper:
      return "mapper raises SIGKILL";
    case Fault::exit_in_mapper:
      return "mapper calls _exit(0)";
    case Fault::segfault_in_reducer:
      return "reducer segfaults";
    case Fault::throw_in_reducer:
      return "reducer throws";
  }
  return "?";
}

// Line i of the input is "i k<i % 97> k<i % 13> padding": mapper knows its
// line number from the line itself, and emits the k-words. It fails on line
// fail_line, or reducer on key k37, as the fault says.
struct Faulty final : mapreduce::MapReduceConcurrent<Faulty, std::string, std::int64_t> {
  Faulty(std::string input, mapreduce::Options options, Fault fault, std::size_t fail_line)
      : MapReduceConcurrent(std::move(input), std::move(options)), fault_(fault), fail_line_(fail_line) {}

  void mapper(std::string_view line, Emitter& emit) {
    if (line_number(line) == fail_line_) {
      if (fault_ == Fault::throw_in_mapper) throw std::runtime_error(std::string(kMessage));
      if (fault_ == Fault::kill_in_mapper) std::raise(SIGKILL);
      if (fault_ == Fault::exit_in_mapper) ::_exit(0);
    }
    for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }

  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values counts) {
    if (key == kFailingKey) {
      if (fault_ == Fault::segfault_in_reducer) segfault();
      if (fault_ == Fault::throw_in_reducer) throw std::runtime_error(std::string(kMessage));
    }
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {key, total};
  }

 private:
  Fault fault_;
  std::size_t fail_line_;
};

// `lines` lines as Faulty reads them; padded so that a large input spans
// several map tasks (at least 1 MiB each). No final newline.
std::string make_input(std::size_t lines, std::size_t padding) { return numbered_input(lines, padding, 97); }

struct FailureCase {
  Fault fault;
  std::size_t lines;
  std::size_t padding;
  std::size_t fail_line;
  unsigned processes;
  bool to_file;
};

std::ostream& operator<<(std::ostream& out, const FailureCase& c) {
  return out << name_of(c.fault) << " on line " << c.fail_line << " of " << c.lines << ", " << c.processes
             << " processes, output to " << (c.to_file ? "a file" : "a stream");
}

std::vector<FailureCase> failure_cases() {
  std::vector<FailureCase> cases;
  for (Fault fault : {Fault::throw_in_mapper, Fault::kill_in_mapper, Fault::exit_in_mapper,
                      Fault::segfault_in_reducer, Fault::throw_in_reducer}) {
    // The first line, the last line (which has no newline), and a line in the
    // third of three map tasks of a 2.6 MB input.
    for (auto [lines, padding, fail_line] : {std::tuple<std::size_t, std::size_t, std::size_t>{100, 10, 1},
                                             {100, 10, 100},
                                             {60'000, 30, 52'345}}) {
      for (unsigned processes : {1u, 4u, 16u}) {
        for (bool to_file : {false, true})
          cases.push_back({fault, lines, padding, fail_line, processes, to_file});
      }
    }
  }
  return cases;
}

void check_message(const FailureCase& c, const std::string& path, const std::string& what, bool concurrent) {
  BOOST_TEST_CONTEXT("message: " << what) {
    switch (c.fault) {
      case Fault::throw_in_mapper:
        BOOST_TEST(what.find(path) != std::string::npos);
        BOOST_TEST(names_line(what, c.fail_line));
        BOOST_TEST(what.find(kMessage) != std::string::npos);
        break;
      case Fault::throw_in_reducer:
        BOOST_TEST(what.find(kFailingKey) != std::string::npos);
        BOOST_TEST(what.find(kMessage) != std::string::npos);
        break;
      case Fault::kill_in_mapper:
        BOOST_TEST(what.find("signal 9") != std::string::npos);
        BOOST_TEST(what.find("map task") != std::string::npos);
        break;
      case Fault::exit_in_mapper:
        BOOST_TEST(what.find("exited with status 0") != std::string::npos);
        BOOST_TEST(what.find("map task") != std::string::npos);
        break;
      case Fault::segfault_in_reducer:
        BOOST_TEST(what.find("signal 11") != std::string::npos);
        BOOST_TEST(what.find("reduce task") != std::string::npos);
        break;
    }
    if (concurrent) BOOST_TEST(what.find("worker") != std::string::npos);
  }
}

// JobFixture (a temporary directory, the watchdog, the leak checks after
// each test), and no core files from the deliberate crashes.
struct Fixture : JobFixture<kWatchdogSeconds> {
  Fixture() { disable_core_files(); }
};

bool is_user_code_fault(Fault fault) {
  return fault == Fault::throw_in_mapper || fault == Fault::throw_in_reducer;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(concurrent_failure)

BOOST_DATA_TEST_CASE_F(Fixture, fails_cleanly, data::make(failure_cases()), c) {
  const std::string input = write("input.txt", make_input(c.lines, c.padding));
  const std::string output = file("output.txt");
  constexpr std::string_view kOldOutput = "an earlier job's output\n";
  write("output.txt", kOldOutput);
  const std::set<std::string> entries_before = directory_entries(path());
  std::ostringstream stream;
  const mapreduce::Options options{.output = c.to_file ? output : std::string(),
                                   .output_stream = c.to_file ? nullptr : &stream,
                                   .processes = c.processes};
  auto run = [&] { Faulty(input, options, c.fault, c.fail_line).run(); };

  std::optional<std::string> what;
  if (is_user_code_fault(c.fault)) {
    what = message_of<mapreduce::UserCodeError>(run);
  } else {
    what = message_of<mapreduce::WorkerError>(run);
  }
  if (what) check_message(c, input, *what, true);

  BOOST_TEST(stream.str() == "");
  BOOST_TEST(read_file(output) == kOldOutput);
  BOOST_TEST(new_entries(entries_before, directory_entries(path())) == "");
}

// The same jobs run with the sequential engine and without a fault, so that
// the checks above are known to be able to pass only because of the fault:
// the sequential engine names the same line and key, and the fault-free job
// does write its output.
BOOST_FIXTURE_TEST_CASE(sequential_engine_names_the_same_line_and_key, Fixture) {
  const std::string input = write("input.txt", make_input(60'000, 30));
  for (Fault fault : {Fault::throw_in_mapper, Fault::throw_in_reducer}) {
    const FailureCase c{fault, 60'000, 30, 52'345, 1, false};
    std::ostringstream stream;
    const auto what = message_of<mapreduce::UserCodeError>([&] {
      Faulty(input,
             mapreduce::Options{.output = {}, .output_stream = &stream, .processes = 1, .sequential = true},
             fault, c.fail_line)
          .run();
    });
    if (what) check_message(c, input, *what, false);
    BOOST_TEST(stream.str() == "");
  }
}

BOOST_FIXTURE_TEST_CASE(without_a_fault_the_job_succeeds, Fixture) {
  const std::string input = write("input.txt", make_input(100, 10));
  // Line numbers past the end never match: no fault happens.
  for (Fault fault : {Fault::throw_in_mapper, Fault::kill_in_mapper, Fault::exit_in_mapper}) {
    std::ostringstream stream;
    Faulty(input, mapreduce::Options{.output = {}, .output_stream = &stream, .processes = 4}, fault, 1000)
        .run();
    // 100 lines: k0..k96 once each from i % 97 (k0, k1, k2, k3 twice), plus
    // k0..k12 from i % 13; so k37 appears once.
    BOOST_TEST(stream.str().find("k37\t1\n") != std::string::npos);
  }
  const std::string output = file("output.txt");
  Faulty(input, mapreduce::Options{.output = output, .processes = 4}, Fault::throw_in_mapper, 1000).run();
  BOOST_TEST(read_file(output).find("k37\t1\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
