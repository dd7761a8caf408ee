// Fault injection for task retries: jobs whose mapper (on a chosen line) or
// reducer (on a chosen key) kills itself, throws, segfaults, calls _exit or
// hangs, on the first attempt of its task only or on every attempt, run by 1,
// 2 and 4 workers over an input of several map tasks.
//
// - A crash (a signal, an early exit, a run past the task timeout) on the
//   first attempt only is retried on a fresh worker: exactly two attempts,
//   the sequential engine's output byte for byte, and its counters (a failed
//   attempt counts nothing). So are several faulting tasks in one job.
// - A crash on every attempt fails after max_attempts attempts with a
//   WorkerError naming the task, the cause and the attempts.
// - An exception fails the job at once (one attempt, a UserCodeError naming
//   the line or key), unless retry_exceptions is set: then it is retried too.
// - Every run leaves no child process, no /dev/shm entry and no open
//   descriptor; a failed run writes nothing to the output stream and leaves
//   an existing output file untouched, with no temporary file beside it.
//
// Which attempt is the first must survive the death of the worker that made
// it, so a fault keeps its state in files: every attempt of the faulting task
// appends one byte to an attempts file (O_APPEND), and only the attempt that
// creates the marker file (O_CREAT | O_EXCL) is the first.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE fault_injection
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iterator>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <utility>
#include <vector>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/detail/hash.hpp>
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::directory_entries;
using mapreduce::test::disable_core_files;
using mapreduce::test::first_difference;
using mapreduce::test::for_each_k_word;
using mapreduce::test::JobFixture;
using mapreduce::test::line_number;
using mapreduce::test::names_line;
using mapreduce::test::numbered_input;
using mapreduce::test::read_file;
using mapreduce::test::segfault;
using mapreduce::test::TempDir;
using mapreduce::test::write_file;

// A run that hangs is a failure too; fail it long before any outer timeout.
// The slowest case (four attempts that each overrun the task timeout) takes
// about three seconds.
constexpr unsigned kWatchdogSeconds = 30;
// Short, so that the hanging cases stay quick; still far more than a map task
// of this input takes on a loaded machine.
constexpr double kTaskTimeout = 0.5;
constexpr std::string_view kMessage = "deliberate failure 5c1e";
constexpr std::string_view kFaultKey = "k37";
constexpr std::string_view kOldOutput = "an earlier job's output\n";
constexpr std::string_view kCounterGroup = "fault injection";
constexpr unsigned kDefaultMaxAttempts = mapreduce::Options{}.max_attempts;

// The input: kLines lines "i k<i % 997> k<i % 13> pppp…", about 5 MB, so
// several map tasks of about 1 MiB each. No final newline.
constexpr std::size_t kLines = 90'000;
constexpr std::size_t kPadding = 40;

enum class Fault { kill, throw_exception, segfault, exit_early, hang };
enum class Stage { map, reduce };
enum class When { first_attempt, first_two_attempts, every_attempt };

constexpr Fault kFaults[] = {Fault::kill, Fault::throw_exception, Fault::segfault, Fault::exit_early,
                             Fault::hang};

const char* name_of(Fault fault) {
  switch (fault) {
    case Fault::kill:
      return "raises SIGKILL";
    case Fault::throw_exception:
      return "throws";
    case Fault::segfault:
      return "segfaults";
    case Fault::exit_early:
      return "calls _exit";
    case Fault::hang:
      return "hangs";
  }
  return "?";
}

const char* name_of(When when) {
  switch (when) {
    case When::first_attempt:
      return "on the first attempt";
    case When::first_two_attempts:
      return "on the first two attempts";
    case When::every_attempt:
      return "on every attempt";
  }
  return "?";
}

bool is_crash(Fault fault) { return fault != Fault::throw_exception; }

// The map fault exits with 0, which must not pass for a finished task; the
// reduce fault with another status, which must be named as it is.
int exit_status(Stage stage) { return stage == Stage::map ? 0 : 3; }

[[noreturn]] void hang() {
  for (;;) ::pause();
}

// Appends one byte to the file at `path`, creating it: one O_APPEND write per
// call, so that nothing is lost when the writer dies right after.
void append_byte(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("fault injection: cannot open " + path);
  const bool written = ::write(fd, "a", 1) == 1;
  ::close(fd);
  if (!written) throw std::runtime_error("fault injection: cannot write " + path);
}

// True if this call created the file at `path`, false if it existed already.
bool create_exclusively(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return true;
  }
  if (errno == EEXIST) return false;
  throw std::runtime_error("fault injection: cannot create " + path);
}

// Where and how a job faults, and the files that count its attempts.
struct Injection {
  Fault fault;
  Stage stage;
  When when;
  std::size_t line;      // map: mapper faults on this line
  std::string_view key;  // reduce: reducer faults on this key
  std::string attempts_path;
  std::string marker_path;
};

// How many attempts of the injection's task reached the fault.
std::size_t attempts_of(const Injection& injection) {
  std::error_code absent;
  const auto size = std::filesystem::file_size(injection.attempts_path, absent);
  return absent ? 0 : static_cast<std::size_t>(size);
}

// Counts the k-words of each line: mapper knows its line number from the
// line itself, so it can fault on a chosen line whichever task runs it.
// With kCombines, a combiner that may combine across map tasks, so that a
// worker's map tasks are committed together, as one run.
template <bool kCombines>
struct FaultyJobOf final : mapreduce::MapReduceConcurrent<FaultyJobOf<kCombines>, std::string, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<FaultyJobOf<kCombines>, std::string, std::int64_t>;
  using typename Base::Emitter;
  using typename Base::Values;
  FaultyJobOf(std::string input, mapreduce::Options options, std::vector<Injection> injections)
      : Base(std::move(input), std::move(options)), injections_(std::move(injections)) {}

  void mapper(std::string_view line, Emitter& emit) {
    const std::size_t number = line_number(line);
    for (const Injection& injection : injections_) {
      if (injection.stage == Stage::map && number == injection.line) strike(injection);
    }
    ++this->counter(kCounterGroup, "lines");
    for_each_k_word(line, [&](std::string_view word) { emit(word, 1); });
  }

  void combiner(std::string_view, std::int64_t& total, std::int64_t count) requires kCombines {
    total += count;
  }
  static constexpr bool combine_in_any_order = kCombines;

  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values counts) {
    for (const Injection& injection : injections_) {
      if (injection.stage == Stage::reduce && key == injection.key) strike(injection);
    }
    ++this->counter(kCounterGroup, "keys");
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {key, total};
  }

 private:
  // Records the attempt, then faults unless this attempt is to run normally.
  // An attempt knows of its predecessors only through the files: the first
  // creates the marker; the first two find at most two bytes in the attempts
  // file (the attempts of one task never overlap: a retry is queued only
  // once the previous attempt's worker has been reaped).
  static void strike(const Injection& injection) {
    append_byte(injection.attempts_path);
    switch (injection.when) {
      case When::first_attempt:
        if (!create_exclusively(injection.marker_path)) return;
        break;
      case When::first_two_attempts:
        if (attempts_of(injection) > 2) return;
        break;
      case When::every_attempt:
        break;
    }
    switch (injection.fault) {
      case Fault::kill:
        std::raise(SIGKILL);
        ::_exit(99);
      case Fault::throw_exception:
        throw std::runtime_error(std::string(kMessage));
      case Fault::segfault:
        segfault();
      case Fault::exit_early:
        ::_exit(exit_status(injection.stage));
      case Fault::hang:
        hang();
    }
  }

  std::vector<Injection> injections_;
};
using FaultyJob = FaultyJobOf<false>;
using CombiningFaultyJob = FaultyJobOf<true>;

// The counters that say what the job computed (not how fast it ran): the
// user's, counted by mapper and reducer, and a few of the engine's. A failed
// attempt must count nothing, so after retries they are a clean run's.
std::string computed_counters(const mapreduce::Counters& counters) {
  std::string text;
  for (const auto& [group, name] : {std::pair{kCounterGroup, std::string_view("lines")},
                                    {kCounterGroup, "keys"},
                                    {mapreduce::kEngineCounters, "input lines"},
                                    {mapreduce::kEngineCounters, "map output records"},
                                    {mapreduce::kEngineCounters, "reduce output records"}}) {
    text +=
        std::string(group) + "/" + std::string(name) + "=" + std::to_string(counters.get(group, name)) + " ";
  }
  return text;
}

std::int64_t failed_attempts(const mapreduce::Counters& counters) {
  return counters.get(mapreduce::kEngineCounters, "failed task attempts");
}

// Byte offset of the first byte of 1-based line `line`.
std::size_t line_start(std::string_view text, std::size_t line) {
  std::size_t at = 0;
  for (std::size_t n = 1; n < line; ++n) at = text.find('\n', at) + 1;
  return at;
}

// The input, written once for every case, and what the sequential engine
// makes of it without a fault.
struct SharedInput {
  TempDir dir;
  std::string text = numbered_input(kLines, kPadding, 997);
  std::string path = dir.write("input.txt", text);
  std::string reference;
  std::string reference_counters;

  SharedInput() {
    std::ostringstream out;
    FaultyJob job(path, mapreduce::Options{.output = {}, .output_stream = &out, .sequential = true}, {});
    job.run();
    reference = out.str();
    reference_counters = computed_counters(job.counters());
  }
};

const SharedInput& shared_input() {
  static const SharedInput input;
  return input;
}

struct Case {
  Fault fault;
  Stage stage;
  When when;
  unsigned processes;
  unsigned max_attempts;
  bool retry_exceptions;
  bool to_file;
  std::size_t line;
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
  out << (c.stage == Stage::map ? "mapper " : "reducer ") << name_of(c.fault) << " " << name_of(c.when);
  if (c.stage == Stage::map) out << " on line " << c.line;
  return out << ", " << c.processes << " processes, max_attempts " << c.max_attempts
             << (c.retry_exceptions ? ", retry_exceptions" : "") << ", output to "
             << (c.to_file ? "a file" : "a stream");
}

// Every fault in map and in reduce, on the first or every attempt, with 1, 2
// and 4 processes; the fault line (first, middle, last, which has no newline)
// and the attempt limit (1, 2, the default 4) vary from case to case.
std::vector<Case> cases() {
  constexpr unsigned kProcesses[] = {1, 2, 4};
  constexpr std::size_t kFaultLines[] = {1, 45'001, kLines};
  constexpr unsigned kAttemptLimits[] = {kDefaultMaxAttempts, 2, 1};
  std::vector<Case> all;
  for (std::size_t f = 0; f < std::size(kFaults); ++f) {
    const Fault fault = kFaults[f];
    for (Stage stage : {Stage::map, Stage::reduce}) {
      for (When when : {When::first_attempt, When::every_attempt}) {
        for (std::size_t k = 0; k < std::size(kProcesses); ++k) {
          Case c{fault,
                 stage,
                 when,
                 kProcesses[k],
                 kDefaultMaxAttempts,
                 false,
                 k == 1,
                 kFaultLines[(k + f) % 3]};
          if (when == When::first_attempt) {
            // Two attempts are all it takes: the limit of 2 must suffice.
            if (k == 1) c.max_attempts = 2;
          } else {
            c.max_attempts = kAttemptLimits[(k + f) % 3];
          }
          if (is_crash(fault)) {
            // The flag is about exceptions; crashes are retried either way.
            c.retry_exceptions = k == 2;
            all.push_back(c);
          } else {
            for (bool retry : {false, true}) {
              c.retry_exceptions = retry;
              all.push_back(c);
            }
          }
        }
      }
    }
  }
  // The sanity cases: with a single attempt allowed, the first-attempt fault
  // alone fails the job, so the hook does fire on the first attempt.
  for (Fault fault : kFaults) {
    if (!is_crash(fault)) continue;
    for (Stage stage : {Stage::map, Stage::reduce}) {
      all.push_back(Case{fault, stage, When::first_attempt, 2, 1, false, stage == Stage::reduce, 45'001});
    }
  }
  return all;
}

enum class Outcome {
  success,
  user_code_error,       // at once, without a retry
  worker_error,          // the attempts are used up by crashes
  error_after_attempts,  // the attempts are used up by exceptions
};

struct Expected {
  Outcome outcome;
  unsigned attempts;
};

Expected expected_of(const Case& c) {
  if (!is_crash(c.fault) && !c.retry_exceptions) return {Outcome::user_code_error, 1};
  if (c.when == When::first_attempt && c.max_attempts >= 2) return {Outcome::success, 2};
  return {is_crash(c.fault) ? Outcome::worker_error : Outcome::error_after_attempts,
          c.when == When::first_attempt ? 1 : c.max_attempts};
}

// How run() ended: the type of what it threw ("" when it returned) and its
// message.
struct Result {
  std::string type;
  std::string what;
};

template <class Job>
Result run_job(Job& job) {
  try {
    job.run();
    return {};
  } catch (const mapreduce::UserCodeError& e) {
    return {"UserCodeError", e.what()};
  } catch (const mapreduce::WorkerError& e) {
    return {"WorkerError", e.what()};
  } catch (const std::exception& e) {
    return {typeid(e).name(), e.what()};
  }
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

std::size_t to_size(const std::string& digits) {
  std::size_t n = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return n;
}

// The message names the task that ran the fault: for map, a byte range of
// the input, cut at line breaks, that holds the fault line; for reduce, the
// partition of the fault key, one of 4 per process.
void check_names_task(const std::string& what, const Case& c) {
  const SharedInput& input = shared_input();
  std::smatch m;
  if (c.stage == Stage::map) {
    static const std::regex kMapTask(
        R"(map task ([0-9]+) of ([0-9]+) \(bytes ([0-9]+)-([0-9]+) of ([^)]*)\))");
    if (!std::regex_search(what, m, kMapTask)) {
      BOOST_ERROR("the message names no map task and byte range");
      return;
    }
    const std::size_t task = to_size(m[1]);
    const std::size_t tasks = to_size(m[2]);
    const std::size_t begin = to_size(m[3]);
    const std::size_t end = to_size(m[4]);
    const std::size_t fault_at = line_start(input.text, c.line);
    BOOST_TEST(tasks >= 4u);  // the input spans several map tasks
    BOOST_TEST(task >= 1u);
    BOOST_TEST(task <= tasks);
    BOOST_TEST(m[5].str() == input.path);
    BOOST_TEST(begin <= fault_at);
    BOOST_TEST(fault_at < end);
    BOOST_TEST(end <= input.text.size());
    BOOST_TEST((begin == 0 || input.text[begin - 1] == '\n'));
    BOOST_TEST((end == input.text.size() || input.text[end - 1] == '\n'));
  } else {
    static const std::regex kReduceTask(R"(reduce task ([0-9]+) of ([0-9]+) \(partition ([0-9]+)\))");
    if (!std::regex_search(what, m, kReduceTask)) {
      BOOST_ERROR("the message names no reduce task and partition");
      return;
    }
    // The partition is that of the key's hash, as in records.hpp.
    const std::size_t partitions = 4 * c.processes;
    BOOST_TEST(to_size(m[2]) == partitions);
    BOOST_TEST(to_size(m[3]) == to_size(m[1]) - 1);
    BOOST_TEST(to_size(m[3]) ==
               mapreduce::detail::hash_partition(mapreduce::detail::hash_bytes(kFaultKey), partitions));
  }
}

void check_names_attempts(const std::string& what, unsigned attempts) {
  std::smatch m;
  static const std::regex kAttempts("after ([0-9]+) attempts?");
  if (!std::regex_search(what, m, kAttempts)) {
    BOOST_ERROR("the message does not say how many attempts were made");
    return;
  }
  BOOST_TEST(to_size(m[1]) == attempts);
}

// Where mapper or reducer threw, and the exception's own message.
void check_names_user_fault(const std::string& what, const Case& c) {
  BOOST_TEST(contains(what, kMessage));
  if (c.stage == Stage::map) {
    BOOST_TEST(contains(what, shared_input().path));
    BOOST_TEST(names_line(what, c.line));
  } else {
    BOOST_TEST(contains(what, "\"" + std::string(kFaultKey) + "\""));
  }
}

void check_names_crash(const std::string& what, const Case& c) {
  switch (c.fault) {
    case Fault::kill:
      BOOST_TEST(contains(what, "signal 9"));
      break;
    case Fault::segfault:
      BOOST_TEST(contains(what, "signal 11"));
      break;
    case Fault::exit_early:
      BOOST_TEST(contains(what, "exited with status " + std::to_string(exit_status(c.stage))));
      break;
    case Fault::hang:
      BOOST_TEST(contains(what, "task timeout"));
      break;
    case Fault::throw_exception:
      break;
  }
}

// JobFixture (a temporary directory, the watchdog, the leak checks after
// each test), no core files from the deliberate crashes, and the shared input.
struct Fixture : JobFixture<kWatchdogSeconds> {
  Fixture() {
    disable_core_files();
    shared_input();  // made once, in the first case; the watchdog starts over after it
    watchdog_.restart();
  }

  // An injection whose attempts and marker files are named after `name`.
  Injection injection(Fault fault, Stage stage, When when, std::size_t line, std::string_view key,
                      std::string_view name) const {
    return Injection{fault,
                     stage,
                     when,
                     line,
                     key,
                     file(std::string(name) + ".attempts"),
                     file(std::string(name) + ".marker")};
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fault_injection)

BOOST_DATA_TEST_CASE_F(Fixture, retries_crashed_tasks, data::make(cases()), c) {
  const SharedInput& input = shared_input();
  // The output file alone in its directory, so that a temporary beside it
  // shows; the attempts and marker files live elsewhere.
  const std::string output_dir = file("out");
  std::filesystem::create_directory(output_dir);
  const std::string output = output_dir + "/output.txt";
  write_file(output, kOldOutput);
  std::ostringstream stream;
  const mapreduce::Options options{.output = c.to_file ? output : std::string(),
                                   .output_stream = c.to_file ? nullptr : &stream,
                                   .processes = c.processes,
                                   .max_attempts = c.max_attempts,
                                   .task_timeout = c.fault == Fault::hang ? kTaskTimeout : 0,
                                   .retry_exceptions = c.retry_exceptions};
  const Injection fault = injection(c.fault, c.stage, c.when, c.line, kFaultKey, "fault");
  const Expected expected = expected_of(c);

  const auto started = std::chrono::steady_clock::now();
  FaultyJob job(input.path, options, {fault});
  const Result result = run_job(job);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;

  BOOST_TEST_CONTEXT("message: " << result.what) {
    BOOST_TEST(attempts_of(fault) == expected.attempts);
    if (c.fault == Fault::hang) {
      // Each hung attempt ran for the whole timeout: it was not cut short.
      const unsigned hung = expected.outcome == Outcome::success ? 1 : expected.attempts;
      BOOST_TEST(elapsed.count() >= hung * kTaskTimeout);
    }
    BOOST_TEST(directory_entries(output_dir) == std::set<std::string>{"output.txt"});
    switch (expected.outcome) {
      case Outcome::success:
        BOOST_TEST(result.type == "");
        BOOST_TEST(first_difference(input.reference, c.to_file ? read_file(output) : stream.str()) == "");
        BOOST_TEST(computed_counters(job.counters()) == input.reference_counters);
        BOOST_TEST(failed_attempts(job.counters()) == 1);
        return;
      case Outcome::user_code_error:
        BOOST_TEST(result.type == "UserCodeError");
        check_names_user_fault(result.what, c);
        break;
      case Outcome::worker_error:
        BOOST_TEST(result.type == "WorkerError");
        check_names_task(result.what, c);
        check_names_attempts(result.what, expected.attempts);
        check_names_crash(result.what, c);
        break;
      case Outcome::error_after_attempts:
        // The user's code failed, in a task that was given up on: the error
        // is the user's, as without retries.
        BOOST_TEST(result.type == "UserCodeError");
        check_names_task(result.what, c);
        check_names_attempts(result.what, expected.attempts);
        check_names_user_fault(result.what, c);
        break;
    }
    BOOST_TEST(stream.str() == "");
    BOOST_TEST(read_file(output) == kOldOutput);
  }
}

// A key that is never in kFaultKey's reduce partition, at 4, 8 or 16
// partitions, so that two reduce faults are charged to different tasks.
std::string_view key_apart_from_fault_key() {
  using mapreduce::detail::hash_bytes;
  using mapreduce::detail::hash_partition;
  static const std::string found = [] {
    for (int i = 0;; ++i) {
      std::string key = "k" + std::to_string(i);
      bool apart = true;
      for (std::size_t partitions : {4u, 8u, 16u}) {
        apart = apart && hash_partition(hash_bytes(key), partitions) !=
                             hash_partition(hash_bytes(kFaultKey), partitions);
      }
      if (apart) return key;
    }
  }();
  return found;
}

// Several tasks fault in the same job, in both phases, some twice in a row:
// each is retried on its own, up to the limit of three attempts, and the
// output is still the sequential engine's.
BOOST_FIXTURE_TEST_CASE(retries_several_tasks_in_both_phases, Fixture) {
  const SharedInput& input = shared_input();
  for (unsigned processes : {1u, 2u, 4u}) {
    BOOST_TEST_CONTEXT(processes << " processes") {
      const std::string name = "p" + std::to_string(processes) + "-";
      const std::vector<Injection> faults{
          injection(Fault::segfault, Stage::map, When::first_attempt, 1, {}, name + "segfault"),
          injection(Fault::exit_early, Stage::map, When::first_two_attempts, 45'001, {}, name + "exit"),
          injection(Fault::hang, Stage::map, When::first_attempt, kLines, {}, name + "hang"),
          injection(Fault::kill, Stage::reduce, When::first_two_attempts, 0, kFaultKey, name + "kill"),
          injection(Fault::throw_exception, Stage::reduce, When::first_attempt, 0, key_apart_from_fault_key(),
                    name + "throw"),
      };
      std::ostringstream out;
      FaultyJob job(input.path,
                    mapreduce::Options{.output = {},
                                       .output_stream = &out,
                                       .processes = processes,
                                       .max_attempts = 3,
                                       .task_timeout = kTaskTimeout,
                                       .retry_exceptions = true},
                    faults);
      const Result result = run_job(job);
      BOOST_TEST(result.type == "", result.what);
      BOOST_TEST(first_difference(input.reference, out.str()) == "");
      BOOST_TEST(computed_counters(job.counters()) == input.reference_counters);
      std::size_t failed = 0;
      for (const Injection& fault : faults) {
        const std::size_t expected = fault.when == When::first_two_attempts ? 3 : 2;
        BOOST_TEST(attempts_of(fault) == expected, fault.attempts_path);
        failed += expected - 1;
      }
      BOOST_TEST(failed_attempts(job.counters()) == std::int64_t(failed));
    }
  }
}

// The reference the cases compare with is right (k37 comes from i % 997 = 37
// only; 997 distinct keys), and the concurrent engine matches it when no
// fault strikes: with no injection, and with one on a line that does not
// exist, which records no attempt. So the attempt counts above come from the
// faults.
BOOST_FIXTURE_TEST_CASE(without_a_fault_nothing_strikes, Fixture) {
  const SharedInput& input = shared_input();
  std::size_t expected_k37 = 0;
  for (std::size_t i = 1; i <= kLines; ++i) expected_k37 += i % 997 == 37;
  BOOST_TEST(contains(input.reference, "\nk37\t" + std::to_string(expected_k37) + "\n"));
  BOOST_TEST(
      contains(input.reference_counters, std::string(kCounterGroup) + "/lines=" + std::to_string(kLines)));
  BOOST_TEST(contains(input.reference_counters, std::string(kCounterGroup) + "/keys=997 "));
  BOOST_TEST(input.text.size() > (std::size_t(4) << 20));

  for (unsigned processes : {1u, 4u}) {
    std::ostringstream plain;
    FaultyJob job(input.path,
                  mapreduce::Options{.output = {}, .output_stream = &plain, .processes = processes}, {});
    job.run();
    BOOST_TEST(first_difference(input.reference, plain.str()) == "");
    BOOST_TEST(computed_counters(job.counters()) == input.reference_counters);
    BOOST_TEST(failed_attempts(job.counters()) == 0);

    const Injection never = injection(Fault::kill, Stage::map, When::every_attempt, kLines + 1, {}, "never");
    std::ostringstream out;
    FaultyJob(input.path, mapreduce::Options{.output = {}, .output_stream = &out, .processes = processes},
              {never})
        .run();
    BOOST_TEST(first_difference(input.reference, out.str()) == "");
    BOOST_TEST(attempts_of(never) == 0u);
  }
}

// The claim window: the engine's own fault point (MAPREDUCE_TEST_FAULT) kills
// a worker with SIGKILL at the instant the shared counter has handed it a task
// number it has not claimed yet ("taken"), or right after the claim, before
// it recorded anything else ("claimed") — in map and in reduce, for the
// first, a middle and the last task — or, in map, once the task is mapped
// into a run not yet committed ("mapped"), or once its run is committed but
// the task not yet marked done ("committed"). Each also with a job that
// combines across tasks, whose workers commit all their tasks as one run.
// Either way the output and counters are a clean run's; a death holding the
// claim of the task it runs is one of the task's attempts; one before the
// claim, or after the task was mapped, is not.
struct ClaimCase {
  const char* point;  // "map-taken", "map-claimed", "map-mapped", "map-committed", "reduce-taken", ...
  unsigned processes;
  int which;               // 0: the first task, 1: a middle one, 2: the last
  bool combining = false;  // CombiningFaultyJob
};

std::ostream& operator<<(std::ostream& out, const ClaimCase& c) {
  static const char* const kWhich[] = {"first", "middle", "last"};
  return out << c.point << " of the " << kWhich[c.which] << " task, " << c.processes << " processes"
             << (c.combining ? ", combining across tasks" : "");
}

std::vector<ClaimCase> claim_cases() {
  std::vector<ClaimCase> all;
  for (const char* point :
       {"map-taken", "map-claimed", "map-mapped", "map-committed", "reduce-taken", "reduce-claimed"}) {
    for (bool combining : {false, true}) {
      if (combining && std::string_view(point).starts_with("reduce")) continue;
      for (unsigned processes : {1u, 2u, 4u}) {
        for (int which = 0; which < 3; ++which) all.push_back(ClaimCase{point, processes, which, combining});
      }
    }
  }
  return all;
}

// Sets an environment variable for the life of the object.
struct ScopedEnvironment {
  ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() { ::unsetenv(name_); }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
};

BOOST_DATA_TEST_CASE_F(Fixture, recovers_a_death_in_the_claim_window, data::make(claim_cases()), c) {
  const SharedInput& input = shared_input();
  const bool map = std::string_view(c.point).starts_with("map");
  const bool claimed = std::string_view(c.point).ends_with("claimed");
  // The map tasks are the input's, whatever the process count; the reduce
  // tasks are 4 per process.
  std::size_t tasks = 4 * c.processes;
  if (map) {
    std::ostringstream probe;
    FaultyJob job(input.path, mapreduce::Options{.output = {}, .output_stream = &probe, .processes = 1}, {});
    job.run();
    tasks = static_cast<std::size_t>(job.counters().get(mapreduce::kEngineCounters, "map tasks"));
  }
  BOOST_TEST_REQUIRE(tasks >= 3u);
  const std::size_t task = c.which == 0 ? 0 : c.which == 1 ? tasks / 2 : tasks - 1;
  const ScopedEnvironment fault("MAPREDUCE_TEST_FAULT", std::string(c.point) + ":" + std::to_string(task));

  for (unsigned max_attempts : {kDefaultMaxAttempts, 1u}) {
    BOOST_TEST_CONTEXT("task " << task << " of " << tasks << ", max_attempts " << max_attempts) {
      std::ostringstream out;
      const mapreduce::Options options{
          .output = {}, .output_stream = &out, .processes = c.processes, .max_attempts = max_attempts};
      FaultyJob job(input.path, options, {});
      CombiningFaultyJob combining_job(input.path, options, {});
      const Result result = c.combining ? run_job(combining_job) : run_job(job);
      const mapreduce::Counters& counters = c.combining ? combining_job.counters() : job.counters();
      if (claimed && max_attempts == 1) {
        // The death used the task's only attempt, and the error says so.
        BOOST_TEST(result.type == "WorkerError");
        BOOST_TEST(contains(result.what, std::string(map ? "map task " : "reduce task ") +
                                             std::to_string(task + 1) + " of " + std::to_string(tasks)),
                   result.what);
        check_names_attempts(result.what, 1);
        BOOST_TEST(contains(result.what, "signal 9"), result.what);
        BOOST_TEST(out.str() == "");
        continue;
      }
      BOOST_TEST(result.type == "", result.what);
      BOOST_TEST(first_difference(input.reference, out.str()) == "");
      BOOST_TEST(computed_counters(counters) == input.reference_counters);
      BOOST_TEST(counters.get(mapreduce::kEngineCounters, "input bytes") == std::int64_t(input.text.size()));
      BOOST_TEST(failed_attempts(counters) == 1);
    }
  }
}

// A worker killed once it has merged its range of the output's keys, before
// it committed it ("reduce-output", the worker's number): the parent merges
// the output itself, which is a clean run's; the death is counted as a
// failed attempt, and costs no task one of its own (max_attempts 1 too).
BOOST_FIXTURE_TEST_CASE(recovers_a_death_in_the_output_merge, Fixture) {
  const SharedInput& input = shared_input();
  for (unsigned processes : {2u, 4u}) {
    for (unsigned worker : {0u, processes - 1}) {
      const ScopedEnvironment fault("MAPREDUCE_TEST_FAULT", "reduce-output:" + std::to_string(worker));
      for (unsigned max_attempts : {kDefaultMaxAttempts, 1u}) {
        BOOST_TEST_CONTEXT("worker " << worker << " of " << processes << ", max_attempts " << max_attempts) {
          std::ostringstream out;
          const mapreduce::Options options{
              .output = {}, .output_stream = &out, .processes = processes, .max_attempts = max_attempts};
          FaultyJob job(input.path, options, {});
          const Result result = run_job(job);
          BOOST_TEST(result.type == "", result.what);
          BOOST_TEST(first_difference(input.reference, out.str()) == "");
          BOOST_TEST(computed_counters(job.counters()) == input.reference_counters);
          BOOST_TEST(failed_attempts(job.counters()) == 1);
        }
      }
    }
  }
}

BOOST_FIXTURE_TEST_CASE(a_malformed_fault_point_is_refused, Fixture) {
  const ScopedEnvironment fault("MAPREDUCE_TEST_FAULT", "map-taken:x");
  std::ostringstream out;
  FaultyJob job(shared_input().path, mapreduce::Options{.output = {}, .output_stream = &out, .processes = 2},
                {});
  BOOST_CHECK_THROW(job.run(), mapreduce::UsageError);
}

BOOST_AUTO_TEST_SUITE_END()
