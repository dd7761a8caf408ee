// Runner's job options: each typed target (integers, floating point, sizes,
// choices, repeated values, plain strings, flags) takes a good value, refuses
// a bad one with a usage error naming the option and the value (exit 2), and
// shows its default in --help under "Job options". Every command line runs
// in a forked child, as a program would run it, so that the Runner's exit
// statuses and signal handlers stay out of the test process.
#define BOOST_TEST_MODULE runner_options
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/runner.hpp>

namespace {

using mapreduce::ByteSize;
using mapreduce::test::read_file;
using mapreduce::test::TempDir;

enum class Mode { fast, exact, lazy };

std::string mode_name(Mode mode) {
  return mode == Mode::fast ? "fast" : mode == Mode::exact ? "exact" : "lazy";
}

template <class T>
std::string joined(const std::vector<T>& values) {
  std::ostringstream out;
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << values[i];
  return out.str();
}

// A program with one option of each kind; its job prints what they hold.
int options_program(const std::vector<std::string>& arguments) {
  long count = 10;
  unsigned level = 3;
  int offset = -1;
  std::int8_t small = 0;
  std::uint64_t big = 0;
  double ratio = 0.5;
  float scale = 1.5f;
  ByteSize buffer{4 << 20};
  Mode mode = Mode::fast;
  std::vector<std::string> tags = {"a", "b"};
  std::vector<long> weights = {5};
  std::vector<ByteSize> limits;
  std::string name;
  bool verbose = false;

  mapreduce::Runner runner("options", "Prints its options.");
  runner.add_option("count,n", "N", "how many", count, {.min = 0});
  runner.add_option("level", "L", "how hard", level, {.max = 9});
  runner.add_option("offset", "K", "where to start", offset);
  runner.add_option("small", "S", "an 8-bit integer", small);
  runner.add_option("big", "B", "a 64-bit unsigned integer", big);
  runner.add_option("ratio", "R", "a fraction", ratio, {.min = 0.0, .max = 1.0});
  runner.add_option("scale", "X", "a float", scale);
  runner.add_option("buffer", "SIZE", "a buffer size", buffer, {.min = ByteSize{1024}});
  runner.add_choice("mode", {{"fast", Mode::fast}, {"exact", Mode::exact}, {"lazy", Mode::lazy}},
                    "how to run", mode);
  runner.add_option("tag,t", "TAG", "a tag (repeatable)", tags);
  runner.add_option("weight", "W", "a weight (repeatable)", weights, {.min = 1});
  runner.add_option("limit", "SIZE", "a limit (repeatable)", limits);
  runner.add_option("name", "NAME", "a name", name);
  runner.add_flag("verbose", "say more", verbose);

  std::vector<const char*> argv = {"options"};
  for (const std::string& argument : arguments) argv.push_back(argument.c_str());
  return runner.run(static_cast<int>(argv.size()), argv.data(),
                    [&](const std::vector<std::string>& inputs, const mapreduce::Options&) {
                      std::vector<std::uint64_t> limit_bytes;
                      for (const ByteSize& limit : limits) limit_bytes.push_back(limit.bytes);
                      std::cout << "count=" << count << " level=" << level << " offset=" << offset
                                << " small=" << int(small) << " big=" << big << " ratio=" << ratio
                                << " scale=" << scale << " buffer=" << buffer.bytes
                                << " mode=" << mode_name(mode) << " tags=" << joined(tags)
                                << " weights=" << joined(weights) << " limits=" << joined(limit_bytes)
                                << " name=" << name << " verbose=" << verbose << " inputs=" << joined(inputs)
                                << "\n";
                    });
}

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

// options_program(arguments) in a child process, its stdout and stderr
// captured.
Outcome run_program(const std::vector<std::string>& arguments) {
  TempDir dir;
  const std::string out_path = dir.file("out"), err_path = dir.file("err");
  std::cout.flush();
  const pid_t pid = ::fork();
  BOOST_TEST_REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0) ::_exit(99);
    const int status = options_program(arguments);
    std::cout.flush();
    ::_exit(status);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(pid, &status, 0) == pid);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), read_file(out_path), read_file(err_path)};
}

// The value NAME=... that the job printed.
std::string printed(const Outcome& outcome, const std::string& name) {
  std::istringstream in(outcome.out);
  for (std::string field; in >> field;) {
    if (field.starts_with(name + "=")) return field.substr(name.size() + 1);
  }
  return "<not printed>";
}

// The command line is a usage error with exactly this message.
void check_usage_error(const std::vector<std::string>& arguments, const std::string& message) {
  BOOST_TEST_CONTEXT(arguments.front()) {
    const Outcome outcome = run_program(arguments);
    BOOST_TEST(outcome.status == 2);
    BOOST_TEST(outcome.out == "");
    BOOST_TEST(outcome.err ==
               "options: error: " + message + "\nTry 'options --help' for more information.\n");
  }
}

// An option's line of --help: its spelling, then its description from
// column 30 on.
std::string row(std::string spelling, const std::string& description) {
  spelling.resize(30, ' ');
  return spelling + description;
}

// The line of --help that starts with `spelling`.
std::string help_line(const std::string& help, const std::string& spelling) {
  std::istringstream in(help);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(spelling + " ")) return line;
  }
  return "<no line for " + spelling + ">";
}

}  // namespace

BOOST_AUTO_TEST_CASE(defaults_stay_when_the_options_are_absent) {
  const Outcome outcome = run_program({"in.txt"});
  BOOST_TEST(outcome.status == 0);
  BOOST_TEST(outcome.err == "");
  BOOST_TEST(outcome.out ==
             "count=10 level=3 offset=-1 small=0 big=0 ratio=0.5 scale=1.5 buffer=4194304 mode=fast tags=a,b "
             "weights=5 limits= name= verbose=0 inputs=in.txt\n");
}

BOOST_AUTO_TEST_CASE(integers_take_good_values) {
  const Outcome outcome = run_program({"-n", "0", "--level=9", "--offset", "-2147483648", "--small=+127",
                                       "--big=18446744073709551615", "in.txt"});
  BOOST_TEST(outcome.status == 0);
  BOOST_TEST(printed(outcome, "count") == "0");
  BOOST_TEST(printed(outcome, "level") == "9");
  BOOST_TEST(printed(outcome, "offset") == "-2147483648");
  BOOST_TEST(printed(outcome, "small") == "127");
  BOOST_TEST(printed(outcome, "big") == "18446744073709551615");
}

BOOST_AUTO_TEST_CASE(integers_refuse_bad_values) {
  check_usage_error({"--count=ten", "in.txt"}, "--count must be an integer, not 'ten'");
  check_usage_error({"-n", "1.5", "in.txt"}, "--count must be an integer, not '1.5'");
  check_usage_error({"--count", "", "in.txt"}, "--count must be an integer, not ''");
  check_usage_error({"--count= 7", "in.txt"}, "--count must be an integer, not ' 7'");
  check_usage_error({"--count=-1", "in.txt"}, "--count must be at least 0, not '-1'");
  check_usage_error({"--count=99999999999999999999", "in.txt"},
                    "--count must be at most 9223372036854775807, not '99999999999999999999'");
  check_usage_error({"--level=10", "in.txt"}, "--level must be at most 9, not '10'");
  check_usage_error({"--level=-1", "in.txt"}, "--level must be at least 0, not '-1'");
  check_usage_error({"--offset=2147483648", "in.txt"},
                    "--offset must be at most 2147483647, not '2147483648'");
  check_usage_error({"--small=-129", "in.txt"}, "--small must be at least -128, not '-129'");
  check_usage_error({"--big=-99999999999999999999", "in.txt"},
                    "--big must be at least 0, not '-99999999999999999999'");
  check_usage_error({"--big=18446744073709551616", "in.txt"},
                    "--big must be at most 18446744073709551615, not '18446744073709551616'");
  check_usage_error({"--big=0x10", "in.txt"}, "--big must be an integer, not '0x10'");
}

BOOST_AUTO_TEST_CASE(floating_point_takes_good_values) {
  const Outcome outcome = run_program({"--ratio=1", "--scale=-2.5e3", "in.txt"});
  BOOST_TEST(outcome.status == 0);
  BOOST_TEST(printed(outcome, "ratio") == "1");
  BOOST_TEST(printed(outcome, "scale") == "-2500");
  BOOST_TEST(printed(run_program({"--ratio=+.25", "in.txt"}), "ratio") == "0.25");
  BOOST_TEST(printed(run_program({"--scale=1e-999", "in.txt"}), "scale") == "0");
}

BOOST_AUTO_TEST_CASE(floating_point_refuses_bad_values) {
  check_usage_error({"--ratio=half", "in.txt"}, "--ratio must be a number, not 'half'");
  check_usage_error({"--ratio=0.5x", "in.txt"}, "--ratio must be a number, not '0.5x'");
  check_usage_error({"--ratio=nan", "in.txt"}, "--ratio must be a number, not 'nan'");
  check_usage_error({"--scale=inf", "in.txt"}, "--scale must be a number, not 'inf'");
  check_usage_error({"--ratio=1.5", "in.txt"}, "--ratio must be at most 1, not '1.5'");
  check_usage_error({"--ratio=-0.1", "in.txt"}, "--ratio must be at least 0, not '-0.1'");
  check_usage_error({"--scale=1e39", "in.txt"}, "--scale must be at most 3.4028235e+38, not '1e39'");
  check_usage_error({"--scale=-1e999", "in.txt"}, "--scale must be at least -3.4028235e+38, not '-1e999'");
}

BOOST_AUTO_TEST_CASE(sizes_take_binary_units) {
  const std::vector<std::pair<std::string, std::string>> sizes = {{"1024", "1024"},
                                                                  {"1K", "1024"},
                                                                  {"64k", "65536"},
                                                                  {"4M", "4194304"},
                                                                  {"1G", "1073741824"},
                                                                  {"2t", "2199023255552"},
                                                                  {"16777215T", "18446742974197923840"}};
  for (const auto& [text, bytes] : sizes) {
    BOOST_TEST(printed(run_program({"--buffer=" + text, "in.txt"}), "buffer") == bytes, text);
  }
}

BOOST_AUTO_TEST_CASE(sizes_refuse_bad_values) {
  const std::string what = " must be a size in bytes (such as 512, 64K, 4M or 1G), not ";
  check_usage_error({"--buffer=4Q", "in.txt"}, "--buffer" + what + "'4Q'");
  check_usage_error({"--buffer=1.5M", "in.txt"}, "--buffer" + what + "'1.5M'");
  check_usage_error({"--buffer=M", "in.txt"}, "--buffer" + what + "'M'");
  check_usage_error({"--buffer=-1K", "in.txt"}, "--buffer" + what + "'-1K'");
  check_usage_error({"--buffer=4MB", "in.txt"}, "--buffer" + what + "'4MB'");
  check_usage_error({"--buffer=1023", "in.txt"}, "--buffer must be at least 1K, not '1023'");
  check_usage_error({"--buffer=16777216T", "in.txt"},
                    "--buffer must be at most 18446744073709551615, not '16777216T'");
}

BOOST_AUTO_TEST_CASE(choices_take_their_names_only) {
  BOOST_TEST(printed(run_program({"--mode=exact", "in.txt"}), "mode") == "exact");
  BOOST_TEST(printed(run_program({"--mode", "lazy", "in.txt"}), "mode") == "lazy");
  check_usage_error({"--mode=slow", "in.txt"}, "--mode must be fast, exact or lazy, not 'slow'");
  check_usage_error({"--mode=Fast", "in.txt"}, "--mode must be fast, exact or lazy, not 'Fast'");
}

BOOST_AUTO_TEST_CASE(repeated_options_append_after_dropping_the_default) {
  const Outcome outcome = run_program({"-t", "x", "--tag=y", "--weight=3", "--weight", "1", "--limit=1K",
                                       "--limit=2", "--tag", "", "in.txt"});
  BOOST_TEST(outcome.status == 0);
  BOOST_TEST(printed(outcome, "tags") == "x,y,");
  BOOST_TEST(printed(outcome, "weights") == "3,1");
  BOOST_TEST(printed(outcome, "limits") == "1024,2");
  check_usage_error({"--weight=2", "--weight=0", "in.txt"}, "--weight must be at least 1, not '0'");
  check_usage_error({"--limit=1K", "--limit=lots", "in.txt"},
                    "--limit must be a size in bytes (such as 512, 64K, 4M or 1G), not 'lots'");
}

BOOST_AUTO_TEST_CASE(single_options_given_twice_are_usage_errors) {
  for (const std::string option : {"--count=1", "--name=a", "--mode=fast"}) {
    const Outcome outcome = run_program({option, option, "in.txt"});
    BOOST_TEST(outcome.status == 2, option);
    BOOST_TEST(outcome.err.find("cannot be specified more than once") != std::string::npos, outcome.err);
  }
}

BOOST_AUTO_TEST_CASE(strings_and_flags_work_as_before) {
  const Outcome outcome = run_program({"--name", "some name", "--verbose", "in.txt"});
  BOOST_TEST(outcome.status == 0);
  BOOST_TEST(outcome.out.find(" name=some name verbose=1 ") != std::string::npos, outcome.out);
}

BOOST_AUTO_TEST_CASE(help_wins_over_bad_values) {
  const Outcome outcome = run_program({"--count=bad", "--help"});
  BOOST_TEST(outcome.status == 0);
  BOOST_TEST(outcome.out.starts_with("Usage: options [OPTION]... INPUT...\n"));
}

BOOST_AUTO_TEST_CASE(help_shows_each_job_option_with_its_default) {
  const Outcome outcome = run_program({"--help"});
  BOOST_TEST(outcome.status == 0);
  const std::string& help = outcome.out;
  BOOST_TEST(help_line(help, "  -n, --count=N") == row("  -n, --count=N", "how many (default: 10)"));
  BOOST_TEST(help_line(help, "      --level=L") == row("      --level=L", "how hard (default: 3)"));
  BOOST_TEST(help_line(help, "      --offset=K") == row("      --offset=K", "where to start (default: -1)"));
  BOOST_TEST(help_line(help, "      --ratio=R") == row("      --ratio=R", "a fraction (default: 0.5)"));
  BOOST_TEST(help_line(help, "      --scale=X") == row("      --scale=X", "a float (default: 1.5)"));
  BOOST_TEST(help_line(help, "      --buffer=SIZE") ==
             row("      --buffer=SIZE", "a buffer size (default: 4M)"));
  BOOST_TEST(help_line(help, "      --mode=fast|exact|lazy") ==
             row("      --mode=fast|exact|lazy", "how to run (default: fast)"));
  BOOST_TEST(help_line(help, "  -t, --tag=TAG") ==
             row("  -t, --tag=TAG", "a tag (repeatable) (default: a, b)"));
  BOOST_TEST(help_line(help, "      --weight=W") ==
             row("      --weight=W", "a weight (repeatable) (default: 5)"));
  BOOST_TEST(help_line(help, "      --name=NAME") == row("      --name=NAME", "a name"));
  BOOST_TEST(help_line(help, "      --verbose") == row("      --verbose", "say more"));
  // Under "Job options", after the shared ones.
  const auto shared = help.find("\nOptions:\n"), job = help.find("\nJob options:\n");
  BOOST_TEST_REQUIRE(shared != std::string::npos);
  BOOST_TEST_REQUIRE(job != std::string::npos);
  BOOST_TEST(shared < job);
  BOOST_TEST(help.find("--processes=N") < job);
  for (const std::string spelling : {"--count=N", "--mode=", "--tag=TAG", "--verbose"}) {
    BOOST_TEST(help.find(spelling) > job, spelling);
  }
}
