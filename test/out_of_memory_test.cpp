// Running out of memory inside the engine — the map task's record buffers,
// the combiner's table and its key store — is a ResourceError naming what was
// being grown and how big, in the sequential and the concurrent engine; it is
// never blamed on user code. A mapper that itself runs out of memory is still
// a UserCodeError naming its line, so the two are told apart.
//
// Each case runs in a forked child under an address-space limit (RLIMIT_AS)
// some hundreds of MiB above what the child already uses, and reports by its
// exit status which exception the job threw; the parent checks it.
#define BOOST_TEST_MODULE out_of_memory
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::no_child_left;
using mapreduce::test::TempDir;

// How far above its current size the child's address space may grow.
constexpr std::uint64_t kHeadroom = std::uint64_t(384) << 20;
// More distinct keys than fit in that headroom, emitted from one line.
constexpr std::uint64_t kKeys = 60'000'000;

// A line "engine" makes mapper emit kKeys distinct keys without allocating
// anything itself, so only the engine's buffers grow; a line "user" makes it
// allocate without bound itself; any other line emits nothing.
template <class Job>
void emit_lots(std::string_view line, auto& emit) {
  if (line == "user") {
    std::vector<std::unique_ptr<char[]>> hoard;
    for (;;) hoard.push_back(std::make_unique<char[]>(std::size_t(64) << 20));
  }
  if (line != "engine") return;
  char key[32] = "key-";
  for (std::uint64_t i = 0; i < kKeys; ++i) {
    const auto end = std::to_chars(key + 4, key + sizeof key, i).ptr;
    emit(std::string_view(key, static_cast<std::size_t>(end - key)), 1);
  }
}

struct Plain final : mapreduce::MapReduceConcurrent<Plain, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit_lots<Plain>(line, emit); }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    return {key, static_cast<std::int64_t>(values.size())};
  }
};

struct Combined final : mapreduce::MapReduceConcurrent<Combined, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit_lots<Combined>(line, emit); }
  void combiner(std::string_view, std::int64_t& total, std::int64_t value) { total += value; }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    std::int64_t total = 0;
    for (std::int64_t v : values) total += v;
    return {key, total};
  }
};

enum Verdict : int { kResourceError = 10, kUserCodeError, kOtherError, kNoError, kBadMessage };

std::uint64_t address_space_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// In the child: runs the job under the limit and turns what it threw into an
// exit status. `expect` is what a correct message holds.
template <class Job>
[[noreturn]] void run_limited(const std::string& input, bool sequential, std::string_view expect) {
  int verdict = kOtherError;
  try {
    const rlimit limit{address_space_bytes() + kHeadroom, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(kOtherError);
    std::ostringstream out;
    Job job(input, mapreduce::Options{
                       .output = {}, .output_stream = &out, .processes = 2, .sequential = sequential});
    job.run();
    verdict = kNoError;
  } catch (const mapreduce::ResourceError& e) {
    std::fprintf(stderr, "ResourceError: %s\n", e.what());
    verdict = contains(e.what(), expect) ? kResourceError : kBadMessage;
  } catch (const mapreduce::UserCodeError& e) {
    std::fprintf(stderr, "UserCodeError: %s\n", e.what());
    verdict = contains(e.what(), expect) ? kUserCodeError : kBadMessage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "other error: %s\n", e.what());
  }
  std::fflush(nullptr);
  ::_exit(verdict);
}

struct Case {
  bool combiner;
  bool sequential;
  bool user_allocates;
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
  return out << (c.user_allocates ? "the mapper allocates" : "the engine grows") << ", "
             << (c.combiner ? "with" : "without") << " a combiner, "
             << (c.sequential ? "sequential" : "2 processes");
}

std::vector<Case> cases() {
  std::vector<Case> all;
  for (bool user : {false, true})
    for (bool combiner : {false, true})
      for (bool sequential : {true, false}) all.push_back(Case{combiner, sequential, user});
  return all;
}

}  // namespace

BOOST_DATA_TEST_CASE(out_of_memory_is_named_for_what_ran_out, data::make(cases()), c) {
  TempDir dir;
  const std::string input = dir.write("input.txt", c.user_allocates ? "first\nuser\n" : "first\nengine\n");
  // The engine's message names what it grew; the user's names the line.
  const std::string_view expect =
      c.user_allocates ? "line 2 of " : (c.combiner ? "the combiner's" : "buffer of intermediate records");
  std::fflush(nullptr);
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    if (c.combiner) run_limited<Combined>(input, c.sequential, expect);
    run_limited<Plain>(input, c.sequential, expect);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST_REQUIRE(WIFEXITED(status), "the child died of signal " << WTERMSIG(status));
  BOOST_TEST(WEXITSTATUS(status) == (c.user_allocates ? kUserCodeError : kResourceError));
  BOOST_TEST(no_child_left());
}
