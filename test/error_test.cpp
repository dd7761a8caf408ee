// Every error names its cause: the input path and errno text, the file and
// line of a failing mapper, the key of a failing reducer, the message of a
// failing setup or cleanup. Nothing is written after a failure.
#define BOOST_TEST_MODULE errors
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

using mapreduce::test::names_line;
using mapreduce::test::TempDir;

namespace {

// Throws from mapper on the line "fail", from reducer on keys that start with
// "bad", and from setup or cleanup when asked. Counts its calls.
struct Faulty final : mapreduce::MapReduce<Faulty, std::string, std::int64_t> {
  using MapReduce::MapReduce;
  bool fail_setup = false;
  bool fail_cleanup = false;
  int mapper_calls = 0;
  int reducer_calls = 0;
  void setup() {
    if (fail_setup) throw std::runtime_error("catalogue missing");
  }
  void cleanup() {
    if (fail_cleanup) throw std::runtime_error("could not close the catalogue");
  }
  void mapper(std::string_view line, Emitter& emit) {
    ++mapper_calls;
    if (line == "fail") throw std::runtime_error("mapper gave up");
    if (line == "throw 42") throw 42;
    emit(line, 1);
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    ++reducer_calls;
    if (key.starts_with("bad")) throw std::invalid_argument("reducer gave up");
    return {key, static_cast<std::int64_t>(values.size())};
  }
};

// Runs a Faulty job on `path` and returns what() of the E it throws, or a
// note that it threw nothing (which then fails the checks on the message).
template <class E>
std::string error_of(Faulty& job) {
  try {
    job.run();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception)";
}

template <class E>
std::string error_of(const std::string& path) {
  std::ostringstream sink;
  Faulty job(path, {.output_stream = &sink});
  return error_of<E>(job);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Whether every byte is printable ASCII (what a terminal shows as it is).
bool all_printable(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(missing_input_names_path_and_errno) {
  const std::string message = error_of<mapreduce::InputError>("/nonexistent/dir/input.txt");
  BOOST_TEST(contains(message, "/nonexistent/dir/input.txt"));
  BOOST_TEST(contains(message, std::strerror(ENOENT)));
  BOOST_TEST(contains(message, "No such file or directory"));
}

BOOST_AUTO_TEST_CASE(missing_input_runs_no_user_code) {
  std::ostringstream out;
  Faulty job("/nonexistent/input.txt", {.output_stream = &out});
  job.fail_setup = true;  // would change the error, were setup run
  BOOST_TEST(contains(error_of<mapreduce::InputError>(job), "/nonexistent/input.txt"));
  BOOST_TEST(job.mapper_calls == 0);
  BOOST_TEST(out.str() == "");
}

BOOST_AUTO_TEST_CASE(empty_input_path_is_an_input_error) {
  BOOST_TEST(error_of<mapreduce::InputError>("") != "(no exception)");
}

BOOST_AUTO_TEST_CASE(unreadable_input_names_path_and_errno) {
  if (::geteuid() == 0) {
    BOOST_TEST_MESSAGE("skipped: running as root, which can read a file of mode 000");
    return;
  }
  TempDir dir;
  const std::string path = dir.write("secret.txt", "x\n");
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0) == 0);
  const std::string message = error_of<mapreduce::InputError>(path);
  BOOST_TEST(contains(message, path));
  BOOST_TEST(contains(message, std::strerror(EACCES)));
}

BOOST_AUTO_TEST_CASE(fifo_input_is_refused_without_waiting_for_a_writer) {
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string message = error_of<mapreduce::InputError>(fifo);
  BOOST_TEST(contains(message, fifo));
  BOOST_TEST(contains(message, "not a regular file"));
}

BOOST_AUTO_TEST_CASE(device_input_is_refused) {
  const std::string message = error_of<mapreduce::InputError>("/dev/null");
  BOOST_TEST(contains(message, "/dev/null"));
}

struct FailingLine {
  std::string name;
  std::string text;
  std::size_t line;
};
std::ostream& operator<<(std::ostream& out, const FailingLine& c) { return out << c.name; }

// The line numbers are counted by hand: 1-based, blank lines count.
BOOST_DATA_TEST_CASE(mapper_error_names_file_and_line,
                     boost::unit_test::data::make(std::vector<FailingLine>{
                         {"first line", "fail\na\nb\n", 1},
                         {"only line, no newline", "fail", 1},
                         {"middle line after a blank one", "a\nb\n\nfail\nc\n", 4},
                         {"last line without newline", "a\nb\nfail", 3},
                         {"last line with newline", "a\nb\nfail\n", 3},
                         {"middle line of CRLF text", "a\r\nb\r\nfail\r\nc\r\n", 3},
                         {"last CRLF line without newline", "a\r\n\r\nb\r\nfail", 4},
                         {"last CRLF line with CRLF", "a\r\nfail\r\n", 2},
                         {"tenth line, not first", "1\n2\n3\n4\n5\n6\n7\n8\n9\nfail\n", 10},
                     }),
                     c) {
  TempDir dir;
  const std::string path = dir.write("input.txt", c.text);
  std::ostringstream out;
  Faulty job(path, {.output_stream = &out});
  const std::string message = error_of<mapreduce::UserCodeError>(job);
  BOOST_TEST_CONTEXT("message: " << message) {
    BOOST_TEST(contains(message, path));
    BOOST_TEST(names_line(message, c.line));
    BOOST_TEST(contains(message, "mapper gave up"));
  }
  BOOST_TEST(job.reducer_calls == 0);
  BOOST_TEST(out.str() == "");
}

// Far into a file of several map tasks: the number counts every line before,
// in all tasks.
BOOST_DATA_TEST_CASE(mapper_error_deep_in_a_large_file,
                     boost::unit_test::data::make({1u, 77777u, 150000u, 200000u}), failing) {
  TempDir dir;
  constexpr std::size_t kLines = 200000;
  std::string text;
  for (std::size_t i = 1; i <= kLines; ++i) {
    text += i == failing ? std::string("fail") : "row " + std::to_string(i);
    text += i % 3 == 0 ? "\r\n" : "\n";
  }
  text.pop_back();  // the last line ends without a newline
  const std::string path = dir.write("big.txt", text);
  const std::string message = error_of<mapreduce::UserCodeError>(path);
  BOOST_TEST_CONTEXT("message: " << message) {
    BOOST_TEST(contains(message, path));
    BOOST_TEST(names_line(message, failing));
    BOOST_TEST(contains(message, "mapper gave up"));
  }
}

BOOST_AUTO_TEST_CASE(mapper_throwing_a_non_exception_is_still_named) {
  TempDir dir;
  const std::string path = dir.write("input.txt", "a\nthrow 42\n");
  const std::string message = error_of<mapreduce::UserCodeError>(path);
  BOOST_TEST_CONTEXT("message: " << message) {
    BOOST_TEST(contains(message, path));
    BOOST_TEST(names_line(message, 2));
  }
}

BOOST_AUTO_TEST_CASE(reducer_error_names_the_key) {
  TempDir dir;
  std::ostringstream out;
  Faulty job(dir.write("in.txt", "a\nbad key\nz\n"), {.output_stream = &out});
  const std::string message = error_of<mapreduce::UserCodeError>(job);
  BOOST_TEST_CONTEXT("message: " << message) {
    BOOST_TEST(contains(message, "bad key"));
    BOOST_TEST(contains(message, "reducer gave up"));
  }
  // Key "a" was reduced before the failure, and still nothing was written.
  BOOST_TEST(job.reducer_calls == 2);
  BOOST_TEST(out.str() == "");
}

BOOST_AUTO_TEST_CASE(reducer_error_shows_unprintable_key_bytes_escaped) {
  TempDir dir;
  const std::string message = error_of<mapreduce::UserCodeError>(dir.write("ctl.txt", "bad\x01\xff\tkey\n"));
  BOOST_TEST_CONTEXT("message: " << mapreduce::test::first_difference("", message)) {
    BOOST_TEST(contains(message, "reducer gave up"));
    BOOST_TEST(contains(message, "bad"));
    BOOST_TEST(contains(message, "key"));
    BOOST_TEST(!contains(message, "\x01"));
    BOOST_TEST(!contains(message, "\xff"));
    BOOST_TEST(!contains(message, "\t"));
    BOOST_TEST(all_printable(message));
    BOOST_TEST(contains(message, "\\x01"));
  }
}

BOOST_AUTO_TEST_CASE(setup_error_is_reported_with_its_message) {
  TempDir dir;
  std::ostringstream out;
  Faulty job(dir.write("in.txt", "a\n"), {.output_stream = &out});
  job.fail_setup = true;
  const std::string message = error_of<mapreduce::UserCodeError>(job);
  BOOST_TEST(contains(message, "setup"));
  BOOST_TEST(contains(message, "catalogue missing"));
  BOOST_TEST(job.mapper_calls == 0);
  BOOST_TEST(out.str() == "");
}

BOOST_AUTO_TEST_CASE(cleanup_error_is_reported_with_its_message) {
  TempDir dir;
  std::ostringstream out;
  Faulty job(dir.write("in.txt", "a\n"), {.output_stream = &out});
  job.fail_cleanup = true;
  const std::string message = error_of<mapreduce::UserCodeError>(job);
  BOOST_TEST(contains(message, "cleanup"));
  BOOST_TEST(contains(message, "could not close the catalogue"));
}

BOOST_AUTO_TEST_CASE(nothing_reaches_an_output_file_after_a_failure) {
  TempDir dir;
  const std::string output = dir.file("out.tsv");
  Faulty job(dir.write("in.txt", "a\nb\nfail\n"), {.output = output});
  BOOST_CHECK_THROW(job.run(), mapreduce::UserCodeError);
  const std::set<std::string> only_input = {"in.txt"};
  BOOST_TEST(mapreduce::test::directory_entries(dir.path()) == only_input, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(all_errors_derive_from_mapreduce_error) {
  BOOST_TEST(contains(error_of<mapreduce::Error>("/nonexistent"), "/nonexistent"));
  BOOST_TEST(contains(error_of<std::runtime_error>("/nonexistent"), "/nonexistent"));
  TempDir dir;
  BOOST_TEST(contains(error_of<mapreduce::Error>(dir.write("in.txt", "fail\n")), "mapper gave up"));
}

namespace {

// A job that emits nothing, for the tests of its options.
struct Idle final : mapreduce::MapReduceConcurrent<Idle, std::string, int> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view, Emitter&) {}
  std::pair<std::string_view, int> reducer(std::string_view key, Values) { return {key, 0}; }
};

}  // namespace

BOOST_AUTO_TEST_CASE(too_many_processes_is_a_usage_error) {
  TempDir dir;
  Idle job(dir.write("in.txt", "a\n"), {.processes = mapreduce::Options::kMaxProcesses + 1});
  BOOST_CHECK_THROW(job.run(), mapreduce::UsageError);
}

// Options a program builds obey the command line's rules, in the same words,
// spelled as Options spells them; the sequential engine checks them too.
BOOST_AUTO_TEST_CASE(options_are_checked_by_the_command_line_rules) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "a\n");
  auto usage_error_of = [&](mapreduce::Options options) {
    try {
      Idle(input, std::move(options)).run();
    } catch (const mapreduce::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no UsageError");
  };
  BOOST_TEST(usage_error_of({.processes = 300}) == "processes must be between 1 and 256, not 300");
  BOOST_TEST(usage_error_of({.processes = 300, .sequential = true}) ==
             "processes must be between 1 and 256, not 300");
  BOOST_TEST(usage_error_of({.max_attempts = 0}) == "max_attempts must be between 1 and 100, not 0");
  BOOST_TEST(usage_error_of({.max_attempts = 101}) == "max_attempts must be between 1 and 100, not 101");
  BOOST_TEST(usage_error_of({.task_timeout = -1}) ==
             "task_timeout must be 0 (no limit) or a positive number of seconds");
  std::ostringstream out;
  BOOST_TEST(usage_error_of({.output_stream = &out, .max_attempts = 100}) == "no UsageError");
}

namespace {

// A map-only job: its output lines are what mapper emits.
struct Echo final : mapreduce::MapReduceConcurrent<Echo, std::string, mapreduce::Nothing> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line, {}); }
};

}  // namespace

// What a mode would ignore is a UsageError naming the mode and the member,
// as on the command line (test/cli/terminal.sh has the whole table there);
// what it honours runs. sequential is honoured everywhere: a streaming task
// is one process.
BOOST_AUTO_TEST_CASE(options_a_mode_would_ignore_are_usage_errors) {
  TempDir dir;
  const std::string text = dir.write("in.txt", "a\n");
  const std::string pairs = dir.write("pairs.txt", "a\t1\n");
  std::ostringstream out;
  auto outcome = [&](mapreduce::Options options) {
    if (options.output_dir.empty()) options.output_stream = &out;
    try {
      Idle(options.mode == mapreduce::RunMode::stream_reduce ? pairs : text, std::move(options)).run();
    } catch (const mapreduce::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("ran");
  };
  using mapreduce::RunMode;
  for (const RunMode mode : {RunMode::stream_map, RunMode::stream_reduce}) {
    const std::string name = mode == RunMode::stream_map ? "stream_map" : "stream_reduce";
    BOOST_TEST_CONTEXT("mode " << name) {
      const std::string refused = "mode " + name + " does not take ";
      BOOST_TEST(
          outcome({.mode = mode, .processes = 2}).starts_with(refused + "processes: a streaming task"));
      BOOST_TEST(outcome({.mode = mode, .reducers = 3}).starts_with(refused + "reducers: Hadoop sets"));
      BOOST_TEST(outcome({.mode = mode, .max_attempts = 2}).starts_with(refused + "max_attempts: Hadoop"));
      BOOST_TEST(outcome({.mode = mode, .task_timeout = 9}).starts_with(refused + "task_timeout: Hadoop"));
      BOOST_TEST(
          outcome({.mode = mode, .retry_exceptions = true}).starts_with(refused + "retry_exceptions:"));
      BOOST_TEST(outcome({.mode = mode, .progress = true}).starts_with(refused + "progress: Hadoop"));
      BOOST_TEST(outcome({.output_dir = dir.path() + "/parts", .mode = mode})
                     .starts_with(refused + "output_dir: Hadoop writes"));
      BOOST_TEST(outcome({.mode = mode}) == "ran");
      BOOST_TEST(outcome({.mode = mode, .streaming_counters = false}) == "ran");
      BOOST_TEST(outcome({.mode = mode, .sequential = true}) == "ran");
    }
  }
  BOOST_TEST(
      outcome({.streaming_counters = false}).starts_with("streaming_counters is for the streaming modes"));
  BOOST_TEST(outcome({.format = mapreduce::OutputFormat::jsonl, .mode = RunMode::stream_map})
                 .starts_with("mode stream_map (--stream-map) does not take format jsonl (--format jsonl)"));
  BOOST_TEST(outcome({.format = mapreduce::OutputFormat::jsonl, .mode = RunMode::stream_reduce}) == "ran");
  // A map-only job's --stream-map writes its output lines, in the format.
  std::ostringstream lines;
  Echo(text, {.output_stream = &lines, .format = mapreduce::OutputFormat::jsonl, .mode = RunMode::stream_map})
      .run();
  BOOST_TEST(lines.str() == "{\"key\": \"a\", \"value\": null}\n");
}

// mpi refuses what a rank does not do, through the API as on the command
// line, before it looks for a launcher (this test has none).
BOOST_AUTO_TEST_CASE(options_mpi_would_ignore_are_usage_errors) {
  TempDir dir;
  const std::string text = dir.write("in.txt", "a\n");
  std::ostringstream out;
  auto outcome = [&](mapreduce::Options options) {
    options.output_stream = &out;
    try {
      Echo(text, std::move(options)).run();
    } catch (const mapreduce::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("ran");
  };
  BOOST_TEST(
      outcome({.processes = 2, .mpi = true}).starts_with("mpi does not take processes: each rank is one"));
  BOOST_TEST(outcome({.max_attempts = 2, .mpi = true}).starts_with("mpi does not take max_attempts: a rank"));
  BOOST_TEST(outcome({.task_timeout = 5, .mpi = true}).starts_with("mpi does not take task_timeout:"));
  BOOST_TEST(
      outcome({.retry_exceptions = true, .mpi = true}).starts_with("mpi does not take retry_exceptions"));
  BOOST_TEST(outcome({.sequential = true, .mpi = true}).starts_with("mpi and sequential exclude each other"));
  BOOST_TEST(outcome({.mpi_round_bytes = 4096}).starts_with("mpi_round_bytes is for mpi only"));
  BOOST_TEST(outcome({.mode = mapreduce::RunMode::stream_map, .mpi = true})
                 .starts_with("mode stream_map does not take mpi: Hadoop starts"));
  // What is left is the launcher: none started this test.
  const std::string launcher = outcome({.mpi = true});
  BOOST_TEST((launcher.starts_with("--mpi needs an MPI launcher") ||
              launcher.starts_with("--mpi: this build of mapreduce has no MPI support")),
             launcher);
}
