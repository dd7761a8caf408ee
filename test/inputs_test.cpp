// The inputs of a job: several files read in turn (a line never spans two),
// directories (their regular files in name order, hidden '.' and '_' names
// and subdirectories left out), "-" for standard input (a pipe, spooled; a
// redirected file, read whole), compressed files and standard input (gzip,
// Zstandard, bzip2, xz and lz4, recognised by content whatever the name;
// concatenated members, frames and streams, lines across the decompressor's
// 4 MiB blocks, corrupt and truncated data, formats recognised but not
// supported, line numbers in errors), and the same output from the
// sequential engine and the concurrent one at several process counts. The
// expected output comes from a model that splits the uncompressed texts by
// hand; compressed inputs are made here with each format's library.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE inputs
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "compression_support.hpp"
#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

using mapreduce::test::bzip2;
using mapreduce::test::first_difference;
using mapreduce::test::gzip;
using mapreduce::test::JobFixture;
using mapreduce::test::lz4;
using mapreduce::test::message_of;
using mapreduce::test::model_lines;
using mapreduce::test::names_line;
using mapreduce::test::options_for;
using mapreduce::test::read_file;
using mapreduce::test::TempDir;
using mapreduce::test::xz;
using mapreduce::test::zstd;

constexpr std::string_view kMessage = "deliberate failure 5e1f";

// Groups lines by their first byte ("" for an empty line); reducer prints how
// many lines it got and the lines themselves, joined by '|', in the order
// they reached it. So the output shows which lines were read, where they were
// cut, and in what order the inputs were read. mapper throws on the line
// `fail_on` when that is set.
struct Lines final : mapreduce::MapReduceConcurrent<Lines, std::string, std::string> {
  Lines(std::vector<std::string> inputs, mapreduce::Options options, std::string fail_on = {})
      : MapReduceConcurrent(std::move(inputs), std::move(options)), fail_on_(std::move(fail_on)) {}
  int setups = 0;
  void setup() { ++setups; }
  void mapper(std::string_view line, Emitter& emit) {
    if (!fail_on_.empty() && line == fail_on_) throw std::runtime_error(std::string(kMessage));
    emit(line.substr(0, line.empty() ? 0 : 1), line);
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, Values lines) {
    std::string text = std::to_string(lines.size()) + ":";
    bool first = true;
    for (std::string_view line : lines) {
      if (!first) text += '|';
      text += line;
      first = false;
    }
    return {key, text};
  }

 private:
  std::string fail_on_;
};

// The model: the lines of each text, split by hand (model_lines), then what
// Lines prints for all of them, read in the order given.
std::string expected_output(const std::vector<std::string_view>& texts) {
  std::map<std::string, std::vector<std::string>> groups;  // byte order, as std::string compares
  for (std::string_view text : texts) {
    for (std::string_view line : model_lines(text)) {
      groups[std::string(line.substr(0, line.empty() ? 0 : 1))].emplace_back(line);
    }
  }
  std::string out;
  for (const auto& [key, lines] : groups) {
    out += key + "\t" + std::to_string(lines.size()) + ":";
    for (std::size_t i = 0; i < lines.size(); ++i) out += (i == 0 ? "" : "|") + lines[i];
    out += '\n';
  }
  return out;
}

std::string run_lines(const std::vector<std::string>& inputs, unsigned processes = 0) {
  std::ostringstream out;
  Lines(inputs, options_for(processes, out)).run();
  return out.str();
}

// This process's standard input replaced by the read end of a pipe that a
// forked child fills with `text` (more than a pipe holds, so the child must
// write while the job reads), or by an open file. finish() puts the old
// standard input back and reaps the child.
class StandardInput {
 public:
  static StandardInput pipe_of(std::string_view text) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(fds[0]);
      std::size_t done = 0;
      while (done < text.size()) {
        const ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
        if (n <= 0) ::_exit(1);
        done += static_cast<std::size_t>(n);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    return StandardInput(fds[0], pid);
  }
  // The file at `path`, its offset moved to `offset`.
  static StandardInput file(const std::string& path, off_t offset) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0 || ::lseek(fd, offset, SEEK_SET) != offset) throw std::runtime_error("cannot open " + path);
    return StandardInput(fd, -1);
  }
  StandardInput(StandardInput&& other) noexcept
      : saved_(std::exchange(other.saved_, -1)), writer_(std::exchange(other.writer_, -1)) {}
  ~StandardInput() { finish(); }

  // Restores standard input; true when the writer (if any) wrote everything.
  bool finish() {
    if (saved_ < 0) return true;
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
    saved_ = -1;
    if (writer_ < 0) return true;
    int status = 0;
    ::waitpid(writer_, &status, 0);
    writer_ = -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

 private:
  StandardInput(int fd, pid_t writer) : saved_(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)), writer_(writer) {
    if (saved_ < 0) {  // no standard input at all: /dev/null takes its place afterwards
      const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      saved_ = ::fcntl(null, F_DUPFD_CLOEXEC, 3);
      ::close(null);
    }
    ::dup2(fd, STDIN_FILENO);
    ::close(fd);
  }
  int saved_;
  pid_t writer_;
};

// Random lines of letters (so that the first bytes repeat), some empty, some
// ending in "\r\n", some long; no final newline when `final_newline` is
// false.
std::string random_text(std::mt19937_64& random, std::size_t bytes, bool final_newline = true) {
  std::string text;
  while (text.size() < bytes) {
    const std::size_t length = random() % 9 == 0 ? random() % 3000 : random() % 80;
    for (std::size_t i = 0; i < length; ++i) text += static_cast<char>('a' + random() % 26);
    text += random() % 7 == 0 ? "\r\n" : "\n";
  }
  if (!final_newline) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    text += "end";
  }
  return text;
}

using Fixture = JobFixture<>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(inputs, Fixture)

BOOST_AUTO_TEST_CASE(several_files_are_read_in_the_order_given_and_no_line_spans_two) {
  // a.txt ends without a newline: "a2" must not run into "b1".
  const std::string a = write("a.txt", "a1\na2");
  const std::string b = write("b.txt", "b1\n\nab\r\n");
  const std::string empty = write("empty.txt", "");
  const std::string c = write("c.txt", "\r\nc1");
  const std::string expected = expected_output({"a1\na2", "b1\n\nab\r\n", "", "\r\nc1"});
  BOOST_TEST(expected == "\t2:|\na\t3:a1|a2|ab\nb\t1:b1\nc\t1:c1\n");
  for (unsigned processes : {0u, 1u, 3u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      BOOST_TEST(run_lines({a, b, empty, c}, processes) == expected);
      // Given the other way round, b's lines come first.
      BOOST_TEST(run_lines({c, b, a}, processes) == "\t2:|\na\t3:ab|a1|a2\nb\t1:b1\nc\t1:c1\n");
      // The same file twice is read twice.
      BOOST_TEST(run_lines({a, a}, processes) == "a\t4:a1|a2|a1|a2\n");
    }
  }
}

BOOST_AUTO_TEST_CASE(large_files_in_turn_as_one_input) {
  std::mt19937_64 random(11);
  // 2.5 MiB and 1.2 MiB: several map tasks each, the first without a final
  // newline.
  const std::string first = random_text(random, 5 << 19, false);
  const std::string second = random_text(random, 1200 << 10);
  const std::string a = write("a.txt", first);
  const std::string b = write("b.txt", second);
  const std::string expected = expected_output({first, second});
  for (unsigned processes : {0u, 2u, 5u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      BOOST_TEST(first_difference(expected, run_lines({a, b}, processes)) == "");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_directory_gives_its_regular_files_in_name_order) {
  const std::string dir = file("in");
  std::filesystem::create_directories(dir + "/sub");
  std::filesystem::create_directories(dir + "/_logs");
  write("in/b", "b1\n");
  write("in/a9", "a9\n");
  write("in/a10", "a10");  // before a9 in byte order; no final newline
  write("in/C", "C1\n");   // upper case sorts first
  write("in/.hidden", "hidden\n");
  write("in/_SUCCESS", "success\n");
  write("in/_logs/log", "log\n");
  write("in/sub/x", "sub\n");
  write("in/d.gz", gzip("d1\nd2\n"));
  write("in/e.zst", zstd("e1\n"));
  const std::string expected = "C\t1:C1\na\t2:a10|a9\nb\t1:b1\nd\t2:d1|d2\ne\t1:e1\n";
  for (unsigned processes : {0u, 2u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      BOOST_TEST(run_lines({dir}, processes) == expected);
      BOOST_TEST(run_lines({dir + "/"}, processes) == expected);
      // A directory among files: its files take its place in the order.
      const std::string before = write("before.txt", "a0\n");
      BOOST_TEST(run_lines({before, dir, before}, processes) ==
                 "C\t1:C1\na\t4:a0|a10|a9|a0\nb\t1:b1\nd\t2:d1|d2\ne\t1:e1\n");
    }
  }
}

BOOST_AUTO_TEST_CASE(an_empty_directory_gives_empty_output) {
  std::filesystem::create_directories(file("empty"));
  for (unsigned processes : {0u, 2u}) {
    BOOST_TEST(run_lines({file("empty")}, processes) == "");
  }
  std::filesystem::create_directories(file("only-hidden"));
  write("only-hidden/.x", "x\n");
  BOOST_TEST(run_lines({file("only-hidden")}, 2) == "");
}

BOOST_AUTO_TEST_CASE(a_directory_of_more_files_than_descriptors) {
  // Hadoop output directories hold thousands of part files; the job must not
  // need a descriptor per file.
  std::filesystem::create_directories(file("many"));
  std::string expected_values;
  for (int i = 0; i < 300; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "many/part-%05d", i);
    write(name, "m" + std::to_string(i) + "\n");
    expected_values += (i == 0 ? "" : "|") + ("m" + std::to_string(i));
  }
  rlimit saved{};
  ::getrlimit(RLIMIT_NOFILE, &saved);
  rlimit low = saved;
  low.rlim_cur = 100;
  BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  std::string out_sequential;
  std::string out_concurrent;
  std::string error;
  try {
    out_sequential = run_lines({file("many")}, 0);
    out_concurrent = run_lines({file("many")}, 2);
  } catch (const std::exception& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);
  BOOST_TEST(error == "");
  BOOST_TEST(out_sequential == "m\t300:" + expected_values + "\n");
  BOOST_TEST(out_concurrent == out_sequential);
}

BOOST_AUTO_TEST_CASE(a_missing_input_among_several_fails_before_any_work) {
  const std::string good = write("good.txt", "g\n");
  const std::string missing = file("missing.txt");
  std::ostringstream out;
  Lines job({good, missing}, options_for(2, out));
  const auto what = message_of<mapreduce::InputError>([&] { job.run(); });
  if (what) BOOST_TEST(what->find(missing) != std::string::npos, *what);
  BOOST_TEST(job.setups == 0);
  BOOST_TEST(out.str().size() == 0u);
}

BOOST_AUTO_TEST_CASE(standard_input_from_a_pipe) {
  std::mt19937_64 random(5);
  // 1.5 MiB, more than a pipe holds, cut into two map tasks once spooled.
  const std::string text = random_text(random, 3 << 19, false);
  const std::string expected = expected_output({text});
  for (unsigned processes : {0u, 1u, 3u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      StandardInput input = StandardInput::pipe_of(text);
      const std::string out = run_lines({"-"}, processes);
      BOOST_TEST(input.finish());
      BOOST_TEST(first_difference(expected, out) == "");
    }
  }
  // Between files, as one of the inputs.
  const std::string a = write("a.txt", "a1\nx");
  StandardInput input = StandardInput::pipe_of("a2\ny");
  BOOST_TEST(run_lines({a, "-", a}, 2) == "a\t3:a1|a2|a1\nx\t2:x|x\ny\t1:y\n");
  BOOST_TEST(input.finish());
}

BOOST_AUTO_TEST_CASE(an_empty_pipe_gives_empty_output) {
  StandardInput input = StandardInput::pipe_of("");
  BOOST_TEST(run_lines({"-"}, 2) == "");
  BOOST_TEST(input.finish());
}

BOOST_AUTO_TEST_CASE(standard_input_redirected_from_a_file_is_read_whole) {
  const std::string path = write("in.txt", "a1\nb1\na2\n");
  // Whatever its offset: the file is mapped, not read from where it stands.
  StandardInput input = StandardInput::file(path, 3);
  BOOST_TEST(run_lines({"-"}, 2) == "a\t2:a1|a2\nb\t1:b1\n");
  BOOST_TEST(run_lines({"-"}, 0) == "a\t2:a1|a2\nb\t1:b1\n");
}

BOOST_AUTO_TEST_CASE(standard_input_twice_is_a_usage_error) {
  StandardInput input = StandardInput::pipe_of("a\n");
  std::ostringstream out;
  message_of<mapreduce::UsageError>([&] { Lines({"-", "-"}, options_for(0, out)).run(); });
  BOOST_TEST(out.str().size() == 0u);
}

BOOST_AUTO_TEST_CASE(compressed_files_are_decompressed) {
  const std::string text = "z1\r\nz2\n\nq\nz3";  // CRLF, an empty line, no final newline
  const std::string gz = write("in.gz", gzip(text));
  const std::string zst = write("in.zst", zstd(text));
  const std::string fast_gz = write("fast.gz", gzip(text, 1));
  const std::string expected = "\t1:\nq\t1:q\nz\t3:z1|z2|z3\n";
  BOOST_TEST(expected_output({text}) == expected);
  for (unsigned processes : {0u, 1u, 2u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      BOOST_TEST(run_lines({gz}, processes) == expected);
      BOOST_TEST(run_lines({zst}, processes) == expected);
      BOOST_TEST(run_lines({fast_gz}, processes) == expected);
      // "z3" ends gz without a newline; it must not run into the next input.
      BOOST_TEST(run_lines({gz, zst}, processes) == "\t2:|\nq\t2:q|q\nz\t6:z1|z2|z3|z1|z2|z3\n");
    }
  }
  // A plain file, then a compressed one.
  const std::string plain = write("in.txt", "p\n");
  BOOST_TEST(run_lines({plain, gz}, 0) == "\t1:\np\t1:p\nq\t1:q\nz\t3:z1|z2|z3\n");
}

BOOST_AUTO_TEST_CASE(concatenated_gzip_members_and_zstd_frames) {
  // As `cat a.gz b.gz`: the second member continues the first one's text, an
  // empty member in between adds nothing.
  const std::string parts[] = {"a1\na2\n", "", "b1\nb", "2\nc1"};
  std::string gz;
  std::string zst;
  std::string text;
  for (const std::string& part : parts) {
    gz += gzip(part);
    zst += zstd(part);
    text += part;
  }
  write("cat.gz", gz);
  write("cat.zst", zst);
  const std::string expected = "a\t2:a1|a2\nb\t2:b1|b2\nc\t1:c1\n";
  BOOST_TEST(expected_output({text}) == expected);
  for (unsigned processes : {0u, 2u}) {
    BOOST_TEST(run_lines({file("cat.gz")}, processes) == expected);
    BOOST_TEST(run_lines({file("cat.zst")}, processes) == expected);
  }
}

namespace {

// A compressed format, the extension its tool gives a file, and data of it
// as its tool writes it.
struct Codec {
  const char* format;
  const char* extension;
  std::function<std::string(std::string_view)> compress;
};

std::vector<Codec> codecs() {
  return {{"gzip", ".gz", [](std::string_view text) { return gzip(text); }},
          {"zstd", ".zst", [](std::string_view text) { return zstd(text); }},
          {"bzip2", ".bz2", [](std::string_view text) { return bzip2(text); }},
          {"xz", ".xz", [](std::string_view text) { return xz(text); }},
          {"lz4", ".lz4", [](std::string_view text) { return lz4(text); }}};
}

// A zstd or lz4 skippable frame (magic 0x184D2A50 + `variant`) holding
// `payload`, as pzstd and some archivers put before or between frames.
std::string skippable_frame(unsigned variant, std::string_view payload) {
  std::string frame = {static_cast<char>(0x50 + variant), '\x2a', '\x4d', '\x18'};
  for (int shift = 0; shift < 32; shift += 8) frame += static_cast<char>(payload.size() >> shift & 0xff);
  return frame + std::string(payload);
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_format_is_decompressed_empty_and_concatenated_too) {
  const std::string text = "z1\r\nz2\n\nq\nz3";  // CRLF, an empty line, no final newline
  const std::string expected = "\t1:\nq\t1:q\nz\t3:z1|z2|z3\n";
  BOOST_TEST(expected_output({text}) == expected);
  // As `cat a b` of each format (pbzip2, xz, lz4 and pzstd write such data
  // too): the second stream continues the first one's text, an empty one
  // in between adds nothing.
  const std::string parts[] = {"a1\na2\n", "", "b1\nb", "2\nc1"};
  const std::string cat_expected = "a\t2:a1|a2\nb\t2:b1|b2\nc\t1:c1\n";
  for (const Codec& codec : codecs()) {
    const std::string plain = write(std::string("in") + codec.extension, codec.compress(text));
    const std::string empty = write(std::string("empty") + codec.extension, codec.compress(""));
    std::string joined;
    for (const std::string& part : parts) joined += codec.compress(part);
    const std::string cat = write(std::string("cat") + codec.extension, joined);
    for (unsigned processes : {0u, 1u, 2u}) {
      BOOST_TEST_CONTEXT(codec.format << ", processes " << processes) {
        BOOST_TEST(run_lines({plain}, processes) == expected);
        BOOST_TEST(run_lines({empty}, processes) == "");
        BOOST_TEST(run_lines({cat}, processes) == cat_expected);
        // "z3" ends the text without a newline; it must not run into the next input.
        BOOST_TEST(run_lines({plain, empty, plain}, processes) ==
                   "\t2:|\nq\t2:q|q\nz\t6:z1|z2|z3|z1|z2|z3\n");
      }
    }
  }
  // Skippable frames, before and between frames, are skipped: the frame
  // after them says whether the data is zstd or lz4.
  write("skip.zst", skippable_frame(0, "meta") + zstd("a1\n") + skippable_frame(15, "") + zstd("a2\n"));
  write("skip.lz4", skippable_frame(3, "pad") + skippable_frame(0, "") + lz4("a1\n") + lz4("a2\n"));
  write("skip-lz4.data", skippable_frame(1, std::string(70'000, 'x')) + lz4("a1\na2\n"));
  for (const char* name : {"skip.zst", "skip.lz4", "skip-lz4.data"}) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(run_lines({file(name)}, 2) == "a\t2:a1|a2\n"); }
  }
}

BOOST_AUTO_TEST_CASE(compression_is_recognised_by_content_whatever_the_name) {
  const std::string text = "n1\nn2\r\nm1";
  const std::string expected = expected_output({text});
  struct Named {
    const char* name;
    std::string bytes;
  };
  const Named cases[] = {
      {"upper.GZ", gzip(text)},        {"access.log", gzip(text)},  // gzip named as text
      {"notes.txt", xz(text)},         {"no-extension", bzip2(text)}, {"frames.lz4.part", lz4(text)},
      {"zstd-named.gz", zstd(text)},  // name and content disagree: the content wins
      {"bzip2-named.xz", bzip2(text)}, {"xz-named.BZ2", xz(text)},    {"gzip-named.lz4", gzip(text)},
  };
  for (const Named& named : cases) {
    const std::string path = write(named.name, named.bytes);
    for (unsigned processes : {0u, 2u}) {
      BOOST_TEST_CONTEXT(named.name << ", processes " << processes) {
        BOOST_TEST(run_lines({path}, processes) == expected);
      }
    }
  }
  // Text that merely starts like bzip2 or lzip data is text.
  const std::string like_bzip2 = write("like-bzip2.txt", "BZh is no stream\nBZh0\n");
  const std::string like_lzip = write("like-lzip.txt", "LZIP, the compressor\n");
  BOOST_TEST(run_lines({like_bzip2, like_lzip}, 0) ==
             "B\t2:BZh is no stream|BZh0\nL\t1:LZIP, the compressor\n");
}

BOOST_AUTO_TEST_CASE(compressed_standard_input_is_decompressed) {
  std::mt19937_64 random(5);
  // Larger than a pipe holds, compressed too.
  const std::string text = random_text(random, 1'500'000, false);
  const std::string expected = expected_output({text});
  for (const Codec& codec : codecs()) {
    const std::string compressed = codec.compress(text);
    const std::string path = write(std::string("stdin") + codec.extension, compressed);
    for (unsigned processes : {0u, 2u}) {
      BOOST_TEST_CONTEXT(codec.format << ", processes " << processes) {
        StandardInput pipe = StandardInput::pipe_of(compressed);
        BOOST_TEST(first_difference(expected, run_lines({"-"}, processes)) == "");
        BOOST_TEST(pipe.finish());
        // Redirected from a file: mapped, and recognised the same way.
        StandardInput redirected = StandardInput::file(path, 0);
        BOOST_TEST(first_difference(expected, run_lines({"-"}, processes)) == "");
      }
    }
  }
  // Compressed standard input between plain files: its text, in its place.
  const std::string before = write("before.txt", "b1\nb2");
  StandardInput pipe = StandardInput::pipe_of(xz("s1\nb3\n"));
  BOOST_TEST(run_lines({before, "-", before}, 2) == "b\t5:b1|b2|b3|b1|b2\ns\t1:s1\n");
  BOOST_TEST(pipe.finish());
}

BOOST_AUTO_TEST_CASE(formats_recognised_but_not_supported_are_errors_naming_the_file_and_format) {
  struct Unsupported {
    const char* name;
    std::string bytes;
    const char* format;  // as the message names it
  };
  const std::string junk = std::string("\x00\x01\x02junk after the magic\n", 22);
  const Unsupported cases[] = {
      {"old.Z", "\x1f\x9d\x90" + junk, "compress (.Z)"},
      {"data.lz", std::string("LZIP\x01\x0c", 6) + junk, "lzip"},
      {"data.lzo", std::string("\x89LZO\x00\r\n\x1a\n", 9) + junk, "lzop"},
      {"legacy.lz4", "\x02\x21\x4c\x18" + junk, "legacy"},
      {"archive.7z", "7z\xbc\xaf\x27\x1c" + junk, "7-Zip"},
      {"archive.zip", "PK\x03\x04" + junk, "zip archive"},
      {"empty.zip", "PK\x05\x06" + junk, "zip archive"},
      {"zip-named.txt", "PK\x03\x04" + junk, "zip archive"},
  };
  for (const Unsupported& unsupported : cases) {
    const std::string path = write(unsupported.name, unsupported.bytes);
    for (unsigned processes : {0u, 2u}) {
      BOOST_TEST_CONTEXT(unsupported.name << ", processes " << processes) {
        std::ostringstream out;
        const auto what =
            message_of<mapreduce::InputError>([&] { Lines({path}, options_for(processes, out)).run(); });
        if (what) {
          BOOST_TEST(what->find(path) != std::string::npos, *what);
          BOOST_TEST(what->find(unsupported.format) != std::string::npos, *what);
        }
        BOOST_TEST(out.str().size() == 0u);
      }
    }
  }
  // On standard input too, named as such.
  StandardInput pipe = StandardInput::pipe_of("\x1f\x9d\x90" + junk);
  std::ostringstream out;
  const auto what = message_of<mapreduce::InputError>([&] { Lines({"-"}, options_for(2, out)).run(); });
  if (what)
    BOOST_TEST(what->find("standard input is compressed by compress (.Z)") != std::string::npos, *what);
  BOOST_TEST(pipe.finish());
}

namespace {

struct Damage {
  std::string name;
  std::string bytes;
  const char* format;  // as the message names it
};

std::vector<Damage> damaged_inputs() {
  std::mt19937_64 random(3);
  const std::string text = random_text(random, 200'000);
  const std::string gz = gzip(text);
  const std::string zst = zstd(text);
  std::vector<Damage> cases;
  cases.push_back({"cut.gz", gz.substr(0, gz.size() - 4), "gzip"});   // no length in the trailer
  cases.push_back({"half.gz", gz.substr(0, gz.size() / 2), "gzip"});  // stops mid-stream
  cases.push_back({"header.gz", gz.substr(0, 5), "gzip"});            // stops in the header
  std::string flipped = gz;
  flipped[gz.size() / 2] = static_cast<char>(flipped[gz.size() / 2] ^ 0x55);
  cases.push_back({"flipped.gz", flipped, "gzip"});
  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] = static_cast<char>(bad_crc[gz.size() - 8] ^ 1);  // the CRC-32 of the text
  cases.push_back({"crc.gz", bad_crc, "gzip"});
  cases.push_back({"plain.gz", "just text, not gzip\n", "gzip"});
  cases.push_back({"trailing-member.gz", gz + gz.substr(0, 30), "gzip"});  // a second member cut short
  cases.push_back({"cut.zst", zst.substr(0, zst.size() - 3), "zstd"});     // no checksum
  cases.push_back({"half.zst", zst.substr(0, zst.size() / 2), "zstd"});
  std::string zst_flipped = zst;
  zst_flipped[zst.size() / 2] = static_cast<char>(zst_flipped[zst.size() / 2] ^ 0x55);
  cases.push_back({"flipped.zst", zst_flipped, "zstd"});
  std::string magic = zst;
  magic[0] = 'X';
  cases.push_back({"magic.zst", magic, "zstd"});
  cases.push_back({"plain.zst", "just text, not zstd\n", "zstd"});
  cases.push_back({"trailing-frame.zst", zst + zst.substr(0, 20), "zstd"});
  // Data cut before its first byte, or followed by bytes of no stream, in
  // every format, and the damage above to the other formats, with a stream
  // cut short after a whole one, as `cat a b` of an interrupted b.
  for (const Codec& codec : codecs()) {
    const std::string data = codec.compress(text);
    auto add = [&](const char* name, std::string bytes) {
      cases.push_back({name + std::string(codec.extension), std::move(bytes), codec.format});
    };
    add("zero-bytes", "");
    add("trailing-garbage", data + "garbage after the stream\n");
    if (std::string_view(codec.format) == "gzip" || std::string_view(codec.format) == "zstd") continue;
    add("cut", data.substr(0, data.size() - 3));
    add("half", data.substr(0, data.size() / 2));
    add("header", data.substr(0, 5));
    std::string flipped = data;
    flipped[data.size() / 2] = static_cast<char>(flipped[data.size() / 2] ^ 0x55);
    add("flipped", flipped);
    add("plain", "just text, not compressed\n");
    add("trailing-stream", data + data.substr(0, 20));
  }
  // Text whose name says it is compressed, in any case: the name is believed.
  cases.push_back({"plain.XZ", "just text, not xz\n", "xz"});
  cases.push_back({"plain.Lz4", "just text, not lz4\n", "lz4"});
  // Truncated data of a format whose name does not say so: the content said it.
  cases.push_back({"half-xz.txt", xz(text).substr(0, 5000), "xz"});
  cases.push_back({"half-bzip2.log", bzip2(text).substr(0, 5000), "bzip2"});
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_CASE(corrupt_or_truncated_data_is_an_input_error_naming_the_file) {
  for (const Damage& damage : damaged_inputs()) {
    const std::string path = write(damage.name, damage.bytes);
    for (unsigned processes : {0u, 2u}) {
      BOOST_TEST_CONTEXT(damage.name << ", processes " << processes) {
        std::ostringstream out;
        const auto what =
            message_of<mapreduce::InputError>([&] { Lines({path}, options_for(processes, out)).run(); });
        if (what) {
          BOOST_TEST(what->find(path) != std::string::npos, *what);
          BOOST_TEST(what->find(damage.format) != std::string::npos, *what);
        }
        BOOST_TEST(out.str().size() == 0u);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_kind_of_input_gives_the_same_output_at_every_process_count) {
  std::mt19937_64 random(21);
  const std::string dir_a = random_text(random, 300'000);
  const std::string dir_b = random_text(random, 1'100'000, false);
  const std::string gz_text = random_text(random, 900'000, false);
  const std::string stdin_text = random_text(random, 1'300'000);
  const std::string plain_text = random_text(random, 2'300'000, false);
  const std::string zst_text = random_text(random, 400'000);
  const std::string bz2_text = random_text(random, 700'000, false);
  const std::string xz_text = random_text(random, 500'000);
  const std::string lz4_text = random_text(random, 600'000, false);
  std::filesystem::create_directories(file("dir"));
  write("dir/part-a", dir_a);
  write("dir/part-b", dir_b);
  write("dir/_SUCCESS", "");
  write("dir/part-c", lz4(lz4_text));
  const std::vector<std::string> inputs = {file("dir"),
                                           write("in.gz", gzip(gz_text)),
                                           "-",
                                           write("plain.txt", plain_text),
                                           write("in.zst", zstd(zst_text)),
                                           write("in.bz2", bzip2(bz2_text)),
                                           write("xz.txt", xz(xz_text))};
  const std::string expected =
      expected_output({dir_a, dir_b, lz4_text, gz_text, stdin_text, plain_text, zst_text, bz2_text, xz_text});
  for (unsigned processes : {0u, 1u, 2u, 3u, 5u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      StandardInput input = StandardInput::pipe_of(stdin_text);
      const std::string out = run_lines(inputs, processes);
      BOOST_TEST(input.finish());
      BOOST_TEST(first_difference(expected, out) == "");
    }
  }
}

namespace {

// About 11 MiB of lines whose decompressed offsets fall across the
// decompressor's 4 MiB blocks (and the 2 MiB point where it hands on a
// block): a 5 MiB line that starts just before 4 MiB, longer than a block,
// and short random lines everywhere else, with the line `fail_line`
// (1-based) equal to kFailingLine, far past the first block.
constexpr std::string_view kFailingLine = "FAIL HERE";

std::string large_text(std::size_t& fail_line) {
  std::mt19937_64 random(99);
  std::string text;
  std::size_t lines = 0;
  auto add_line = [&](std::string line) {
    text += line;
    text += '\n';
    ++lines;
  };
  while (text.size() < (std::size_t(4) << 20) - 1000)
    add_line(std::string(random() % 120, 'a' + random() % 26));
  add_line("L" + std::string(std::size_t(5) << 20, 'l'));
  while (text.size() < (std::size_t(10) << 20)) add_line(std::string(random() % 200, 'a' + random() % 26));
  add_line(std::string(kFailingLine));
  fail_line = lines;
  while (text.size() < (std::size_t(11) << 20)) add_line(std::string(random() % 90, 'a' + random() % 26));
  text += "last";
  return text;
}

// Runs `run` in a forked child and returns the text it returned, the
// message of what it threw, or how the child died. A decompressor that
// writes out of bounds corrupts the heap of the process it runs in; in a
// child, with the default action for the crash signals (not Boost.Test's
// handlers, under which a crashed worker would go on running the test
// tree), that is one failed check, not the end of this test program.
std::string isolated(const TempDir& dir, const std::function<std::string()>& run) {
  const std::string result = dir.file("isolated-result");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) std::signal(signal, SIG_DFL);
    std::string text;
    try {
      text = run();
    } catch (const std::exception& e) {
      text = std::string("threw ") + typeid(e).name() + ": " + e.what();
    }
    try {
      mapreduce::test::write_file(result, text);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return "the process running the job was killed by signal " + std::to_string(WTERMSIG(status));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "the process running the job failed";
  return read_file(result);
}

}  // namespace

BOOST_AUTO_TEST_CASE(large_compressed_files_with_lines_across_the_blocks) {
  std::size_t fail_line = 0;
  const std::string text = large_text(fail_line);
  const std::string plain = write("big.txt", text);
  const std::string gz = write("big.gz", gzip(text, 1));
  const std::string zst = write("big.zst", zstd(text, 1));
  const std::string bz2 = write("big.bz2", bzip2(text, 1));
  const std::string xz_file = write("big.xz", xz(text, 0));
  const std::string lz4_file = write("big.lz4", lz4(text));
  const std::string expected = expected_output({text});
  for (unsigned processes : {0u, 3u}) {
    for (const std::string& path : {gz, zst, bz2, xz_file, lz4_file}) {
      BOOST_TEST_CONTEXT(path << ", processes " << processes) {
        BOOST_TEST(
            isolated(*this, [&] { return first_difference(expected, run_lines({path}, processes)); }) == "");
      }
    }
  }
  // The uncompressed file, cut into map tasks the usual way, agrees.
  BOOST_TEST(first_difference(expected, run_lines({plain}, 2)) == "");
}

BOOST_AUTO_TEST_CASE(mapper_errors_in_compressed_files_name_the_decompressed_line) {
  std::size_t fail_line = 0;
  const std::string text = large_text(fail_line);
  BOOST_TEST_REQUIRE(model_lines(text)[fail_line - 1] == kFailingLine);
  const std::string gz = write("big.gz", gzip(text, 1));
  const std::string zst = write("big.zst", zstd(text, 1));
  const std::string bz2 = write("big.bz2", bzip2(text, 1));
  const std::string xz_file = write("big.xz", xz(text, 0));
  const std::string lz4_file = write("big.lz4", lz4(text));
  // A plain file before the compressed one: its lines do not count.
  const std::string before = write("before.txt", "b\nb\nb\n");
  for (const std::string& path : {gz, zst, bz2, xz_file, lz4_file}) {
    for (unsigned processes : {0u, 2u}) {
      for (bool after_another : {false, true}) {
        BOOST_TEST_CONTEXT(path << ", processes " << processes
                                << (after_another ? ", after another file" : "")) {
          const std::vector<std::string> inputs =
              after_another ? std::vector<std::string>{before, path} : std::vector<std::string>{path};
          const std::string what = isolated(*this, [&] {
            std::ostringstream out;
            try {
              Lines(inputs, options_for(processes, out), std::string(kFailingLine)).run();
            } catch (const mapreduce::UserCodeError& e) {
              return std::string("UserCodeError: ") + e.what() +
                     (out.str().empty() ? "" : " (output written)");
            }
            return std::string("run() did not throw");
          });
          BOOST_TEST(what.starts_with("UserCodeError: "), what);
          BOOST_TEST(names_line(what, fail_line), what);
          BOOST_TEST(what.find(path) != std::string::npos, what);
          BOOST_TEST(what.find(kMessage) != std::string::npos, what);
          BOOST_TEST(what.find("(output written)") == std::string::npos, what);
        }
      }
    }
  }
  // In a small file too: line 3 of the second member.
  write("two.gz", gzip("ok\n") + gzip("ok\n" + std::string(kFailingLine) + "\nok\n"));
  std::ostringstream out;
  const auto what = message_of<mapreduce::UserCodeError>(
      [&] { Lines({file("two.gz")}, options_for(0, out), std::string(kFailingLine)).run(); });
  if (what) BOOST_TEST(names_line(*what, 3), *what);
}

BOOST_AUTO_TEST_SUITE_END()
