// The concurrent engine's life cycle: what runs where and when (setup before
// the fork and in this process, cleanup once and in this process after the
// output), what workers inherit (setup's state) and what they keep to
// themselves (state mapper changes), what a run leaves behind (no child
// process, no /dev/shm entry, no open descriptor, no temporary file), and
// stdout shared with earlier unflushed output. Process counts from 1 to more
// than there are lines, and empty input. Also that the check for open
// descriptors, which every job test runs after itself, can fail.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE concurrent_lifecycle
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::Descriptors;
using mapreduce::test::directory_entries;
using mapreduce::test::JobFixture;
using mapreduce::test::new_descriptors;
using mapreduce::test::new_entries;
using mapreduce::test::no_child_left;
using mapreduce::test::open_descriptors;
using mapreduce::test::read_file;

// Words split on spaces; counts.
struct WordCount final : mapreduce::MapReduceConcurrent<WordCount, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    std::size_t i = 0;
    while (i < line.size()) {
      const std::size_t end = std::min(line.find(' ', i), line.size());
      if (end > i) emit(line.substr(i, end - i), 1);
      i = end + 1;
    }
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};

// The movie-ratings shape: setup loads a catalogue that both mapper (which
// drops unknown ids) and reducer (which names the movie) use; setup, cleanup
// and mapper record where and when they ran.
struct Ratings final : mapreduce::MapReduceConcurrent<Ratings, std::int64_t, double> {
  Ratings(std::string input, mapreduce::Options options, std::string trace_path)
      : MapReduceConcurrent(std::move(input), std::move(options)), trace_path_(std::move(trace_path)) {}

  void setup() {
    catalogue_ = {{1, "The Matrix"}, {2, "Heat"}, {3, "Unrated"}};
    ++setup_calls;
    setup_pid = ::getpid();
    children_during_setup = !no_child_left();
    trace("setup");
  }
  void mapper(std::string_view line, Emitter& emit) {
    ++mapper_calls;
    const auto space = line.find(' ');
    const std::int64_t id = std::stoll(std::string(line.substr(0, space)));
    if (catalogue_.contains(id)) emit(id, std::stod(std::string(line.substr(space + 1))));
  }
  std::pair<std::string, double> reducer(std::int64_t id, Values ratings) {
    double sum = 0;
    for (double r : ratings) sum += r;
    return {catalogue_.at(id), sum / static_cast<double>(ratings.size())};
  }
  void cleanup() {
    ++cleanup_calls;
    cleanup_pid = ::getpid();
    if (const auto* stream = dynamic_cast<std::ostringstream*>(options().output_stream)) {
      output_at_cleanup = stream->str();
    }
    trace("cleanup");
  }

  // Appends "WHAT PID" to the trace file, whichever process this is.
  void trace(const std::string& what) const {
    const std::string entry = what + " " + std::to_string(::getpid()) + "\n";
    const int fd = ::open(trace_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) return;
    const auto written = ::write(fd, entry.data(), entry.size());
    static_cast<void>(written);
    ::close(fd);
  }

  int setup_calls = 0;
  int cleanup_calls = 0;
  int mapper_calls = 0;
  pid_t setup_pid = 0;
  pid_t cleanup_pid = 0;
  bool children_during_setup = true;
  std::string output_at_cleanup;

 private:
  std::string trace_path_;
  std::map<std::int64_t, std::string> catalogue_;
};

// Holds the ratings input. Ids 1 and 2 are in the catalogue, 4 is not.
constexpr std::string_view kRatings = "1 9\n2 7\n4 5\n1 7\n2 8\n";
// Worked out by hand: id 1 is (9 + 7) / 2, id 2 is (7 + 8) / 2, in id order.
constexpr std::string_view kRatingsOutput = "The Matrix\t8\nHeat\t7.5\n";

using Fixture = JobFixture<>;

std::string run_word_count(const std::string& path, unsigned processes) {
  std::ostringstream out;
  WordCount job(path, mapreduce::Options{.output = {}, .output_stream = &out, .processes = processes});
  job.run();
  return out.str();
}

struct SizeCase {
  std::string name;
  std::string input;
  unsigned processes;
  std::string expected;  // worked out by hand
};

std::ostream& operator<<(std::ostream& out, const SizeCase& c) {
  return out << c.name << ", " << c.processes << " processes";
}

const std::vector<SizeCase> kSizeCases = {
    {"empty input", "", 16, ""},
    {"empty input", "", 1, ""},
    {"one empty line", "\n", 16, ""},
    {"one line without newline", "a b a", 16, "a\t2\nb\t1\n"},
    {"two lines", "b\na c\n", 16, "a\t1\nb\t1\nc\t1\n"},
    {"three lines", "x y\ny\nz y\n", 1, "x\t1\ny\t3\nz\t1\n"},
    {"three lines", "x y\ny\nz y\n", 2, "x\t1\ny\t3\nz\t1\n"},
    {"three lines", "x y\ny\nz y\n", 3, "x\t1\ny\t3\nz\t1\n"},
    {"three lines", "x y\ny\nz y\n", 4, "x\t1\ny\t3\nz\t1\n"},
    {"three lines", "x y\ny\nz y\n", 64, "x\t1\ny\t3\nz\t1\n"},
    {"three lines", "x y\ny\nz y\n", 0, "x\t1\ny\t3\nz\t1\n"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(concurrent_lifecycle)

BOOST_DATA_TEST_CASE_F(Fixture, any_process_count_and_input_size, data::make(kSizeCases), size_case) {
  const std::string path = write("input.txt", size_case.input);
  BOOST_TEST(run_word_count(path, size_case.processes) == size_case.expected);
}

BOOST_FIXTURE_TEST_CASE(setup_state_reaches_the_workers, Fixture) {
  const std::string path = write("ratings.txt", kRatings);
  for (unsigned processes : {1u, 3u, 16u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      std::ostringstream out;
      Ratings job(path, mapreduce::Options{.output = {}, .output_stream = &out, .processes = processes},
                  file("trace-" + std::to_string(processes)));
      job.run();
      BOOST_TEST(out.str() == kRatingsOutput);
    }
  }
}

BOOST_FIXTURE_TEST_CASE(setup_and_cleanup_run_once_in_this_process, Fixture) {
  const std::string path = write("ratings.txt", kRatings);
  const std::string trace = file("trace");
  std::ostringstream out;
  Ratings job(path, mapreduce::Options{.output = {}, .output_stream = &out, .processes = 4}, trace);
  job.run();
  const std::string me = std::to_string(::getpid());

  BOOST_TEST(job.setup_calls == 1);
  BOOST_TEST(job.setup_pid == ::getpid());
  BOOST_TEST(!job.children_during_setup, "setup ran after the workers were forked");
  BOOST_TEST(job.cleanup_calls == 1);
  BOOST_TEST(job.cleanup_pid == ::getpid());
  BOOST_TEST(job.output_at_cleanup == kRatingsOutput, "cleanup ran before the output was written");
  // Nothing ran setup or cleanup in a worker either.
  BOOST_TEST(read_file(trace) == "setup " + me + "\ncleanup " + me + "\n");
  // mapper ran in the workers: its counter in this process did not move.
  BOOST_TEST(job.mapper_calls == 0);
}

BOOST_FIXTURE_TEST_CASE(sequential_engine_runs_everything_here, Fixture) {
  // The counterpart of the test above, so that it is known to be able to fail:
  // the same counters do move when everything runs in this process.
  const std::string path = write("ratings.txt", kRatings);
  std::ostringstream out;
  Ratings job(path,
              mapreduce::Options{.output = {}, .output_stream = &out, .processes = 4, .sequential = true},
              file("trace"));
  job.run();
  BOOST_TEST(out.str() == kRatingsOutput);
  BOOST_TEST(job.mapper_calls == 5);
  BOOST_TEST(job.cleanup_calls == 1);
}

// The progress line wakes the parent several times a second; that must not
// be taken for a task timeout (none is set) and kill the workers. A slow
// mapper keeps every task running across several wake-ups.
struct SlowWordCount final : mapreduce::MapReduceConcurrent<SlowWordCount, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    if (line.size() > 0 && line[0] == '#') ::usleep(300'000);
    emit(line.substr(0, 1), 1);
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    return {key, static_cast<std::int64_t>(values.size())};
  }
};

BOOST_FIXTURE_TEST_CASE(progress_without_a_task_timeout_kills_no_worker, Fixture) {
  // Three map tasks of about 1 MiB, each starting with a slow line.
  std::string input;
  for (int task = 0; task < 3; ++task) {
    input += "#slow\n";
    while (input.size() < std::size_t(task + 1) * (1 << 20)) input += "abcdefghijklmnopqrstuvwxyz\n";
  }
  const std::string path = write("input.txt", input);
  std::ostringstream out;
  SlowWordCount job(
      path, mapreduce::Options{.output = {}, .output_stream = &out, .progress = true, .processes = 2});
  job.run();
  BOOST_TEST(job.counters().get("mapreduce", "failed task attempts") == 0);
  BOOST_TEST(job.counters().get("mapreduce", "map tasks") >= 2);
  BOOST_TEST(out.str().find("#\t3\n") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_job_object_runs_twice, Fixture) {
  const std::string path = write("ratings.txt", kRatings);
  std::ostringstream out;
  Ratings job(path, mapreduce::Options{.output = {}, .output_stream = &out, .processes = 3}, file("trace"));
  job.run();
  job.run();
  BOOST_TEST(out.str() == std::string(kRatingsOutput) + std::string(kRatingsOutput));
  BOOST_TEST(job.setup_calls == 2);
  BOOST_TEST(job.cleanup_calls == 2);
}

// stdout is a file holding text printed earlier and still in this process's
// stdio buffers (printf and std::cout, no newline). The engine must flush it
// before forking: a worker that inherited it would print it again.
BOOST_FIXTURE_TEST_CASE(earlier_buffered_stdout_is_printed_once, Fixture) {
  const std::string input = write("input.txt", "b a\na\n");
  const std::string stdout_path = file("stdout.txt");
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    int status = 10;
    try {
      const int fd = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0 && ::dup2(fd, STDOUT_FILENO) == STDOUT_FILENO) {
        ::close(fd);
        std::printf("printf;");
        std::cout << "cout;";
        WordCount job(input, mapreduce::Options{.output = {}, .output_stream = nullptr, .processes = 4});
        job.run();
        status = no_child_left() ? 0 : 11;
      }
    } catch (...) {
      status = 12;
    }
    std::cout.flush();
    std::fflush(nullptr);
    ::_exit(status);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0, "10: no stdout, 11: a child left, 12: run() threw");
  BOOST_TEST(read_file(stdout_path) == "printf;cout;a\t2\nb\t1\n");
}

BOOST_FIXTURE_TEST_CASE(output_file_is_written_and_no_temporary_file_remains, Fixture) {
  const std::string input = write("input.txt", "b a\na\n");
  const std::string output = file("out.txt");
  write("out.txt", "old contents\n");
  const std::set<std::string> before = directory_entries(path());
  WordCount job(input, mapreduce::Options{.output = output, .processes = 3});
  job.run();
  BOOST_TEST(read_file(output) == "a\t2\nb\t1\n");
  BOOST_TEST(new_entries(before, directory_entries(path())) == "");
}

// The check for open descriptors is what sees a leaked memfd arena, which
// has no /dev/shm entry; so it must be able to fail. A memfd left open is
// reported by its number and name, both by the comparison of two sets and by
// the fixture's own check; once closed, by neither (and the fixture's check
// after this test passes).
BOOST_FIXTURE_TEST_CASE(the_descriptor_check_reports_a_leaked_memfd, Fixture) {
  const Descriptors before = open_descriptors();
  const int fd = ::memfd_create("mapreduce-deliberate-leak", MFD_CLOEXEC);
  BOOST_TEST_REQUIRE(fd >= 0);
  const std::string expected = std::to_string(fd) + " -> /memfd:mapreduce-deliberate-leak (deleted)";
  const std::string compared = new_descriptors(before, open_descriptors());
  const std::string checked = leaks().descriptors_opened();
  ::close(fd);
  BOOST_TEST(compared == expected);
  BOOST_TEST(checked == expected);
  BOOST_TEST(new_descriptors(before, open_descriptors()) == "");
  BOOST_TEST(leaks().descriptors_opened() == "");
  // Another file on the same number is a different descriptor: reported.
  BOOST_TEST(new_descriptors({{fd, "/memfd:old (deleted)"}}, {{fd, "/memfd:new (deleted)"}}) ==
             std::to_string(fd) + " -> /memfd:new (deleted)");
}

BOOST_AUTO_TEST_SUITE_END()
