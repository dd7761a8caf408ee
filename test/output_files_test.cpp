// Where output may go and how it is compressed: a destination that cannot be
// written (an output file that is a directory, a missing or unwritable
// directory, a non-empty output directory) is refused before any work, in a
// pipeline before its first step; gzip and zstd output (Options::compress, or
// an output file named .gz or .zst) is streamed through the Compressor and
// decompresses to exactly the plain output, for a file, a stream and part
// files; a compressed write that fails leaves nothing.
#define BOOST_TEST_MODULE output_files
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "compression_support.hpp"
#include "output/compressor.hpp"
#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::Compression;
using mapreduce::test::directory_entries;
using mapreduce::test::first_difference;
using mapreduce::test::for_each_space_separated_word;
using mapreduce::test::gunzip;
using mapreduce::test::JobFixture;
using mapreduce::test::message_of;
using mapreduce::test::new_entries;
using mapreduce::test::options_for;
using mapreduce::test::read_file;
using mapreduce::test::unzstd;

constexpr unsigned kProcessCounts[] = {0, 2};  // 0: the sequential engine

// Counts words (runs of bytes other than ' ') and how often setup ran, which
// a refusal before any work leaves at 0.
struct Words final : mapreduce::MapReduceConcurrent<Words, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  int setups = 0;
  void setup() { ++setups; }
  void mapper(std::string_view line, Emitter& emit) {
    for_each_space_separated_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};

// Step 2 of a pipeline: the words by count. It reads Words' records.
struct ByCount final : mapreduce::MapReduceConcurrent<ByCount, std::int64_t, std::string,
                                                      mapreduce::Pairs<std::string, std::int64_t>> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view word, std::int64_t count, Emitter& emit) { emit(count, word); }
  void reducer(std::int64_t count, Values words, Out& out) {
    for (std::string_view word : words) out(word, count);
  }
};

// A map-only job: its output is its input lines, one part file per map task.
struct Lines final : mapreduce::MapReduceConcurrent<Lines, std::string, mapreduce::Nothing> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line, {}); }
};

// Random words of 6 letters on `lines` lines, deterministic, nearly all
// distinct: output that compresses to about half, so that 100 000 lines
// make compressed output of several MiB, written in several blocks.
std::string many_words(std::size_t lines) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937_64 random(lines);
  std::string text;
  for (std::size_t l = 0; l < lines; ++l) {
    for (std::size_t n = 1 + random() % 8; n > 0; --n) {
      for (int k = 0; k < 6; ++k) text += kLetters[random() % (sizeof kLetters - 1)];
      text += ' ';
    }
    text += '\n';
  }
  return text;
}

std::string decompressed(Compression codec, std::string_view bytes) {
  return codec == Compression::gzip ? gunzip(bytes) : unzstd(bytes);
}

std::string_view extension(Compression codec) { return codec == Compression::gzip ? ".gz" : ".zst"; }

// Whether `path` is in a sysfs, where no one, root included, creates files.
bool in_sysfs(const char* path) {
  struct statfs status;
  return ::statfs(path, &status) == 0 && status.f_type == 0x62656572;  // SYSFS_MAGIC
}

using Fixture = JobFixture<>;

}  // namespace

namespace mapreduce {

// For the names of data test cases.
std::ostream& operator<<(std::ostream& out, Compression codec) {
  return out << (codec == Compression::gzip ? "gzip" : codec == Compression::zstd ? "zstd" : "none");
}

}  // namespace mapreduce

BOOST_AUTO_TEST_SUITE(compressor)

// Pieces of every size, empty ones and ones larger than the compressor's
// output block included; two streams in a row, each whole on its own.
BOOST_DATA_TEST_CASE(streams_decompress_to_what_was_given, data::make({Compression::gzip, Compression::zstd}),
                     codec) {
  const std::string text = many_words(60'000);
  auto compressor = mapreduce::detail::Compressor::make(codec);
  std::mt19937_64 random(7);
  for (int stream = 0; stream < 2; ++stream) {
    BOOST_TEST_CONTEXT("stream " << stream) {
      std::string out;
      std::size_t at = 0;
      while (at < text.size()) {
        const std::size_t piece =
            std::min<std::size_t>(text.size() - at, random() % 4 == 0 ? 0 : random() % 700'000);
        compressor->compress(std::string_view(text).substr(at, piece), out, "test");
        at += piece;
      }
      compressor->finish(out, "test");
      BOOST_TEST(out.size() < text.size() * 3 / 4);
      BOOST_TEST(first_difference(text, decompressed(codec, out)) == "");
    }
  }
  // An empty stream is still a whole, empty member or frame.
  std::string empty;
  compressor->finish(empty, "test");
  BOOST_TEST(!empty.empty());
  BOOST_TEST(decompressed(codec, empty) == "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(output_files, Fixture)

BOOST_DATA_TEST_CASE(an_output_file_named_gz_or_zst_is_compressed,
                     data::make({Compression::gzip, Compression::zstd}) * data::make(kProcessCounts), codec,
                     processes) {
  const std::string input = write("in.txt", many_words(100'000));
  mapreduce::Options options = options_for(processes);
  options.output = file("plain.txt");
  Words(input, options).run();
  const std::string plain = read_file(file("plain.txt"));
  BOOST_TEST_REQUIRE(plain.size() > (std::size_t(3) << 20));

  options.output = file("out.txt" + std::string(extension(codec)));
  Words(input, options).run();
  const std::string packed = read_file(options.output);
  BOOST_TEST(packed.size() > (std::size_t(1) << 20));  // more than one write
  BOOST_TEST(packed.size() < plain.size() * 3 / 4);
  BOOST_TEST(first_difference(plain, decompressed(codec, packed)) == "");

  // compress overrides the name, both ways.
  options.compress = Compression::none;
  Words(input, options).run();
  BOOST_TEST(first_difference(plain, read_file(options.output)) == "");
  options.compress = codec;
  options.output = file("named-plainly.txt");
  Words(input, options).run();
  BOOST_TEST(first_difference(plain, decompressed(codec, read_file(options.output))) == "");

  // A stream too, and only when asked.
  std::ostringstream stream;
  options.output.clear();
  options.output_stream = &stream;
  Words(input, options).run();
  BOOST_TEST(first_difference(plain, decompressed(codec, stream.str())) == "");
  std::ostringstream plain_stream;
  options.output_stream = &plain_stream;
  options.compress.reset();
  Words(input, options).run();
  BOOST_TEST(first_difference(plain, plain_stream.str()) == "");
}

BOOST_DATA_TEST_CASE(compressed_part_files_hold_the_plain_part_files,
                     data::make({Compression::gzip, Compression::zstd}) * data::make(kProcessCounts), codec,
                     processes) {
  const std::string input = write("in.txt", many_words(50'000));
  mapreduce::Options options = options_for(processes);
  options.output_dir = file("plain");
  Words(input, options).run();
  options.output_dir = file("packed");
  options.compress = codec;
  Words(input, options).run();

  const std::set<std::string> plain = directory_entries(file("plain"));
  const std::size_t parts = processes == 0 ? 1 : 4 * processes;
  BOOST_TEST_REQUIRE(plain.size() == parts + 1);
  std::set<std::string> expected = {"_SUCCESS"};
  for (const std::string& name : plain) {
    if (name != "_SUCCESS") expected.insert(name + std::string(extension(codec)));
  }
  BOOST_TEST(new_entries({}, directory_entries(file("packed"))) == new_entries({}, expected));
  for (const std::string& name : plain) {
    if (name == "_SUCCESS") continue;
    BOOST_TEST_CONTEXT(name) {
      const std::string part = read_file(file("plain/" + name));
      BOOST_TEST(!part.empty());
      BOOST_TEST(
          first_difference(
              part, decompressed(codec, read_file(file("packed/" + name + std::string(extension(codec)))))) ==
          "");
    }
  }
  BOOST_TEST(read_file(file("packed/_SUCCESS")) == "");
}

BOOST_DATA_TEST_CASE(a_map_only_job_compresses_its_part_files_and_its_file,
                     data::make({Compression::gzip, Compression::zstd}) * data::make(kProcessCounts), codec,
                     processes) {
  const std::string text = many_words(50'000);
  const std::string input = write("in.txt", text);
  mapreduce::Options options = options_for(processes);
  options.output = file("out" + std::string(extension(codec)));
  Lines(input, options).run();
  BOOST_TEST(first_difference(text, decompressed(codec, read_file(options.output))) == "");

  options.output.clear();
  options.output_dir = file("plain");
  Lines(input, options).run();
  options.output_dir = file("packed");
  options.compress = codec;
  Lines(input, options).run();
  const std::set<std::string> plain = directory_entries(file("plain"));
  BOOST_TEST_REQUIRE(plain.size() > 2u);  // several map tasks
  BOOST_TEST(directory_entries(file("packed")).size() == plain.size());
  for (const std::string& name : plain) {
    if (name == "_SUCCESS") continue;
    BOOST_TEST_CONTEXT(name) {
      const std::string packed = file("packed/" + name + std::string(extension(codec)));
      BOOST_TEST(first_difference(read_file(file("plain/" + name)), decompressed(codec, read_file(packed))) ==
                 "");
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_destinations_are_refused_before_any_work) {
  std::filesystem::create_directory(file("dir"));
  std::filesystem::create_directory(file("full"));
  write("full/keep", "old");
  write("plain", "a file");
  // No input exists: had the job looked at it first, the error would be an
  // InputError about it.
  const std::string input = file("missing-input.txt");
  struct Case {
    std::string output;
    std::string output_dir;
    bool usage;  // UsageError, or else ResourceError
    std::string named;
  };
  std::vector<Case> cases = {
      {file("dir"), "", true, file("dir")},
      {file("dir") + "/", "", true, file("dir") + "/"},
      {file("gone/out.txt"), "", false, file("gone")},
      {file("plain/out.txt"), "", false, file("plain")},
      {"", file("full"), true, file("full")},
      {"", file("plain"), true, file("plain")},
      {"", file("gone/out"), false, file("gone")},
  };
  if (in_sysfs("/sys")) {
    cases.push_back({"/sys/mapreduce-output.txt", "", false, "/sys"});
    cases.push_back({"", "/sys/mapreduce-output", false, "/sys"});
  }
  for (const unsigned processes : kProcessCounts) {
    for (const Case& c : cases) {
      BOOST_TEST_CONTEXT("output " << c.output << ", output_dir " << c.output_dir << ", processes "
                                   << processes) {
        const std::set<std::string> before = directory_entries(path());
        mapreduce::Options options = options_for(processes);
        options.output = c.output;
        options.output_dir = c.output_dir;
        options.compress = Compression::gzip;
        Words job(input, options);
        const auto what = c.usage ? message_of<mapreduce::UsageError>([&] { job.run(); })
                                  : message_of<mapreduce::ResourceError>([&] { job.run(); });
        if (what) BOOST_TEST(what->find(c.named) != std::string::npos, *what);
        BOOST_TEST(job.setups == 0);
        BOOST_TEST(new_entries(before, directory_entries(path())) == "");
        BOOST_TEST(directory_entries(file("dir")).empty());
        BOOST_TEST(read_file(file("full/keep")) == "old");
        BOOST_TEST(read_file(file("plain")) == "a file");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_pipeline_refuses_its_destination_before_its_first_step) {
  const std::string input = write("in.txt", "b a\na\n");
  for (const bool directory : {false, true}) {
    BOOST_TEST_CONTEXT((directory ? "output_dir" : "output")) {
      mapreduce::Options options = options_for(2);
      (directory ? options.output_dir : options.output) = file("gone/out");
      Words count(input, options);
      ByCount by_count(input, options);
      const auto what = message_of<mapreduce::ResourceError>([&] { mapreduce::run_steps(count, by_count); });
      if (what) BOOST_TEST(what->find(file("gone")) != std::string::npos, *what);
      BOOST_TEST(count.setups == 0);
      BOOST_TEST(new_entries({"in.txt"}, directory_entries(path())) == "");
    }
  }
  // And writes it, compressed as its name or compress says; the steps
  // between write plain records, whatever the options.
  for (const bool named : {true, false}) {
    mapreduce::Options options = options_for(2);
    options.output = file(named ? "out.zst" : "out.txt");
    if (!named) options.compress = Compression::zstd;
    Words count(input, options);
    ByCount by_count(input, options);
    mapreduce::run_steps(count, by_count);
    BOOST_TEST(unzstd(read_file(options.output)) == "b\t1\na\t2\n");
  }
}

BOOST_AUTO_TEST_CASE(the_streaming_modes_write_plain_text) {
  for (const auto mode : {mapreduce::RunMode::stream_map, mapreduce::RunMode::stream_reduce}) {
    const bool map = mode == mapreduce::RunMode::stream_map;
    const std::string input = write("in.txt", map ? "b a\na\n" : "a\t1\na\t1\nb\t1\n");
    mapreduce::Options options = options_for(0);
    options.mode = mode;
    options.compress = Compression::gzip;
    options.output = file("out.txt");
    message_of<mapreduce::UsageError>([&] { Words(input, options).run(); });
    options.compress.reset();
    options.output = file("out.gz");
    const auto what = message_of<mapreduce::UsageError>([&] { Words(input, options).run(); });
    if (what) BOOST_TEST(what->find(file("out.gz")) != std::string::npos, *what);
    BOOST_TEST(new_entries({"in.txt"}, directory_entries(path())) == "");
    // compress = none writes a .gz name plain.
    options.compress = Compression::none;
    Words(input, options).run();
    BOOST_TEST(read_file(file("out.gz")) == (map ? "b\t1\na\t1\na\t1\n" : "a\t2\nb\t1\n"));
    std::filesystem::remove(file("out.gz"));
  }
}

// A file may grow to 64 KiB only (RLIMIT_FSIZE, SIGXFSZ ignored, so that a
// write past it fails with EFBIG): the compressed output fails the job naming
// it, and neither a file nor a temporary is left. In a child, whose verdict
// is its exit status, so that the limit binds nothing else.
BOOST_DATA_TEST_CASE(a_compressed_write_that_fails_leaves_nothing,
                     data::make({Compression::gzip, Compression::zstd}) * data::make({false, true}), codec,
                     directory) {
  const std::string input = write("in.txt", many_words(50'000));
  const std::string target = file(directory ? "out" : "out" + std::string(extension(codec)));
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{64 << 10, 64 << 10};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    mapreduce::Options options = options_for(0);  // the sequential engine: no memfd
    (directory ? options.output_dir : options.output) = target;
    options.compress = codec;
    try {
      Words(input, options).run();
    } catch (const mapreduce::ResourceError& e) {
      const std::string what = e.what();
      ::_exit(what.find(target) != std::string::npos && what.find("File too large") != std::string::npos ? 0
                                                                                                         : 2);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(4);  // it succeeded
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0,
             "0: the error named the output and EFBIG; 2: it did not; 3: another "
             "error; 4: no error");
  BOOST_TEST(new_entries({"in.txt"}, directory_entries(path())) == "");
}

BOOST_AUTO_TEST_SUITE_END()
