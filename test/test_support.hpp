#pragma once

// Helpers the test suites share: a temporary directory per test, whole-file
// reads and writes, the checks that a job left nothing behind (child
// processes, /dev/shm entries), and the message of the error a job throws.
// Header-only, for Boost.Test programs only (include it after defining
// BOOST_TEST_MODULE).

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>

#include <boost/test/unit_test.hpp>

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

}  // namespace mapreduce::test
