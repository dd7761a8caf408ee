#pragma once

// Helpers the test suites share: a temporary directory per test, whole-file
// reads and writes, the checks that a job left nothing behind (child
// processes, /dev/shm entries, open descriptors), a watchdog against hangs,
// the fixture that bundles them for tests that run jobs, the deliberate
// crashes and the input of the fault tests, and the message of the error a
// job throws. Header-only, for Boost.Test programs only (include it after
// defining BOOST_TEST_MODULE).

#include <dirent.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <mapreduce/options.hpp>

namespace mapreduce::test {

// A fresh directory under /tmp (mkdtemp), removed with its contents when the
// object goes. Use it as a Boost.Test fixture or as a local.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/mapreduce-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes `contents` to `name` inside the directory and returns its path.
  std::string write(std::string_view name, std::string_view contents) const;

 private:
  std::string path_;
};

// Replaces the file at `path` with exactly `contents`.
inline void write_file(const std::string& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The bytes of the file at `path`.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string TempDir::write(std::string_view name, std::string_view contents) const {
  std::string path = file(name);
  write_file(path, contents);
  return path;
}

// The names in a directory, without "." and "..".
inline std::set<std::string> directory_entries(const std::string& path) {
  std::set<std::string> names;
  if (DIR* dir = ::opendir(path.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace(name);
    }
    ::closedir(dir);
  }
  return names;
}

// The entries of `after` that are not in `before`, space-separated ("" when
// none): for BOOST_TEST(new_entries(before, after) == "").
inline std::string new_entries(const std::set<std::string>& before, const std::set<std::string>& after) {
  std::string added;
  for (const std::string& name : after) {
    if (!before.contains(name)) added += (added.empty() ? "" : " ") + name;
  }
  return added;
}

// True when this process has no child at all, running or zombie: what every
// run must leave behind (waitpid(-1, WNOHANG) fails with ECHILD). When the
// check fails on a zombie, it reaps that one zombie.
inline bool no_child_left() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

// This process's open file descriptors, each with what /proc/self/fd says it
// refers to (its readlink target): "/memfd:mapreduce-map (deleted)",
// "pipe:[4242]", "/tmp/mapreduce-test-Ab12Cd/out.txt". Throws when
// /proc/self/fd cannot be read, so that a check built on it cannot pass by
// seeing nothing.
using Descriptors = std::map<int, std::string>;

inline Descriptors open_descriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) throw std::runtime_error("cannot read /proc/self/fd");
  const int own = ::dirfd(dir);  // open only while we look: not one of the process's
  Descriptors descriptors;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    int fd = -1;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (error != std::errc() || end != name.data() + name.size() || fd == own) continue;  // "." and ".."
    char target[PATH_MAX];
    const ssize_t length = ::readlinkat(own, entry->d_name, target, sizeof target);
    descriptors.emplace(
        fd, length < 0 ? std::string("?") : std::string(target, static_cast<std::size_t>(length)));
  }
  ::closedir(dir);
  return descriptors;
}

// The descriptors of `after` that `before` did not have, "FD -> TARGET"
// comma-separated ("" when none): for BOOST_TEST(new_descriptors(before,
// after) == ""). A number that now refers to something else counts as new
// (it was closed and reopened, or dup2'd over, and not put back); one that
// was closed is no leak and is not reported.
inline std::string new_descriptors(const Descriptors& before, const Descriptors& after) {
  std::string added;
  for (const auto& [fd, target] : after) {
    const auto was = before.find(fd);
    if (was != before.end() && was->second == target) continue;
    added += (added.empty() ? "" : ", ") + std::to_string(fd) + " -> " + target;
  }
  return added;
}

// What a test that runs jobs must leave as it found it, recorded when the
// object is made: no child process, running or zombie (a worker not reaped);
// no new /dev/shm entry (a named segment, which outlives every process); and
// no new open descriptor in this process (a memfd arena or input spool, a
// pipe, an output file left open). The last is the only one that sees a
// leaked memfd: it has no name in /dev/shm, yet holds its memory for as long
// as the descriptor is open.
class LeakCheck {
 public:
  // What is new since the object was made ("" when nothing): the check's
  // findings, also for tests that prove the check can fail.
  std::string shm_entries_added() const { return new_entries(shm_before_, directory_entries("/dev/shm")); }
  std::string descriptors_opened() const { return new_descriptors(descriptors_before_, open_descriptors()); }

  // One BOOST_TEST each for the child processes, /dev/shm and the
  // descriptors; a failure prints what was left behind.
  void check() const {
    BOOST_TEST(no_child_left());
    BOOST_TEST(shm_entries_added() == "");
    BOOST_TEST(descriptors_opened() == "");
  }

 private:
  std::set<std::string> shm_before_ = directory_entries("/dev/shm");
  Descriptors descriptors_before_ = open_descriptors();
};

// Fails a test that hangs long before meson's timeout, which would kill the
// whole program without saying which case hung: when made, arms
// alarm(seconds) with a handler that names the running test case on stderr
// and ends the program with status 1 (the workers die with it,
// PR_SET_PDEATHSIG); disarmed when it goes. One at a time: a process has one
// alarm.
class Watchdog {
 public:
  explicit Watchdog(unsigned seconds) : seconds_(seconds) {
    const std::string text = "watchdog: " + boost::unit_test::framework::current_test_case().full_name() +
                             " still running after " + std::to_string(seconds) + " seconds\n";
    // Made here, where allocating is allowed; the handler only writes it.
    message_length_ = std::min(text.size(), sizeof message_);
    std::memcpy(message_, text.data(), message_length_);
    std::signal(SIGALRM, on_alarm);
    restart();
  }
  ~Watchdog() { ::alarm(0); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // The whole time again from now: for a fixture that did slow work of its
  // own (made a shared input) that should not count against the test.
  void restart() const { ::alarm(seconds_); }

 private:
  static void on_alarm(int) {
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, message_, message_length_);
    ::_exit(1);
  }

  static inline char message_[1024];
  static inline std::size_t message_length_ = 0;
  unsigned seconds_;
};

// s with bytes other than printable ASCII (and backslashes) as \xNN, for
// messages.
inline std::string escaped(std::string_view s) {
  std::string text;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      text += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      text += "\\x";
      text += kHex[u >> 4];
      text += kHex[u & 15];
    }
  }
  return text;
}

// Whether `text` says "line N" for exactly this N (not N0 or N1).
inline bool names_line(const std::string& text, std::size_t line) {
  const std::string phrase = "line " + std::to_string(line);
  for (std::size_t at = text.find(phrase); at != std::string::npos; at = text.find(phrase, at + 1)) {
    const std::size_t after = at + phrase.size();
    if (after == text.size() || text[after] < '0' || text[after] > '9') return true;
  }
  return false;
}

// "" when a and b are equal; otherwise where they first differ, with a little
// context, so that a failure does not print megabytes.
inline std::string first_difference(std::string_view expected, std::string_view actual) {
  if (expected == actual) return "";
  std::size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  auto excerpt = [i](std::string_view s) {
    const std::size_t from = i < 20 ? 0 : i - 20;
    return escaped(s.substr(from, 60));
  };
  std::ostringstream message;
  message << "sizes " << expected.size() << " and " << actual.size() << ", first difference at byte " << i
          << ": expected \"" << excerpt(expected) << "\", got \"" << excerpt(actual) << "\"";
  return message.str();
}

// Runs `run` and returns the message of the Expected it throws; reports any
// other outcome as a failure.
template <class Expected, class F>
std::optional<std::string> message_of(F&& run) {
  try {
    run();
  } catch (const Expected& e) {
    return std::string(e.what());
  } catch (const std::exception& e) {
    BOOST_ERROR("expected " << typeid(Expected).name() << ", got " << typeid(e).name() << ": " << e.what());
    return std::nullopt;
  }
  BOOST_ERROR("run() did not throw");
  return std::nullopt;
}

// The fixture of a test that runs jobs: a temporary directory (the TempDir
// base), a watchdog of kWatchdogSeconds against hangs (by default two
// minutes: far more than any case takes, far less than meson's 300 s), and
// after the test, even one that ended in a failed BOOST_TEST_REQUIRE, the
// LeakCheck (no child process, no new /dev/shm entry, no new open
// descriptor) from before the test's first line. A suite names it once:
// using Fixture = JobFixture<60>.
template <unsigned kWatchdogSeconds = 120>
class JobFixture : public TempDir {
 public:
  ~JobFixture() { leaks_.check(); }

  // What the test has left behind so far.
  const LeakCheck& leaks() const { return leaks_; }

 private:
  // First, so that whatever a derived fixture does in its constructor is
  // checked too.
  LeakCheck leaks_;

 protected:
  Watchdog watchdog_{kWatchdogSeconds};
};

// For suites whose workers crash on purpose: no core file per deliberate
// crash. Lasts for the process and the workers it forks.
inline void disable_core_files() {
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

// A real invalid access (not raise(SIGSEGV)): a write to a page that may not
// be written. The worker inherited Boost.Test's handler for SIGSEGV, which
// would report the crash as a test error and exit; a crash of a plain program
// has none.
[[noreturn]] inline void segfault() {
  std::signal(SIGSEGV, SIG_DFL);
  void* page = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page != MAP_FAILED) *static_cast<volatile char*>(page) = 1;
  std::raise(SIGSEGV);
  ::_exit(99);
}

// The input of the fault tests: line i (from 1) is "i k<i % modulus>
// k<i % 13> " and `padding` bytes 'p', so that a mapper knows its line number
// from the line itself, whichever task reads it, and a large input spans
// several map tasks. No final newline.
inline std::string numbered_input(std::size_t lines, std::size_t padding, std::size_t modulus) {
  std::string text;
  text.reserve(lines * (padding + 20));
  for (std::size_t i = 1; i <= lines; ++i) {
    text += std::to_string(i) + " k" + std::to_string(i % modulus) + " k" + std::to_string(i % 13) + " ";
    text.append(padding, 'p');
    if (i < lines) text += '\n';
  }
  return text;
}

// The number a line of numbered_input() starts with.
inline std::size_t line_number(std::string_view line) {
  std::size_t number = 0;
  std::from_chars(line.data(), line.data() + line.size(), number);
  return number;
}

// Calls f for each run of bytes other than ' ' in `line`: the tests' word
// rule.
template <class F>
void for_each_space_separated_word(std::string_view line, F&& f) {
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) f(line.substr(start, i - start));
  }
}

// Calls f for each word after the number that starts with 'k': what the
// fault tests' mappers emit.
template <class F>
void for_each_k_word(std::string_view line, F&& f) {
  std::size_t i = line.find(' ');
  while (i != std::string_view::npos && i + 1 < line.size()) {
    const std::size_t end = std::min(line.find(' ', i + 1), line.size());
    const std::string_view word = line.substr(i + 1, end - i - 1);
    if (word.starts_with("k")) f(word);
    i = end;
  }
}

// The examples' word rule, [A-Za-z0-9_']+, written apart from the library:
// calls f for each word of `line`.
template <class F>
void for_each_word(std::string_view line, F&& f) {
  const auto is_word_byte = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '\'';
  };
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && !is_word_byte(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && is_word_byte(line[i])) ++i;
    if (i > start) f(line.substr(start, i - start));
  }
}

// FNV-1a of `bytes`: a hash the tests compute alike everywhere.
inline std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// A value of wildly varying magnitude and sign made from `line`, so that
// summing the same values in another order almost always changes the last
// bits: what shows a floating-point fold's order.
inline double value_of(std::string_view line) {
  const std::uint64_t h = fnv1a(line);
  const double mantissa = static_cast<double>(h >> 11) * 0x1.0p-53;
  const int exponent = static_cast<int>(h % 31) * 3 - 45;
  return std::ldexp((h & 0x20) ? -mantissa : mantissa, exponent);
}

// How a run is made: the sequential engine (processes 0) or the concurrent
// one with that many processes; the output to `out` when given.
inline mapreduce::Options options_for(unsigned processes) {
  mapreduce::Options options;
  if (processes == 0) {
    options.sequential = true;
  } else {
    options.processes = processes;
  }
  return options;
}
inline mapreduce::Options options_for(unsigned processes, std::ostream& out) {
  mapreduce::Options options = options_for(processes);
  options.output_stream = &out;
  return options;
}

// A model of the lines of a text, written independently of the library: '\n'
// ends a line, a '\r' right before it is dropped, a last line without '\n'
// still counts. The views point into `text`.
inline std::vector<std::string_view> model_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') continue;
    std::string_view line = text.substr(start, i - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

}  // namespace mapreduce::test
