// Every error names its cause: the input path and errno text, the file and
// line of a failing mapper, the key of a failing reducer. Nothing is written
// after a failure.
#define BOOST_TEST_MODULE errors
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <mapreduce/mapreduce.hpp>

#include <sstream>
#include <stdexcept>
#include <string>

#include "test_support.hpp"

using mapreduce::test::TempDir;

namespace {

// Throws from mapper on the line "fail", from reducer on the key "fail..." and
// from setup when asked.
struct Faulty final : mapreduce::MapReduce<Faulty, std::string, std::int64_t> {
  using MapReduce::MapReduce;
  bool fail_setup = false;
  void setup() {
    if (fail_setup) throw std::runtime_error("catalogue missing");
  }
  void mapper(std::string_view line, Emitter& emit) {
    if (line == "fail") throw std::runtime_error("mapper gave up");
    emit(line, 1);
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    if (key.starts_with("bad")) throw std::invalid_argument("reducer gave up");
    return {key, static_cast<std::int64_t>(values.size())};
  }
};

template <class E>
std::string error_of(const std::string& path, bool fail_setup = false, std::ostringstream* out = nullptr) {
  std::ostringstream sink;
  Faulty job(path, {.output_stream = out ? out : &sink});
  job.fail_setup = fail_setup;
  try {
    job.run();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(missing_input_names_path_and_errno) {
  const std::string message = error_of<mapreduce::InputError>("/nonexistent/dir/input.txt");
  BOOST_TEST(contains(message, "/nonexistent/dir/input.txt"));
  BOOST_TEST(contains(message, "No such file or directory"));
}

BOOST_AUTO_TEST_CASE(unreadable_input_names_path_and_errno) {
  if (::geteuid() == 0) {
    BOOST_TEST_MESSAGE("running as root, which reads any file: checked only that the error type is right");
    return;
  }
  TempDir dir;
  const std::string path = dir.write("secret.txt", "x\n");
  ::chmod(path.c_str(), 0);
  const std::string message = error_of<mapreduce::InputError>(path);
  BOOST_TEST(contains(message, path));
  BOOST_TEST(contains(message, "Permission denied"));
}

BOOST_AUTO_TEST_CASE(directory_and_device_inputs_are_refused) {
  TempDir dir;
  const std::string message = error_of<mapreduce::InputError>(dir.path());
  BOOST_TEST(contains(message, dir.path()));
  BOOST_TEST(contains(message, "directory"));
  BOOST_TEST(contains(error_of<mapreduce::InputError>("/dev/null"), "not a regular file"));
}

struct FailingLine {
  std::string name;
  std::string text;
  int line;
};
std::ostream& operator<<(std::ostream& out, const FailingLine& c) { return out << c.name; }

BOOST_DATA_TEST_CASE(mapper_error_names_file_and_line,
                     boost::unit_test::data::make(std::vector<FailingLine>{
                         {"first line", "fail\na\nb\n", 1},
                         {"middle line", "a\nb\n\nfail\nc\n", 4},
                         {"last line without newline", "a\nb\nfail", 3},
                         {"after CRLF lines", "a\r\nb\r\nfail\r\nc\r\n", 3},
                     }),
                     c) {
  TempDir dir;
  const std::string path = dir.write("input.txt", c.text);
  std::ostringstream out;
  const std::string message = error_of<mapreduce::UserCodeError>(path, false, &out);
  BOOST_TEST(contains(message, path));
  BOOST_TEST(contains(message, "line " + std::to_string(c.line) + " "));
  BOOST_TEST(contains(message, "mapper gave up"));
  BOOST_TEST(out.str() == "");
}

BOOST_AUTO_TEST_CASE(reducer_error_names_the_key_printably) {
  TempDir dir;
  std::ostringstream out;
  std::string message = error_of<mapreduce::UserCodeError>(dir.write("in.txt", "a\nbad key\nz\n"), false, &out);
  BOOST_TEST(contains(message, "\"bad key\""));
  BOOST_TEST(contains(message, "reducer gave up"));
  BOOST_TEST(out.str() == "");

  message = error_of<mapreduce::UserCodeError>(dir.write("ctl.txt", "bad\x01\xff\tkey\n"));
  BOOST_TEST(contains(message, "bad\\x01\\xff\\tkey"));
  BOOST_TEST(!contains(message, "\x01"));
}

BOOST_AUTO_TEST_CASE(setup_error_is_reported_with_its_message) {
  TempDir dir;
  std::ostringstream out;
  const std::string message = error_of<mapreduce::UserCodeError>(dir.write("in.txt", "a\n"), true, &out);
  BOOST_TEST(contains(message, "setup()"));
  BOOST_TEST(contains(message, "catalogue missing"));
  BOOST_TEST(out.str() == "");
}

BOOST_AUTO_TEST_CASE(all_errors_derive_from_mapreduce_error) {
  BOOST_TEST(contains(error_of<mapreduce::Error>("/nonexistent"), "/nonexistent"));
  BOOST_TEST(contains(error_of<std::runtime_error>("/nonexistent"), "/nonexistent"));
}

BOOST_AUTO_TEST_CASE(too_many_processes_is_a_usage_error) {
  struct Job final : mapreduce::MapReduceConcurrent<Job, std::string, int> {
    using MapReduceConcurrent::MapReduceConcurrent;
    void mapper(std::string_view, Emitter&) {}
    std::pair<std::string_view, int> reducer(std::string_view key, Values) { return {key, 0}; }
  };
  TempDir dir;
  Job job(dir.write("in.txt", "a\n"), {.processes = mapreduce::Options::kMaxProcesses + 1});
  BOOST_CHECK_THROW(job.run(), mapreduce::UsageError);
}
