// Spilling past the memory budget (Options::memory_limit, spill_dir).
//
// - The pieces of lib/spill, through their private headers: records_by_key
//   sorts stably (keys sharing 8-byte prefixes, with NULs, empty, long, high
//   bytes); merge_runs over sections in memory and spilled extents gives
//   each key once, in byte order, with its values in input order, also when
//   a fan-in of 2 or 3 forces several passes, against a std::map model on
//   random data; SpillFile appends, reads back, gives space back
//   (resume_at), is unlinked from the start, is shared across a fork, and
//   fails naming its directory; SpillWriter and MapRunSpiller lay out what
//   reduce reads; merge_shape stays in its documented bounds.
// - Equivalence: test jobs (word count without combiner, with a per-task
//   combiner, combining in any order; a float sum whose combiner's result
//   depends on the fold order; an inverted index without combiner, its
//   values as received and sorted by value_less; several values per key
//   whose order shows; long keys with shared prefixes and NULs) at memory
//   limits of 1 KiB, 4 KiB and 64 KiB, in the sequential engine and with 1,
//   2, 3 and 8 processes, with the default number of partitions, 1 and 5:
//   the output is byte for byte the run's without a limit, and the counters
//   "spilled runs" and "merge passes" show that it did spill wherever it
//   must (and not where it must not: the sequential engine's combiner with
//   one partition).
// - Faults: a worker killed (MAPREDUCE_TEST_FAULT) part way through
//   writing a spilled run (map-spilling), at map-mapped and map-committed,
//   part way through a merge pass (reduce-merging) and at reduce-claimed
//   under a tiny limit: the output is still exact.
// - A spill directory that cannot be used fails a job only when it must
//   spill, naming the directory, writing no output; the limit's minimum and
//   the modes that refuse it.
// Every test spills into a fresh directory of its own, which must be empty
// after every run (the spill files are unlinked from the start), and leaves
// no child process, /dev/shm entry or open descriptor (a spill file's)
// behind.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE spill
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "random_text.hpp"
#include "spill/map_spill.hpp"
#include "spill/run_merge.hpp"
#include "spill/spill_file.hpp"
#include "test_support.hpp"
#include <mapreduce/detail/byte_buffer.hpp>
#include <mapreduce/detail/records.hpp>
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
namespace detail = mapreduce::detail;
using mapreduce::test::directory_entries;
using mapreduce::test::first_difference;
using mapreduce::test::JobFixture;
using mapreduce::test::read_file;
using mapreduce::test::TempDir;

using Pair = std::pair<std::string, std::string>;
// What merge_runs handed over: each key with its values, in call order.
using Merged = std::vector<std::pair<std::string, std::vector<std::string>>>;

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---------------------------------------------------------------------------
// Records, as the engine lays them out.

std::string records_of(const std::vector<Pair>& pairs) {
  detail::ByteBuffer buffer;
  for (const auto& [key, value] : pairs) {
    char* out = detail::append_record(buffer, key.size(), value.size());
    if (!key.empty()) std::memcpy(out, key.data(), key.size());
    if (!value.empty()) std::memcpy(out + key.size(), value.data(), value.size());
  }
  return std::string(buffer.view());
}

std::vector<Pair> pairs_of(std::string_view records) {
  std::vector<Pair> pairs;
  detail::RecordReader reader(records);
  std::string_view key;
  std::string_view value;
  while (reader.next(key, value)) pairs.emplace_back(key, value);
  return pairs;
}

// The pairs of the records at `sorted` (records_by_key's result), in order.
std::vector<Pair> pairs_at(const std::vector<const char*>& sorted) {
  std::vector<Pair> pairs;
  for (const char* record : sorted) {
    const std::vector<Pair> one = pairs_of(detail::record_at(record));
    BOOST_REQUIRE_EQUAL(one.size(), 1u);
    pairs.push_back(one[0]);
  }
  return pairs;
}

// The model of a stable sort by key bytes (std::string compares bytes as
// unsigned char).
std::vector<Pair> stably_sorted(std::vector<Pair> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& a, const Pair& b) { return a.first < b.first; });
  return pairs;
}

// Keys chosen to defeat a sort that trusts the 8-byte prefix: equal
// prefixes of other lengths, NULs where the padding is, the empty key, keys
// of exactly 8 bytes and one more, long keys that differ only at their
// end, bytes above 0x7f (which sort after ASCII).
std::vector<std::string> tricky_keys() {
  using namespace std::string_literals;
  std::vector<std::string> keys = {
      ""s,
      "\0"s,
      "\0\0"s,
      "\0\0\0\0\0\0\0\0"s,
      "\0\0\0\0\0\0\0\0\0"s,
      "a"s,
      "a\0"s,
      "a\0b"s,
      "a\0\0\0\0\0\0\0"s,
      "a\0\0\0\0\0\0\0\0"s,
      "ab"s,
      "abcdefg"s,
      "abcdefg\0"s,
      "abcdefgh"s,
      "abcdefgh\0"s,
      "abcdefgha"s,
      "abcdefghb"s,
      "abcdefgh\xff"s,
      "abcdefg\xff"s,
      "\x7f"s,
      "\x80"s,
      "\xff"s,
      "\xff\xff\xff\xff\xff\xff\xff\xff"s,
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff"s,
      "zz"s,
  };
  const std::string long_key(3000, 'x');
  keys.push_back("abcdefgh" + long_key);
  keys.push_back("abcdefgh" + long_key + "y");
  keys.push_back("abcdefgh" + long_key + "\0"s);
  keys.push_back("abcdefgh" + long_key.substr(1) + "w");
  return keys;
}

// A random key: mostly the tricky ones, else short strings over a few bytes
// that share prefixes often.
std::string random_key(std::mt19937_64& rng, const std::vector<std::string>& tricky) {
  if (std::uniform_int_distribution<int>(0, 2)(rng) != 0)
    return tricky[std::uniform_int_distribution<std::size_t>(0, tricky.size() - 1)(rng)];
  static const char kBytes[] = {'\0', 'a', 'b', '\xff'};
  std::string key;
  const int length = std::uniform_int_distribution<int>(0, 12)(rng);
  for (int i = 0; i < length; ++i) key += kBytes[std::uniform_int_distribution<int>(0, 3)(rng)];
  return key;
}

// ---------------------------------------------------------------------------
// Descriptors and files.

// The size on disk of the one spill file open in this process whose path
// is in `directory` (its /proc/self/fd link, "DIR/#1234 (deleted)"); -1 if
// there is none, -2 if there are several.
long long spill_file_size(const std::string& directory) {
  long long size = -1;
  for (const auto& [fd, target] : mapreduce::test::open_descriptors()) {
    if (!target.starts_with(directory + "/")) continue;
    struct stat st {};
    if (size != -1 || ::fstat(fd, &st) != 0) return -2;
    size = st.st_size;
  }
  return size;
}

// Sets an environment variable for the life of the object, then puts back
// what was there.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnvironment() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A test's spill directory: fresh, and empty after every run in it.
struct SpillFixture : JobFixture<120> {
  TempDir spill;
  void check_spill_dir_empty(const std::string& what = "") const {
    BOOST_TEST(directory_entries(spill.path()).empty(),
               "the spill directory holds files" << (what.empty() ? "" : " after ") << what);
  }
  ~SpillFixture() { check_spill_dir_empty(); }
};

}  // namespace

// ===========================================================================
BOOST_AUTO_TEST_SUITE(records_by_key)

BOOST_AUTO_TEST_CASE(empty_input_has_no_records) { BOOST_TEST(detail::records_by_key("").empty()); }

BOOST_AUTO_TEST_CASE(equal_keys_keep_their_order) {
  // Every key of tricky_keys several times, interleaved; each value says
  // where its record was.
  const std::vector<std::string> keys = tricky_keys();
  std::vector<Pair> pairs;
  for (int round = 0; round < 4; ++round) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const std::size_t at = (k * 7 + round * 3) % keys.size();
      pairs.emplace_back(keys[at], std::to_string(pairs.size()));
    }
  }
  const std::string records = records_of(pairs);
  const std::vector<Pair> sorted = pairs_at(detail::records_by_key(records));
  const std::vector<Pair> expected = stably_sorted(pairs);
  BOOST_TEST_REQUIRE(sorted.size() == expected.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    BOOST_TEST_CONTEXT("record " << i << ": expected key \"" << mapreduce::test::escaped(expected[i].first)
                                 << "\" value " << expected[i].second << ", got key \""
                                 << mapreduce::test::escaped(sorted[i].first) << "\" value "
                                 << sorted[i].second) {
      BOOST_TEST((sorted[i] == expected[i]));
    }
  }
}

BOOST_AUTO_TEST_CASE(random_records_against_a_stable_sort) {
  std::mt19937_64 rng(20261201);
  const std::vector<std::string> tricky = tricky_keys();
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Pair> pairs;
    const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 2000)(rng);
    for (std::size_t i = 0; i < count; ++i) {
      std::string value = std::to_string(i);
      if (i % 5 == 0) value.append(std::uniform_int_distribution<std::size_t>(0, 300)(rng), 'v');
      pairs.emplace_back(random_key(rng, tricky), std::move(value));
    }
    const std::string records = records_of(pairs);
    const std::vector<const char*> sorted = detail::records_by_key(records);
    BOOST_TEST_CONTEXT("trial " << trial << ", " << count << " records") {
      BOOST_TEST((pairs_at(sorted) == stably_sorted(pairs)));
      // The pointers are the records' own, inside `records`.
      for (const char* record : sorted) {
        BOOST_TEST_REQUIRE((record >= records.data() && record < records.data() + records.size()));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(record_at_is_the_whole_record) {
  const std::string records = records_of({{"key", "value"}, {"", ""}, {std::string(5000, 'k'), "v"}});
  const std::vector<const char*> sorted = detail::records_by_key(records);
  BOOST_TEST_REQUIRE(sorted.size() == 3u);
  std::size_t total = 0;
  for (const char* record : sorted) total += detail::record_at(record).size();
  BOOST_TEST(total == records.size());
  BOOST_TEST(detail::record_at(sorted[0]).size() == detail::kMinRecordHeader);  // the empty key first
}

// Lengths below 255 take one byte of header each, others five; every
// length reads back as it was written, whichever form it took.
BOOST_AUTO_TEST_CASE(record_lengths_take_one_byte_below_255_and_five_from_it) {
  const std::vector<std::size_t> lengths = {0, 1, 7, 254, 255, 256, 65536 + 3};
  for (std::size_t first : lengths) {
    for (std::size_t second : lengths) {
      detail::ByteBuffer buffer;
      char* out = detail::append_record(buffer, first, second);
      std::memset(out, 'f', first);
      std::memset(out + first, 's', second);
      out = detail::append_record(buffer, 1, 2);
      std::memcpy(out, "abc", 3);
      const std::size_t header = 2 + (first >= 255 ? 4 : 0) + (second >= 255 ? 4 : 0);
      BOOST_TEST(detail::record_header_size(first, second) == header);
      BOOST_TEST(buffer.size() == header + first + second + 2 + 3);
      BOOST_TEST(detail::record_header_size_at(buffer.view().data()) == header);
      BOOST_TEST(detail::record_at(buffer.view().data()).size() == header + first + second);
      detail::RecordReader reader(buffer.view());
      std::string_view a;
      std::string_view b;
      BOOST_TEST_REQUIRE(reader.next(a, b));
      BOOST_TEST(a == std::string(first, 'f'));
      BOOST_TEST(b == std::string(second, 's'));
      BOOST_TEST_REQUIRE(reader.next(a, b));
      BOOST_TEST(a == "a");
      BOOST_TEST(b == "bc");
      BOOST_TEST(!reader.next(a, b));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(spill_file)

BOOST_FIXTURE_TEST_CASE(append_and_read_back, SpillFixture) {
  detail::SpillFile file(spill.path());
  BOOST_TEST(file.directory() == spill.path());
  BOOST_TEST(file.size() == 0u);
  BOOST_TEST(file.append("hello") == 0u);
  const std::string_view pieces[] = {"ab", "", "cd"};
  BOOST_TEST(file.append(std::span<const std::string_view>(pieces)) == 5u);
  BOOST_TEST(file.size() == 9u);
  std::string back(9, '?');
  file.read(0, 9, back.data());
  BOOST_TEST(back == "helloabcd");
  std::string middle(4, '?');
  file.read(5, 4, middle.data());
  BOOST_TEST(middle == "abcd");
  // Unlinked from the start: no name in the directory, yet open.
  check_spill_dir_empty("creating and writing a spill file");
  BOOST_TEST(spill_file_size(spill.path()) == 9);

  // Megabytes of varied bytes, in one append, read back in pieces.
  std::string big(3 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::uint64_t at = file.append(big);
  BOOST_TEST(at == 9u);
  std::string big_back(big.size(), '\0');
  for (std::size_t done = 0; done < big.size(); done += 1'000'003) {
    const std::size_t length = std::min<std::size_t>(1'000'003, big.size() - done);
    file.read(at + done, length, big_back.data() + done);
  }
  BOOST_TEST((big_back == big));
}

BOOST_FIXTURE_TEST_CASE(resume_at_truncates_and_overwrites, SpillFixture) {
  detail::SpillFile file(spill.path());
  file.append("helloabcd");
  file.resume_at(3);
  BOOST_TEST(file.size() == 3u);
  // The space past the offset is given back.
  BOOST_TEST(spill_file_size(spill.path()) == 3);
  BOOST_TEST(file.append("XY") == 3u);
  BOOST_TEST(file.size() == 5u);
  std::string back(5, '?');
  file.read(0, 5, back.data());
  BOOST_TEST(back == "helXY");
  // What was cut off is gone: reading it is an error, not stale bytes.
  std::string past(9, '?');
  const auto message =
      mapreduce::test::message_of<mapreduce::ResourceError>([&] { file.read(0, 9, past.data()); });
  BOOST_TEST_REQUIRE(message.has_value());
  BOOST_TEST(contains(*message, spill.path()), *message);
  BOOST_TEST(contains(*message, "4 bytes early"), *message);
  // Back to nothing.
  file.resume_at(0);
  BOOST_TEST(spill_file_size(spill.path()) == 0);
  BOOST_TEST(file.append("z") == 0u);
}

BOOST_FIXTURE_TEST_CASE(closing_leaves_nothing, SpillFixture) {
  {
    detail::SpillFile file(spill.path());
    file.append(std::string(100000, 'x'));
    BOOST_TEST(spill_file_size(spill.path()) == 100000);
  }
  BOOST_TEST(spill_file_size(spill.path()) == -1);
  check_spill_dir_empty("a spill file was closed");
}

// Made before a fork, as the engine makes them: what the child appends, the
// parent reads.
BOOST_FIXTURE_TEST_CASE(shared_with_a_forked_child, SpillFixture) {
  detail::SpillFile file(spill.path());
  file.append("parent:");
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    int status = 0;
    try {
      file.resume_at(7);
      status = file.append("child") == 7 ? 0 : 1;
    } catch (...) {
      status = 2;
    }
    ::_exit(status);
  }
  int status = -1;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  std::string back(12, '?');
  file.read(0, 12, back.data());
  BOOST_TEST(back == "parent:child");
}

BOOST_FIXTURE_TEST_CASE(an_unusable_directory_fails_on_first_use, SpillFixture) {
  for (const std::string& directory : {spill.file("missing"), spill.write("a-file", "x")}) {
    BOOST_TEST_CONTEXT(directory) {
      detail::SpillFile file(directory);  // no error yet: nothing is spilled
      BOOST_TEST(file.size() == 0u);
      file.resume_at(0);
      const auto append = mapreduce::test::message_of<mapreduce::ResourceError>([&] { file.append("x"); });
      BOOST_TEST_REQUIRE(append.has_value());
      BOOST_TEST(contains(*append, "cannot create a spill file in " + directory), *append);
      BOOST_TEST(contains(*append, "--spill-dir"), *append);
      char byte;
      const auto read =
          mapreduce::test::message_of<mapreduce::ResourceError>([&] { file.read(0, 1, &byte); });
      BOOST_TEST_REQUIRE(read.has_value());
      BOOST_TEST(contains(*read, directory), *read);
    }
  }
  std::filesystem::remove(spill.file("a-file"));
}

BOOST_AUTO_TEST_CASE(spill_directory_defaults) {
  {
    const ScopedEnvironment tmpdir("TMPDIR", std::string("/some/where"));
    BOOST_TEST(detail::spill_directory("") == "/some/where");
    BOOST_TEST(detail::spill_directory("/chosen") == "/chosen");
  }
  {
    const ScopedEnvironment tmpdir("TMPDIR", std::string(""));
    BOOST_TEST(detail::spill_directory("") == "/tmp");
  }
  {
    const ScopedEnvironment tmpdir("TMPDIR", std::nullopt);
    BOOST_TEST(detail::spill_directory("") == "/tmp");
    BOOST_TEST(detail::spill_directory("rel") == "rel");
  }
}

BOOST_FIXTURE_TEST_CASE(writer_buffers_pieces_into_one_extent, SpillFixture) {
  detail::SpillFile file(spill.path());
  file.append("head");
  std::string expected;
  detail::SpillExtent first;
  {
    detail::SpillWriter writer(file, 16);
    for (int i = 0; i < 100; ++i) {
      // Small pieces, an empty one, and pieces as large as the buffer and
      // larger, which go straight through.
      const std::string piece = i % 17 == 0   ? std::string(40 + i, char('A' + i % 26))
                                : i % 11 == 0 ? std::string(16, 'b')
                                : i % 13 == 0 ? std::string()
                                              : std::to_string(i);
      writer.add(piece);
      expected += piece;
    }
    first = writer.finish();
  }
  BOOST_TEST(first.offset == 4u);
  BOOST_TEST(first.length == expected.size());
  BOOST_TEST(file.size() == 4 + expected.size());
  std::string back(expected.size(), '?');
  file.read(first.offset, first.length, back.data());
  BOOST_TEST(back == expected);
  detail::SpillWriter second(file, 8);
  second.add("tail");
  const detail::SpillExtent next = second.finish();
  BOOST_TEST(next.offset == first.offset + first.length);
  BOOST_TEST(next.length == 4u);
  detail::SpillWriter nothing(file);
  BOOST_TEST(nothing.finish().length == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(run_merge)

namespace {

// A random merge: `runs` runs of random records, each either a section in
// memory (unsorted) or spilled (sorted by records_by_key, written with a
// SpillWriter), and the model of what merging them gives.
struct MergeCase {
  std::string name;
  std::size_t runs;
  std::size_t max_records;  // per run
  std::size_t fan_in;
  std::size_t read_buffer;
  bool scratch_is_the_spill_file;  // as in the engine
  std::uint64_t seed;
};

std::ostream& operator<<(std::ostream& out, const MergeCase& c) { return out << c.name; }

std::vector<MergeCase> merge_cases() {
  return {
      {"13 runs, fan-in 2 (4 passes)", 13, 300, 2, 64, true, 1},
      {"13 runs, fan-in 2, scratch apart", 13, 300, 2, 4096, false, 2},
      {"40 runs, fan-in 3", 40, 200, 3, 100, true, 3},
      {"64 runs of up to 2 records, fan-in 2", 64, 2, 2, 16, true, 4},
      {"5 runs, fan-in 64 (1 pass)", 5, 500, 64, 1 << 20, true, 5},
      {"2 runs, fan-in 2 (1 pass)", 2, 500, 2, 32, false, 6},
      {"1 run", 1, 500, 2, 32, true, 7},
      {"no runs", 0, 0, 2, 32, true, 8},
      {"17 runs, buffer smaller than a record header", 17, 100, 2, 1, true, 9},
  };
}

// The passes merge_runs makes over `inputs` runs at `fan_in`, the last one
// included.
std::uint64_t expected_passes(std::size_t inputs, std::size_t fan_in) {
  std::uint64_t passes = 1;
  while (inputs > fan_in) {
    inputs = (inputs + fan_in - 1) / fan_in;
    ++passes;
  }
  return passes;
}

}  // namespace

BOOST_DATA_TEST_CASE_F(SpillFixture, merges_against_a_model, data::make(merge_cases()), c) {
  std::mt19937_64 rng(c.seed);
  const std::vector<std::string> tricky = tricky_keys();
  detail::SpillFile file(spill.path());
  detail::SpillFile apart(spill.path());
  detail::SpillFile& scratch = c.scratch_is_the_spill_file ? file : apart;
  // Something before the runs, so that no extent starts at 0.
  file.append("prologue");

  std::vector<std::string> sections;  // the in-memory runs' bytes, alive for the merge
  sections.reserve(c.runs);
  std::vector<detail::MergeInput> inputs;
  std::map<std::string, std::vector<std::string>> model;
  std::size_t spilled = 0;
  for (std::size_t r = 0; r < c.runs; ++r) {
    std::vector<Pair> pairs;
    // Some runs empty; a few records have values longer than the buffers.
    const std::size_t count =
        r % 7 == 3 ? 0 : std::uniform_int_distribution<std::size_t>(1, c.max_records)(rng);
    for (std::size_t i = 0; i < count; ++i) {
      std::string value = "r" + std::to_string(r) + "#" + std::to_string(i);
      if (i % 9 == 4) value.append(std::uniform_int_distribution<std::size_t>(100, 5000)(rng), '~');
      pairs.emplace_back(random_key(rng, tricky), std::move(value));
    }
    for (const auto& [key, value] : pairs) model[key].push_back(value);
    std::string records = records_of(pairs);
    if (r % 3 != 1) {
      detail::SpillWriter writer(file, 256);
      for (const char* record : detail::records_by_key(records)) writer.add(detail::record_at(record));
      inputs.push_back(detail::MergeInput{&file, writer.finish(), {}});
      ++spilled;
    } else {
      sections.push_back(std::move(records));
      inputs.push_back(detail::MergeInput{nullptr, {}, sections.back()});
    }
  }
  BOOST_TEST(spilled >= (c.runs + 1) / 2);

  const std::uint64_t scratch_before = scratch.size();
  Merged merged;
  const detail::MergeStats stats = detail::merge_runs(
      inputs, scratch, detail::MergeShape{c.fan_in, c.read_buffer},
      [&](std::string_view key, std::span<const std::string_view> values) {
        merged.emplace_back(std::string(key), std::vector<std::string>(values.begin(), values.end()));
      });

  // Each key once, in byte order, with all of its values in input order.
  Merged expected(model.begin(), model.end());
  BOOST_TEST_REQUIRE(merged.size() == expected.size());
  for (std::size_t i = 0; i < merged.size(); ++i) {
    BOOST_TEST_CONTEXT("key " << i << " \"" << mapreduce::test::escaped(expected[i].first) << "\"") {
      BOOST_TEST(mapreduce::test::escaped(merged[i].first) == mapreduce::test::escaped(expected[i].first));
      BOOST_TEST(merged[i].second == expected[i].second, boost::test_tools::per_element());
    }
  }
  // (Not BOOST_TEST(a < b): Boost.Test compares strings by length first.)
  for (std::size_t i = 1; i < merged.size(); ++i) {
    const bool ascending = std::string_view(merged[i - 1].first).compare(merged[i].first) < 0;
    BOOST_TEST_REQUIRE(ascending, "key " << i << " is not after key " << i - 1);
  }

  BOOST_TEST(stats.passes == expected_passes(inputs.size(), std::max<std::size_t>(c.fan_in, 2)));
  if (inputs.size() > c.fan_in) {
    BOOST_TEST(stats.passes > 1u);
    BOOST_TEST(stats.scratch_bytes > 0u);
  } else {
    BOOST_TEST(stats.scratch_bytes == 0u);
  }
  // The passes wrote only past the scratch file's end, and gave it all back
  // once the merge was over.
  BOOST_TEST(scratch.size() == scratch_before);
  std::string prologue(8, '?');
  file.read(0, 8, prologue.data());
  BOOST_TEST(prologue == "prologue");
  scratch.resume_at(scratch_before);
}

// The same runs merged at every fan-in give the same keys and values, and
// a merge may run again over the same inputs after the scratch is given
// back (a reduce task's retry).
BOOST_FIXTURE_TEST_CASE(every_fan_in_gives_the_same, SpillFixture) {
  std::mt19937_64 rng(99);
  const std::vector<std::string> tricky = tricky_keys();
  detail::SpillFile file(spill.path());
  std::vector<detail::MergeInput> inputs;
  for (int r = 0; r < 30; ++r) {
    std::vector<Pair> pairs;
    for (int i = 0; i < 50; ++i) pairs.emplace_back(random_key(rng, tricky), std::to_string(r * 100 + i));
    const std::string records = records_of(pairs);
    detail::SpillWriter writer(file);
    for (const char* record : detail::records_by_key(records)) writer.add(detail::record_at(record));
    inputs.push_back(detail::MergeInput{&file, writer.finish(), {}});
  }
  std::optional<Merged> first;
  for (std::size_t fan_in : {2u, 3u, 4u, 7u, 29u, 30u, 64u, 2u}) {
    const std::uint64_t before = file.size();
    Merged merged;
    const detail::MergeStats stats = detail::merge_runs(
        inputs, file, detail::MergeShape{fan_in, 512},
        [&](std::string_view key, std::span<const std::string_view> values) {
          merged.emplace_back(std::string(key), std::vector<std::string>(values.begin(), values.end()));
        });
    file.resume_at(before);
    BOOST_TEST_CONTEXT("fan-in " << fan_in) {
      BOOST_TEST(stats.passes == expected_passes(inputs.size(), fan_in));
      if (!first) {
        first = merged;
      } else {
        BOOST_TEST((merged == *first));
      }
    }
  }
}

// A spilled extent whose last record is cut short is a damaged file.
BOOST_FIXTURE_TEST_CASE(a_partial_record_is_an_error, SpillFixture) {
  detail::SpillFile file(spill.path());
  const std::string records = records_of({{"a", "1"}, {"b", "2"}});
  file.append(records);
  std::vector<detail::MergeInput> inputs{
      detail::MergeInput{&file, detail::SpillExtent{0, records.size() - 1}, {}}};
  const auto message = mapreduce::test::message_of<mapreduce::ResourceError>([&] {
    detail::merge_runs(inputs, file, detail::MergeShape{2, 4096}, [](std::string_view, auto) {});
  });
  BOOST_TEST_REQUIRE(message.has_value());
  BOOST_TEST(contains(*message, "partial record"), *message);
}

BOOST_AUTO_TEST_CASE(merge_shape_bounds) {
  const detail::MergeShape small = detail::merge_shape(1024);
  BOOST_TEST(small.read_buffer == 4096u);
  BOOST_TEST(small.fan_in == 2u);
  const detail::MergeShape large = detail::merge_shape(std::uint64_t(1) << 40);
  BOOST_TEST(large.read_buffer == std::size_t(1) << 20);
  BOOST_TEST(large.fan_in == 64u);
  const detail::MergeShape middle = detail::merge_shape(std::uint64_t(1) << 20);
  BOOST_TEST(middle.read_buffer == 16384u);
  BOOST_TEST(middle.fan_in == 32u);
  for (std::uint64_t budget = 4; budget < (std::uint64_t(1) << 36); budget = budget * 3 + 1) {
    const detail::MergeShape shape = detail::merge_shape(budget);
    BOOST_TEST_CONTEXT("budget " << budget) {
      BOOST_TEST((shape.read_buffer >= 4096u && shape.read_buffer <= (1u << 20)));
      BOOST_TEST((shape.fan_in >= 2u && shape.fan_in <= 64u));
      // Half the budget reads at once, unless the minimum needs more.
      BOOST_TEST(shape.fan_in * shape.read_buffer <= std::max<std::uint64_t>(budget / 2, 2 * 4096));
    }
  }
}

BOOST_AUTO_TEST_CASE(the_kept_runs_hold_half_and_a_run_spills_past_a_quarter) {
  BOOST_TEST(detail::kept_limit(1024) == 512u);
  BOOST_TEST(detail::spill_threshold(1024) == 256u);
  BOOST_TEST(detail::kept_limit(1) + detail::spill_threshold(1) <= 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(map_spill)

// A MapOutput that spills past a threshold into a MapRunSpiller: each spill
// is one sorted run per partition, the partitions' extents in order, and
// merging a partition's extents gives back its records in the order they
// were added.
// Records of a few bytes spill by what they cost in memory (their bytes and
// a sort entry or view each), not by their bytes alone: 3-byte records
// spill about 6 times as often as their bytes would have them.
BOOST_AUTO_TEST_CASE(records_of_a_few_bytes_spill_by_their_cost_in_memory) {
  struct CountingSpill final : detail::MapSpill {
    std::vector<std::size_t> costs;
    std::vector<std::size_t> bytes;
    void spill(detail::MapOutput& out) override {
      costs.push_back(out.cost());
      bytes.push_back(out.bytes());
      out.drop_records();
    }
  };
  CountingSpill spill;
  detail::MapOutput out(2);
  constexpr std::size_t kThreshold = 1900;
  out.spill_past(kThreshold, &spill);
  constexpr std::size_t kRecord = 3;  // a 1-byte key, no value
  constexpr std::size_t kRecords = 10000;
  for (std::size_t i = 0; i < kRecords; ++i) out.add_key(i % 2, i % 3 == 0 ? "a" : "b", 0);
  BOOST_TEST_REQUIRE(!spill.costs.empty());
  for (std::size_t i = 0; i < spill.costs.size(); ++i) {
    BOOST_TEST(spill.costs[i] <= kThreshold + kRecord + detail::MapOutput::kRecordCost);
    BOOST_TEST(spill.costs[i] > kThreshold);
    BOOST_TEST(spill.costs[i] == spill.bytes[i] / kRecord * (kRecord + detail::MapOutput::kRecordCost));
  }
  // 10 000 records cost 190 000 bytes: about 100 spills of 1 900, where
  // their 30 000 bytes alone would have made 15.
  BOOST_TEST(spill.costs.size() >= 95u);
  BOOST_TEST(spill.costs.size() <= 100u);
}

BOOST_FIXTURE_TEST_CASE(spilled_runs_merge_back_in_order, SpillFixture) {
  constexpr std::size_t kPartitions = 3;
  std::mt19937_64 rng(4242);
  const std::vector<std::string> tricky = tricky_keys();
  detail::SpillFile file(spill.path());
  detail::MapRunSpiller spiller(file, kPartitions);
  detail::MapOutput out(kPartitions);
  out.spill_past(700, &spiller);
  std::vector<std::vector<Pair>> added(kPartitions);
  std::uint64_t bytes = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string key = i % 50 == 0 ? std::string(3000, 'k') : random_key(rng, tricky);
    const std::string value = std::to_string(i);
    const std::size_t p = out.partition_of(key);
    char* at = out.add_key(p, key, value.size());
    std::memcpy(at, value.data(), value.size());
    added[p].emplace_back(key, value);
    bytes += detail::record_header_size(key.size(), value.size()) + key.size() + value.size();
  }
  BOOST_TEST(spiller.spilled());
  BOOST_TEST(out.bytes() <= 700u + 3100u);  // the threshold and one record
  spiller.spill(out);                       // the rest, as spill_rest does
  BOOST_TEST(out.bytes() == 0u);
  BOOST_TEST(out.record_count() == 3000u);
  BOOST_TEST(spiller.spilled_bytes() == bytes);
  const std::uint64_t runs = spiller.spilled_runs();
  BOOST_TEST(runs > 10u);

  for (std::size_t p = 0; p < kPartitions; ++p) {
    BOOST_TEST_CONTEXT("partition " << p) {
      const std::vector<detail::SpillExtent> extents = detail::spill_extents(spiller.index(p));
      BOOST_TEST(extents.size() <= runs);
      BOOST_TEST(extents.size() > 1u);
      std::vector<detail::MergeInput> inputs;
      std::uint64_t end = 0;
      for (const detail::SpillExtent& extent : extents) {
        BOOST_TEST(extent.length > 0u);
        BOOST_TEST(extent.offset >= end);  // written one after the other
        end = extent.offset + extent.length;
        // Each extent is a run sorted by key, stably.
        std::string bytes_of_run(extent.length, '\0');
        file.read(extent.offset, extent.length, bytes_of_run.data());
        const std::vector<Pair> run = pairs_of(bytes_of_run);
        BOOST_TEST((run == stably_sorted(run)));
        inputs.push_back(detail::MergeInput{&file, extent, {}});
      }
      std::map<std::string, std::vector<std::string>> model;
      for (const auto& [key, value] : added[p]) model[key].push_back(value);
      Merged merged;
      detail::merge_runs(inputs, file, detail::merge_shape(1024),
                         [&](std::string_view key, std::span<const std::string_view> values) {
                           merged.emplace_back(std::string(key),
                                               std::vector<std::string>(values.begin(), values.end()));
                         });
      BOOST_TEST((merged == Merged(model.begin(), model.end())));
    }
  }
  spiller.reset();
  BOOST_TEST(!spiller.spilled());
  BOOST_TEST(spiller.spilled_runs() == 0u);
  for (std::size_t p = 0; p < kPartitions; ++p) BOOST_TEST(spiller.index(p).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
// The jobs: their output shows the grouping, the key order, the order in
// which values reach reducer and the order of a floating-point fold.
namespace {

using mapreduce::test::fnv1a;
using mapreduce::test::for_each_word;
using mapreduce::test::value_of;

enum class Combine { none, per_task, in_any_order };

template <Combine kCombine>
struct WordCountOf final : mapreduce::MapReduceConcurrent<WordCountOf<kCombine>, std::string, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<WordCountOf<kCombine>, std::string, std::int64_t>;
  using Base::Base;
  using typename Base::Emitter;
  using typename Base::Values;
  void mapper(std::string_view line, Emitter& emit) {
    for_each_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  void combiner(std::string_view, std::int64_t& total,
                std::int64_t count) requires(kCombine != Combine::none) {
    total += count;
  }
  static constexpr bool combine_in_any_order = kCombine == Combine::in_any_order;
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }
};

// A float sum folded by a map-side combiner: the same map tasks in every
// engine, so the same groups folded in the same order, or the last digits
// differ.
struct CombinedSum final : mapreduce::MapReduceConcurrent<CombinedSum, std::string, double> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    emit(line.substr(0, 1), value_of(line));
    for_each_word(line,
                  [&](std::string_view word) { emit(word.substr(0, 2), value_of(word) * value_of(line)); });
  }
  void combiner(std::string_view, double& combined, double value) { combined += value; }
  std::pair<std::string_view, double> reducer(std::string_view key, Values values) {
    double sum = 0;
    for (double v : values) sum += v;
    return {key, sum};
  }
};

// The mean of doubles in the order received, no combiner; the key is the
// line's first byte, empty for an empty line.
struct MeanValue final : mapreduce::MapReduceConcurrent<MeanValue, std::string, double> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) { emit(line.substr(0, 1), value_of(line)); }
  std::pair<std::string_view, double> reducer(std::string_view key, Values values) {
    double sum = 0;
    for (double v : values) sum += v;
    return {key, sum / static_cast<double>(values.size())};
  }
};

// The line numbers of `lines`, in the order they come, joined by spaces.
template <class Lines>
std::string joined(const Lines& lines) {
  std::string list;
  for (std::uint64_t line : lines) {
    if (!list.empty()) list += ' ';
    list += std::to_string(line);
  }
  return list;
}

// An inverted index without combiner: each word's line numbers in the order
// reducer receives them, repeats kept, which must be input order.
struct InvertedIndex final : mapreduce::MapReduceConcurrent<InvertedIndex, std::string, std::uint64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const std::uint64_t at = input_context().line();
    for_each_word(line, [&](std::string_view word) { emit(word, at); });
  }
  std::pair<std::string_view, std::string> reducer(std::string_view word, Values lines) {
    return {word, joined(lines)};
  }
};

// The same with the values sorted by value_less on their first field only:
// the ties keep input order (a stable sort of values in input order).
struct SortedIndex final
    : mapreduce::MapReduceConcurrent<SortedIndex, std::string, std::pair<std::uint64_t, std::uint64_t>> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const std::uint64_t at = input_context().line();
    for_each_word(line, [&](std::string_view word) { emit(word, {at % 5, at}); });
  }
  bool value_less(ValueView a, ValueView b) { return a.first < b.first; }
  std::pair<std::string_view, std::string> reducer(std::string_view word, Values places) {
    std::string list;
    for (const ValueView& at : places)
      list += std::to_string(at.first) + ":" + std::to_string(at.second) + " ";
    return {word, std::move(list)};
  }
};

// Several values per key, joined in the order received: int64 keys (their
// codec orders negative before positive), values from each line's start.
struct ValueOrder final : mapreduce::MapReduceConcurrent<ValueOrder, std::int64_t, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const auto key = static_cast<std::int64_t>(fnv1a(line) % 23) - 11;
    emit(key, std::string(line.substr(0, 6)) + ":" + std::to_string(line.size()));
    emit(key * 1'000'000'007, std::to_string(line.size()));
  }
  std::pair<std::int64_t, std::string> reducer(std::int64_t key, Values values) {
    std::string joined;
    for (std::string_view v : values) {
      joined += v;
      joined += '|';
    }
    return {key, std::move(joined)};
  }
};

// Whole lines as keys: long keys (longer than a merge's read buffer, longer
// than the whole budget), keys sharing long prefixes, NULs, empty keys.
struct LineKeys final : mapreduce::MapReduceConcurrent<LineKeys, std::string, std::uint64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    emit(line, input_context().line());
    emit(line.substr(0, 9), line.size());
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, Values values) {
    std::string list;
    for (std::uint64_t v : values) list += std::to_string(v) + ",";
    return {key, std::move(list)};
  }
};

// A map-only job: nothing to spill, whatever the limit.
struct MapOnly final : mapreduce::MapReduceConcurrent<MapOnly, std::string, std::uint64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    if (!line.empty() && line[0] < 'm') emit(line, line.size());
  }
};

// What one run gave.
struct RunResult {
  std::string output;
  mapreduce::Counters counters;
  std::int64_t counter(std::string_view name) const { return counters.get(mapreduce::kEngineCounters, name); }
};

// To standard output's stand-in, a stream, unless the options name an
// output file or directory.
template <class Job>
RunResult run_job(const std::string& input, mapreduce::Options options) {
  std::ostringstream out;
  if (options.output.empty() && options.output_dir.empty()) options.output_stream = &out;
  Job job(input, options);
  job.run();
  return {out.str(), job.counters()};
}

struct JobCase {
  std::string name;
  std::function<RunResult(const std::string&, const mapreduce::Options&)> run;
  bool per_task_combiner;  // the sequential engine with one partition combines as it maps: no spill
};

std::ostream& operator<<(std::ostream& out, const JobCase& c) { return out << c.name; }

std::vector<JobCase> job_cases() {
  return {
      {"word count without combiner", run_job<WordCountOf<Combine::none>>, false},
      {"word count with a per-task combiner", run_job<WordCountOf<Combine::per_task>>, true},
      {"word count combined in any order", run_job<WordCountOf<Combine::in_any_order>>, false},
      {"float sum with a combiner", run_job<CombinedSum>, true},
      {"float mean without combiner", run_job<MeanValue>, false},
      {"inverted index without combiner", run_job<InvertedIndex>, false},
      {"inverted index sorted by value_less", run_job<SortedIndex>, false},
      {"several values per key", run_job<ValueOrder>, false},
      {"whole lines as keys", run_job<LineKeys>, false},
  };
}

// About `bytes` of text: words from a vocabulary and random ones, CRLF and
// LF, empty lines, NUL and high bytes, a few long lines that share a
// prefix, no final newline.
std::string random_text(std::uint64_t seed, std::size_t bytes) {
  std::mt19937_64 rng(seed);
  mapreduce::test::Style style;
  style.bytes = bytes;
  style.crlf = 0.3;
  style.odd_bytes = 0.03;
  style.empty_lines = 0.05;
  style.long_lines = 0.01;
  style.final_newline = false;
  return mapreduce::test::random_text(rng, style);
}

// The input of the equivalence and fault tests, written once: about 40 KB,
// so 64 map tasks of some 600 bytes.
struct SharedInput {
  TempDir dir;
  std::string text = random_text(20261201, 40'000);
  std::string path = dir.write("input.txt", text);
};

const SharedInput& shared_input() {
  static const SharedInput input;
  return input;
}

mapreduce::Options engine_options(unsigned processes, unsigned reducers) {
  mapreduce::Options options = mapreduce::test::options_for(processes);
  options.reducers = reducers;
  return options;
}

std::string engine_name(unsigned processes, unsigned reducers) {
  std::string name = processes == 0 ? "sequential" : std::to_string(processes) + " processes";
  if (reducers != 0) name += ", " + std::to_string(reducers) + " reducers";
  return name;
}

constexpr std::uint64_t kLimits[] = {1024, 4096, 65536};
constexpr unsigned kProcessCounts[] = {0, 1, 2, 3, 8};
constexpr unsigned kReducerCounts[] = {0, 1, 5};

}  // namespace

BOOST_AUTO_TEST_SUITE(equivalence)

BOOST_DATA_TEST_CASE_F(SpillFixture, the_output_is_the_unlimited_runs, data::make(job_cases()), job) {
  const SharedInput& input = shared_input();
  watchdog_.restart();
  std::size_t spilled_runs = 0;
  std::size_t spilled_at_64k = 0;
  std::size_t multi_pass_runs = 0;
  for (unsigned processes : kProcessCounts) {
    for (unsigned reducers : kReducerCounts) {
      const mapreduce::Options plain = engine_options(processes, reducers);
      const RunResult unlimited = job.run(input.path, plain);
      BOOST_TEST_CONTEXT(engine_name(processes, reducers)) {
        BOOST_TEST_REQUIRE(unlimited.counter("distinct keys") > 20);
        BOOST_TEST(unlimited.counter("spilled runs") == 0);
        BOOST_TEST(unlimited.counter("merge passes") == 0);
        BOOST_TEST(unlimited.counter("spilled bytes") == 0);
        const bool may_not_spill = job.per_task_combiner && processes == 0 && reducers <= 1;
        for (std::uint64_t limit : kLimits) {
          BOOST_TEST_CONTEXT("memory limit " << limit) {
            mapreduce::Options options = plain;
            options.memory_limit = limit;
            options.spill_dir = spill.path();
            const RunResult limited = job.run(input.path, options);
            BOOST_TEST(first_difference(unlimited.output, limited.output) == "");
            check_spill_dir_empty("a run");
            for (const char* name :
                 {"input lines", "map output records", "distinct keys", "reduce output records"})
              BOOST_TEST(limited.counter(name) == unlimited.counter(name), name);
            const std::int64_t runs = limited.counter("spilled runs");
            const std::int64_t passes = limited.counter("merge passes");
            if (may_not_spill) {
              // It combines as it maps, into one table: nothing to spill.
              BOOST_TEST(runs == 0);
              BOOST_TEST(passes == 0);
              continue;
            }
            // At 1 and 4 KiB the map output (tens of KB) cannot fit; at
            // 64 KiB it must spill when what it stored is over the limit
            // (no process may hold more than its share).
            const bool must_spill =
                limit <= 4096 || limited.counter("intermediate bytes") > std::int64_t(limit);
            if (must_spill) {
              BOOST_TEST(runs > 0);
              // Every reduce task merges when anything spilled.
              BOOST_TEST(passes >=
                         std::int64_t(reducers == 0 ? (processes == 0 ? 1 : 4 * processes) : reducers));
              BOOST_TEST(limited.counter("spilled bytes") > 0);
            }
            if (runs > 0) {
              ++spilled_runs;
              spilled_at_64k += limit == 65536;
              BOOST_TEST(passes > 0);
              BOOST_TEST(limited.counter("spilled bytes") <= limited.counter("intermediate bytes"));
            } else {
              BOOST_TEST(passes == 0);
            }
            // More merge passes than reduce tasks: some partition took
            // several.
            const std::int64_t tasks = reducers == 0 ? (processes == 0 ? 1 : 4 * processes) : reducers;
            if (passes > tasks) ++multi_pass_runs;
          }
        }
      }
    }
  }
  BOOST_TEST_MESSAGE(job.name << ": " << spilled_runs << " runs spilled (" << spilled_at_64k
                              << " at 64 KiB), " << multi_pass_runs << " merged in several passes");
  // The limits do bite: every run at 1 and 4 KiB spilled (but the
  // sequential combiner's with one partition), some at 64 KiB too, and
  // some merged in several passes.
  BOOST_TEST(spilled_runs >= (job.per_task_combiner ? 26u : 30u));
  BOOST_TEST(spilled_at_64k > 0u);
  BOOST_TEST(multi_pass_runs > 0u);
}

// The sequential engine's combiner with one partition holds one value per
// distinct key and spills nothing, whatever the limit; with several
// partitions, or combining in any order, it spills.
BOOST_FIXTURE_TEST_CASE(what_the_sequential_combiners_spill, SpillFixture) {
  const SharedInput& input = shared_input();
  mapreduce::Options options = engine_options(0, 0);
  options.memory_limit = 1024;
  options.spill_dir = spill.path();
  BOOST_TEST(run_job<WordCountOf<Combine::per_task>>(input.path, options).counter("spilled runs") == 0);
  BOOST_TEST(run_job<WordCountOf<Combine::in_any_order>>(input.path, options).counter("spilled runs") > 0);
  options.reducers = 2;
  BOOST_TEST(run_job<WordCountOf<Combine::per_task>>(input.path, options).counter("spilled runs") > 0);
}

// A map-only job has nothing to spill: its output lines are not held for a
// reduce.
BOOST_FIXTURE_TEST_CASE(a_map_only_job_spills_nothing, SpillFixture) {
  const SharedInput& input = shared_input();
  const RunResult plain = run_job<MapOnly>(input.path, engine_options(0, 0));
  BOOST_TEST_REQUIRE(plain.output.size() > 1000u);
  for (unsigned processes : {0u, 3u}) {
    mapreduce::Options options = engine_options(processes, 0);
    options.memory_limit = 1024;
    options.spill_dir = spill.file("missing");  // never needed
    const RunResult limited = run_job<MapOnly>(input.path, options);
    BOOST_TEST(first_difference(plain.output, limited.output) == "");
    BOOST_TEST(limited.counter("spilled runs") == 0);
  }
}

// Written to a file, with --output-dir part files, and in a pipeline, the
// output is the same too.
BOOST_FIXTURE_TEST_CASE(other_destinations, SpillFixture) {
  const SharedInput& input = shared_input();
  for (unsigned processes : {0u, 2u}) {
    BOOST_TEST_CONTEXT(engine_name(processes, 3)) {
      const std::string name = std::to_string(processes);
      mapreduce::Options plain = engine_options(processes, 3);
      plain.output_dir = file("plain" + name);
      InvertedIndex(input.path, plain).run();
      mapreduce::Options limited = plain;
      limited.output_dir = file("limited" + name);
      limited.memory_limit = 1024;
      limited.spill_dir = spill.path();
      InvertedIndex job(input.path, limited);
      job.run();
      BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);
      for (const char* part : {"part-00000", "part-00001", "part-00002"}) {
        BOOST_TEST(first_difference(read_file(plain.output_dir + "/" + part),
                                    read_file(limited.output_dir + "/" + part)) == "",
                   part);
      }
      check_spill_dir_empty("a run");
    }
  }
}

// Step 2 of a pipeline over WordCount's records: the words by count, most
// frequent first (an emitting reducer, values sorted).
struct ByCount final : mapreduce::MapReduceConcurrent<ByCount, std::int64_t, std::string,
                                                      mapreduce::Pairs<std::string, std::int64_t>> {
  using MapReduceConcurrent::MapReduceConcurrent;
  static constexpr bool sort_values = true;
  void mapper(std::string_view word, std::int64_t count, Emitter& emit) { emit(-count, word); }
  void reducer(std::int64_t negated, Values words, Out& out) {
    for (std::string_view word : words) out(word, -negated);
  }
};

BOOST_FIXTURE_TEST_CASE(a_pipeline_spills_in_each_step, SpillFixture) {
  const SharedInput& input = shared_input();
  for (unsigned processes : {0u, 3u}) {
    BOOST_TEST_CONTEXT(engine_name(processes, 0)) {
      std::ostringstream plain;
      mapreduce::Options options = engine_options(processes, 0);
      options.output_stream = &plain;
      {
        WordCountOf<Combine::none> count(input.path, options);
        ByCount by_count(input.path, options);
        mapreduce::run_steps(count, by_count);
      }
      std::ostringstream limited;
      options.output_stream = &limited;
      options.memory_limit = 1024;
      options.spill_dir = spill.path();
      WordCountOf<Combine::none> count(input.path, options);
      ByCount by_count(input.path, options);
      mapreduce::run_steps(count, by_count);
      BOOST_TEST_REQUIRE(plain.str().size() > 1000u);
      BOOST_TEST(first_difference(plain.str(), limited.str()) == "");
      BOOST_TEST(count.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);
      BOOST_TEST(by_count.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);
      check_spill_dir_empty("a pipeline");
    }
  }
}

// A mapper and a reducer that throw once each, on their first attempt
// (retry_exceptions): the attempts that threw had spilled and merged; the
// retries start clean, and the output is exact.
struct ThrowsOnce final : mapreduce::MapReduceConcurrent<ThrowsOnce, std::string, std::uint64_t> {
  ThrowsOnce(std::string input, mapreduce::Options options, std::string marker)
      : MapReduceConcurrent(std::move(input), std::move(options)), marker_(std::move(marker)) {}
  void mapper(std::string_view line, Emitter& emit) {
    const std::uint64_t at = input_context().line();
    if (at == 300) once("map");
    for_each_word(line, [&](std::string_view word) { emit(word, at); });
  }
  std::pair<std::string_view, std::string> reducer(std::string_view word, Values lines) {
    if (word == "zebra") once("reduce");
    std::string list;
    for (std::uint64_t line : lines) {
      if (!list.empty()) list += ' ';
      list += std::to_string(line);
    }
    return {word, std::move(list)};
  }

 private:
  // Throws if this is the first call for `what` in any process.
  void once(const std::string& what) {
    if (std::filesystem::create_directory(marker_ + "." + what)) throw std::runtime_error("first attempt");
  }
  std::string marker_;
};

BOOST_FIXTURE_TEST_CASE(retried_exceptions_start_clean, SpillFixture) {
  const SharedInput& input = shared_input();
  const RunResult reference = run_job<InvertedIndex>(input.path, engine_options(0, 0));
  for (unsigned processes : {2u, 3u}) {
    BOOST_TEST_CONTEXT(engine_name(processes, 0)) {
      std::ostringstream out;
      mapreduce::Options options = engine_options(processes, 0);
      options.output_stream = &out;
      options.memory_limit = 1024;
      options.spill_dir = spill.path();
      options.retry_exceptions = true;
      ThrowsOnce job(input.path, options, file("marker" + std::to_string(processes)));
      job.run();
      BOOST_TEST(first_difference(reference.output, out.str()) == "");
      BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "failed task attempts") == 2);
      BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);
      check_spill_dir_empty("a run with retries");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(faults)

namespace {

struct FaultCase {
  const char* point;  // map-spilling, map-mapped, map-committed, reduce-merging, reduce-claimed
  unsigned processes;
  std::uint64_t limit;
  int job;    // 0: no combiner (InvertedIndex), 1: combining in any order, 2: several values per key
  int which;  // 0: the first task, 1: a middle one, 2: the last
};

std::ostream& operator<<(std::ostream& out, const FaultCase& c) {
  static const char* const kJobs[] = {"inverted index", "word count in any order", "several values per key"};
  static const char* const kWhich[] = {"first", "middle", "last"};
  return out << c.point << " of the " << kWhich[c.which] << " task, " << kJobs[c.job] << ", " << c.processes
             << " processes, memory limit " << c.limit;
}

// Every point, job and task at 2 and 3 processes; the limit (1, 4 or
// 16 KiB; 1 for map-spilling) varies across them. At 16 KiB a worker that combines in any order
// commits runs of several tasks, and still spills.
std::vector<FaultCase> fault_cases() {
  std::vector<FaultCase> all;
  for (const char* point :
       {"map-spilling", "map-mapped", "map-committed", "reduce-merging", "reduce-claimed"}) {
    for (unsigned processes : {2u, 3u}) {
      for (int job = 0; job < 3; ++job) {
        for (int which = 0; which < 3; ++which) {
          int level = (job + which + static_cast<int>(processes)) % 3;
          // Above 1 KiB the first task's run may be kept in memory: then it
          // never spills.
          if (std::string_view(point) == "map-spilling") level = 0;
          all.push_back(FaultCase{point, processes, std::uint64_t(1024) << (2 * level), job, which});
        }
      }
    }
  }
  return all;
}

RunResult run_fault_job(int job, const std::string& input, const mapreduce::Options& options) {
  switch (job) {
    case 0:
      return run_job<InvertedIndex>(input, options);
    case 1:
      return run_job<WordCountOf<Combine::in_any_order>>(input, options);
    default:
      return run_job<ValueOrder>(input, options);
  }
}

}  // namespace

BOOST_DATA_TEST_CASE_F(SpillFixture, a_killed_worker_is_recovered, data::make(fault_cases()), c) {
  mapreduce::test::disable_core_files();
  const SharedInput& input = shared_input();
  // A merge pass writes scratch runs only in a partition with more runs
  // than the merge takes at once: with 3 partitions each has some of every
  // map task's keys.
  const bool merging = std::string_view(c.point) == "reduce-merging";
  const unsigned reducers = merging ? 3 : 0;
  const RunResult reference = run_fault_job(c.job, input.path, engine_options(0, reducers));
  const bool map = std::string_view(c.point).starts_with("map");
  const std::int64_t tasks = map ? reference.counter("map tasks") : merging ? 3 : 4 * c.processes;
  BOOST_TEST_REQUIRE(tasks >= 3);
  const std::int64_t task = c.which == 0 ? 0 : c.which == 1 ? tasks / 2 : tasks - 1;
  const ScopedEnvironment fault("MAPREDUCE_TEST_FAULT", std::string(c.point) + ":" + std::to_string(task));
  mapreduce::Options options = engine_options(c.processes, reducers);
  options.memory_limit = c.limit;
  options.spill_dir = spill.path();
  // To a file, so that a failure could not hide in a stream.
  options.output = file("out.txt");
  RunResult limited;
  std::string error;
  try {
    limited = run_fault_job(c.job, input.path, options);
  } catch (const std::exception& e) {
    error = e.what();
  }
  BOOST_TEST_REQUIRE(error == "");
  BOOST_TEST(first_difference(reference.output, read_file(options.output)) == "");
  BOOST_TEST(limited.counter("failed task attempts") == 1);
  BOOST_TEST(limited.counter("spilled runs") > 0);
  BOOST_TEST(limited.counter("merge passes") > 0);
  for (const char* name : {"input lines", "map output records", "distinct keys", "reduce output records"})
    BOOST_TEST(limited.counter(name) == reference.counter(name), name);
  check_spill_dir_empty("a run with a killed worker");
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(options)

// A spill directory that cannot be used is an error only when something
// must spill; then a ResourceError naming it, and no output.
BOOST_FIXTURE_TEST_CASE(an_unusable_spill_dir_fails_only_when_needed, SpillFixture) {
  const SharedInput& input = shared_input();
  const RunResult reference = run_job<InvertedIndex>(input.path, engine_options(0, 0));
  const std::string not_a_directory = write("plain-file", "x");
  for (const std::string& directory : {file("missing"), not_a_directory}) {
    for (unsigned processes : {0u, 2u}) {
      BOOST_TEST_CONTEXT(directory << ", " << engine_name(processes, 0)) {
        mapreduce::Options options = engine_options(processes, 0);
        options.spill_dir = directory;
        options.memory_limit = std::uint64_t(1) << 30;  // fits: the directory is never needed
        BOOST_TEST(first_difference(reference.output, run_job<InvertedIndex>(input.path, options).output) ==
                   "");
        options.memory_limit = 1024;
        options.output = file("out.txt");
        const auto message = mapreduce::test::message_of<mapreduce::ResourceError>(
            [&] { InvertedIndex(input.path, options).run(); });
        BOOST_TEST_REQUIRE(message.has_value());
        BOOST_TEST(contains(*message, directory), *message);
        BOOST_TEST(!std::filesystem::exists(options.output));
        // An existing output file stays as it was.
        mapreduce::test::write_file(options.output, "old\n");
        BOOST_CHECK_THROW(InvertedIndex(input.path, options).run(), mapreduce::ResourceError);
        BOOST_TEST(read_file(options.output) == "old\n");
        std::filesystem::remove(options.output);
        BOOST_TEST(directory_entries(path()) == (std::set<std::string>{"plain-file"}));
      }
    }
  }
}

// The limit's default, 0, and its minimum; the modes and engines that
// refuse it.
BOOST_FIXTURE_TEST_CASE(the_limit_and_the_modes, SpillFixture) {
  const SharedInput& input = shared_input();
  mapreduce::Options options = engine_options(0, 0);
  options.memory_limit = mapreduce::Options::kMinMemoryLimit - 1;
  auto message = mapreduce::test::message_of<mapreduce::UsageError>(
      [&] { run_job<WordCountOf<Combine::none>>(input.path, options); });
  BOOST_TEST_REQUIRE(message.has_value());
  BOOST_TEST(contains(*message, "memory_limit"), *message);
  BOOST_TEST(contains(*message, "1024"), *message);
  options.memory_limit = 1;
  BOOST_CHECK_THROW(run_job<WordCountOf<Combine::none>>(input.path, options), mapreduce::UsageError);
  options.memory_limit = mapreduce::Options::kMinMemoryLimit;
  options.spill_dir = spill.path();
  BOOST_TEST(run_job<WordCountOf<Combine::none>>(input.path, options).counter("spilled runs") > 0);

  for (const mapreduce::RunMode mode : {mapreduce::RunMode::stream_map, mapreduce::RunMode::stream_reduce}) {
    for (int member = 0; member < 2; ++member) {
      mapreduce::Options streaming;
      streaming.mode = mode;
      if (member == 0) {
        streaming.memory_limit = 4096;
      } else {
        streaming.spill_dir = spill.path();
      }
      message = mapreduce::test::message_of<mapreduce::UsageError>(
          [&] { run_job<WordCountOf<Combine::none>>(input.path, streaming); });
      BOOST_TEST_REQUIRE(message.has_value());
      BOOST_TEST(contains(*message, member == 0 ? "memory_limit" : "spill_dir"), *message);
      BOOST_TEST(contains(*message, "Hadoop"), *message);
    }
  }
  for (int member = 0; member < 2; ++member) {
    mapreduce::Options mpi;
    mpi.mpi = true;
    if (member == 0) {
      mpi.memory_limit = 4096;
    } else {
      mpi.spill_dir = spill.path();
    }
    message = mapreduce::test::message_of<mapreduce::UsageError>(
        [&] { run_job<WordCountOf<Combine::none>>(input.path, mpi); });
    BOOST_TEST_REQUIRE(message.has_value());
    BOOST_TEST(
        contains(*message, member == 0 ? "mpi does not take memory_limit" : "mpi does not take spill_dir"),
        *message);
  }
}

// Inputs too small to cut: empty, one line, one line without a newline,
// one long line; fewer map tasks than processes.
BOOST_FIXTURE_TEST_CASE(tiny_inputs, SpillFixture) {
  const std::string inputs[] = {"", "\n", "one line\n", "no newline", std::string(5000, 'w') + " x y x\n"};
  for (std::size_t i = 0; i < std::size(inputs); ++i) {
    const std::string input = write("tiny" + std::to_string(i), inputs[i]);
    const RunResult plain = run_job<InvertedIndex>(input, engine_options(0, 0));
    for (unsigned processes : {0u, 1u, 3u}) {
      BOOST_TEST_CONTEXT("input " << i << ", " << engine_name(processes, 0)) {
        mapreduce::Options options = engine_options(processes, 0);
        options.memory_limit = 1024;
        options.spill_dir = spill.path();
        BOOST_TEST(first_difference(plain.output, run_job<InvertedIndex>(input, options).output) == "");
      }
    }
  }
}

// The one-process class (MapReduce) spills alike.
struct SequentialIndex final : mapreduce::MapReduce<SequentialIndex, std::string, std::uint64_t> {
  using MapReduce::MapReduce;
  void mapper(std::string_view line, Emitter& emit) {
    const std::uint64_t at = input_context().line();
    for_each_word(line, [&](std::string_view word) { emit(word, at); });
  }
  std::pair<std::string_view, std::string> reducer(std::string_view word, Values lines) {
    return {word, joined(lines)};
  }
};

BOOST_FIXTURE_TEST_CASE(the_one_process_class_spills_too, SpillFixture) {
  const SharedInput& input = shared_input();
  const RunResult reference = run_job<InvertedIndex>(input.path, engine_options(0, 0));
  for (unsigned reducers : {0u, 4u}) {
    mapreduce::Options options;
    options.reducers = reducers;
    options.memory_limit = 2048;
    options.spill_dir = spill.path();
    const RunResult limited = run_job<SequentialIndex>(input.path, options);
    BOOST_TEST(first_difference(reference.output, limited.output) == "");
    BOOST_TEST(limited.counter("spilled runs") > 0);
    BOOST_TEST(limited.counter("merge passes") > 0);
  }
}

// Without a limit (the default, half the memory) nothing spills, and the
// spill counters are not there at all.
BOOST_FIXTURE_TEST_CASE(no_spill_counters_without_spilling, SpillFixture) {
  const SharedInput& input = shared_input();
  for (unsigned processes : {0u, 2u}) {
    mapreduce::Options options = engine_options(processes, 0);
    options.spill_dir = spill.path();
    const RunResult result = run_job<InvertedIndex>(input.path, options);
    for (const char* name : {"spilled bytes", "spilled runs", "merge passes"}) {
      BOOST_TEST(!result.counters.entries().contains(mapreduce::Counters::Name("mapreduce", name)), name);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// One pair a byte of input: a 1-byte key and no value, a record of 3 bytes.
struct ByteTally final : mapreduce::MapReduceConcurrent<ByteTally, std::string, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    for (char c : line) emit(std::string(1, c), std::string());
  }
  std::pair<std::string, std::size_t> reducer(std::string_view key, Values values) {
    return {std::string(key), values.size()};
  }
};

}  // namespace

// The map runs a worker keeps in memory are charged what their records
// cost, not only their bytes: 65 000 records of 3 bytes (195 000 bytes)
// would fit half of a 1 MiB budget, but at 19 bytes each (1.2 MB) they do
// not, and the later runs spill; the output is the same.
BOOST_FIXTURE_TEST_CASE(kept_map_runs_of_tiny_records_are_charged_their_cost, SpillFixture) {
  std::string input;
  std::map<char, std::size_t> counts;
  std::mt19937_64 rng(99);
  for (std::size_t i = 0; i < 65000; ++i) {
    const char c = static_cast<char>('a' + rng() % 26);
    ++counts[c];
    input += c;
    if (i % 79 == 78) input += '\n';
  }
  std::string expected;
  for (const auto& [c, count] : counts) expected += std::string(1, c) + "\t" + std::to_string(count) + "\n";
  const std::string path = write("tiny.txt", input);
  std::ostringstream out;
  mapreduce::Options options;
  options.output_stream = &out;
  options.processes = 1;
  options.memory_limit = 1 << 20;
  options.spill_dir = spill.path();
  ByteTally job(path, options);
  job.run();
  BOOST_TEST(out.str() == expected);
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "spilled runs") > 0);
}
