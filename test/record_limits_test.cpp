// A record field over the record layout's 4 GiB limit is a mapreduce::Error
// naming where it came from, in every engine: a reducer whose output line is
// longer than 4 GiB fails the job with a UserCodeError naming the key (it
// once escaped the sequential engine as a bare std::length_error, and came
// out of the concurrent one as a WorkerError of unknown cause).
//
// The line is made by a value type whose TextFormat writes 4 GiB and a byte
// straight into the line (reserving first, so the test needs about 4 GiB of
// memory, not twice that).
#define BOOST_TEST_MODULE record_limits
#include <cstdint>
#include <exception>
#include <sstream>
#include <string>
#include <typeinfo>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

using mapreduce::test::TempDir;

constexpr std::size_t kHugeLine = (std::size_t(4) << 30) + 1;

struct Huge {};

}  // namespace

template <>
struct mapreduce::TextFormat<Huge> {
  static void append(std::string& out, const Huge&) {
    out.reserve(out.size() + kHugeLine + 1);
    out.append(kHugeLine, 'x');
  }
};

namespace {

// One key, "giant", whose output line is over 4 GiB.
struct HugeLine final : mapreduce::MapReduceConcurrent<HugeLine, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line, 1); }
  std::pair<std::string_view, Huge> reducer(std::string_view key, Values) { return {key, Huge{}}; }
};

// What run() threw: its type's name and message ("" when nothing).
std::string outcome_of(HugeLine& job) {
  try {
    job.run();
  } catch (const mapreduce::UserCodeError& e) {
    return std::string("UserCodeError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other (") + typeid(e).name() + "): " + e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_output_line_over_4_gib_is_a_user_code_error_naming_the_key) {
  TempDir dir;
  const std::string input = dir.write("input.txt", "giant\n");
  for (bool sequential : {true, false}) {
    BOOST_TEST_CONTEXT((sequential ? "sequential" : "2 processes")) {
      std::ostringstream out;
      HugeLine job(input, {.output = {}, .output_stream = &out, .processes = 2, .sequential = sequential});
      const std::string outcome = outcome_of(job);
      BOOST_TEST(outcome.starts_with("UserCodeError: reducer failed on key \"giant\""), outcome);
      BOOST_TEST(outcome.find("4 GiB") != std::string::npos, outcome);
      BOOST_TEST(out.str() == "");
    }
  }
}
