// Jobs on the record formats besides lines (Options::records): every record
// reaches mapper once, whole, with its number and offset in input_context(),
// byte-identical output from the sequential engine and the concurrent one at
// 1 to 8 processes (plain, compressed and directory inputs, several map
// tasks), errors naming the record, and the options' rules. The expectations
// come from a reference splitter written here.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE records
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "compression_support.hpp"
#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::RecordFormat;
using mapreduce::RecordKind;
using mapreduce::test::first_difference;
using mapreduce::test::JobFixture;
using mapreduce::test::options_for;
using namespace std::string_literals;

struct Record {
  std::string text;
  std::size_t offset;
};

// The reference: the rules of README's "Record formats", byte by byte.
std::vector<Record> reference_split(std::string_view text, const RecordFormat& format) {
  std::vector<Record> records;
  auto terminated = [&](char terminator, bool drop_cr) {
    std::vector<Record> out;
    std::size_t begin = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] != terminator) continue;
      if (i == text.size() && begin == text.size()) break;
      std::string record(text.substr(begin, i - begin));
      if (drop_cr && i < text.size() && !record.empty() && record.back() == '\r') record.pop_back();
      out.push_back({record, begin});
      begin = i + 1;
    }
    return out;
  };
  switch (format.kind) {
    case RecordKind::lines:
      return terminated('\n', true);
    case RecordKind::nul:
      return terminated('\0', false);
    case RecordKind::paragraphs: {
      bool open = false;
      for (const Record& line : terminated('\n', true)) {
        if (line.text.empty()) {
          open = false;
        } else if (open) {
          records.back().text += "\n" + line.text;
        } else {
          records.push_back(line);
          open = true;
        }
      }
      return records;
    }
    case RecordKind::file:
      return {{std::string(text), 0}};
    case RecordKind::fixed:
      for (std::size_t i = 0; i < text.size(); i += format.size)
        records.push_back({std::string(text.substr(i, format.size)), i});
      return records;
    case RecordKind::separated: {
      const std::string_view separator = format.separator();
      std::size_t begin = 0;
      for (std::size_t i = 0; i < text.size();) {
        if (text.substr(i, separator.size()) != separator) {
          ++i;
          continue;
        }
        records.push_back({std::string(text.substr(begin, i - begin)), begin});
        i += separator.size();
        begin = i;
      }
      if (begin < text.size()) records.push_back({std::string(text.substr(begin)), begin});
      return records;
    }
  }
  return records;
}

std::string hash_text(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::ostringstream out;
  out << std::hex << h;
  return out.str();
}

// "PATH:NUMBER" (the number zero-padded, so that keys sort as records do) to
// "offset:size:hash" of the record.
std::string key_of(std::string_view path, std::uint64_t number) {
  std::string digits = std::to_string(number);
  return std::string(path) + ":" + std::string(9 - std::min<std::size_t>(9, digits.size()), '0') + digits;
}
std::string value_of(std::uint64_t offset, std::string_view record) {
  return std::to_string(offset) + ":" + std::to_string(record.size()) + ":" + hash_text(record);
}

struct Where final : mapreduce::MapReduceConcurrent<Where, std::string, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view record, Emitter& emit) {
    const mapreduce::InputContext& at = input_context();
    emit(key_of(at.path(), at.line()), value_of(at.offset(), record));
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, Values values) {
    std::string joined;
    for (std::string_view v : values) joined += std::string(v) + ";";  // twice would show
    return {key, joined};
  }
};

// With a combiner: each record's first byte, counted.
struct FirstBytes final : mapreduce::MapReduceConcurrent<FirstBytes, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view record, Emitter& emit) { emit(hash_text(record.substr(0, 1)), 1); }
  void combiner(std::string_view, std::int64_t& total, std::int64_t count) { total += count; }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {key, total};
  }
};

// Records of random length between separators that matter to every format:
// newlines, CRLF, runs of blank lines, NULs.
std::string random_text(std::mt19937_64& random, std::size_t size) {
  static const char* const kSeparators[] = {"\n", "\n", "\r\n", "\n\n", "\r\n\r\n\n", "\0", "\0\0", " "};
  static const std::size_t kSizes[] = {1, 1, 2, 2, 5, 1, 2, 1};
  std::string text;
  while (text.size() < size) {
    const std::size_t length = random() % 8 == 0 ? random() % 2000 : random() % 120;
    for (std::size_t i = 0; i < length; ++i) text += static_cast<char>('a' + random() % 26);
    const std::size_t s = random() % std::size(kSeparators);
    text.append(kSeparators[s], kSizes[s]);
  }
  return text;
}

std::string fitted(std::string text, const RecordFormat& format) {
  if (format.kind == RecordKind::fixed) text.resize(text.size() / format.size * format.size);
  return text;
}

std::string name_of(const RecordFormat& format) {
  static const char* const kNames[] = {"lines", "nul", "paragraphs", "file", "fixed", "sep"};
  std::string name = kNames[static_cast<int>(format.kind)];
  if (format.kind == RecordKind::fixed) name += ":" + std::to_string(format.size);
  if (format.kind == RecordKind::separated) name += ":" + mapreduce::test::escaped(format.separator());
  return name;
}

struct FormatCase {
  RecordFormat format;
};
std::ostream& operator<<(std::ostream& out, const FormatCase& c) { return out << name_of(c.format); }

const FormatCase kFormats[] = {{RecordFormat::lines()},
                               {RecordFormat::nul()},
                               {RecordFormat::paragraphs()},
                               {RecordFormat::file()},
                               {RecordFormat::fixed(97)},
                               {RecordFormat::fixed(1000)},
                               {RecordFormat::separated_by("\r\n")},
                               {RecordFormat::separated_by("a\0z")},
                               {RecordFormat::separated_by("q")}};

using Fixture = JobFixture<240>;

template <class Job>
std::string run(const std::vector<std::string>& inputs, const RecordFormat& format, unsigned processes) {
  std::ostringstream out;
  mapreduce::Options options = options_for(processes, out);
  options.records = format;
  Job job(inputs, options);
  job.run();
  return out.str();
}

}  // namespace

// A 2.5 MB file (three map tasks), a directory of two files and an empty one,
// and a 4.5 MB .gz (over one decompressed block): the records, their numbers
// and offsets as the reference says, and the same output everywhere.
BOOST_DATA_TEST_CASE_F(Fixture, every_engine_sees_the_reference_records, data::make(kFormats), c) {
  const RecordFormat& format = c.format;
  std::mt19937_64 random(2024 + static_cast<unsigned>(format.kind) + format.size);
  const std::string big = fitted(random_text(random, 2'500'000), format);
  const std::string small = fitted(random_text(random, 3000), format);
  const std::string packed = fitted(random_text(random, 4'500'000), format);
  const std::string big_path = write("big.txt", big);
  std::filesystem::create_directory(path() + "/dir");
  const std::string small_path = write("dir/a.txt", small);
  const std::string empty_path = write("dir/b.txt", "");
  const std::string packed_path = write("packed.txt.gz", mapreduce::test::gzip(packed, 1));
  const std::vector<std::string> inputs = {big_path, path() + "/dir", packed_path};

  std::map<std::string, std::string> expected;
  std::map<std::string, std::int64_t> first_bytes;
  std::size_t records = 0;
  for (const auto& [file, text] : {std::pair{big_path, big}, std::pair{small_path, small},
                                   std::pair{empty_path, std::string()}, std::pair{packed_path, packed}}) {
    // A file record is the whole file, an empty one too; the other formats
    // find no record in an empty file.
    const auto file_records = text.empty() && format.kind != RecordKind::file ? std::vector<Record>()
                                                                              : reference_split(text, format);
    for (std::size_t i = 0; i < file_records.size(); ++i) {
      expected[key_of(file, i + 1)] = value_of(file_records[i].offset, file_records[i].text) + ";";
      ++first_bytes[hash_text(std::string_view(file_records[i].text).substr(0, 1))];
    }
    records += file_records.size();
  }
  std::string expected_where;
  for (const auto& [key, value] : expected) expected_where += key + "\t" + value + "\n";
  std::string expected_bytes;
  for (const auto& [key, count] : first_bytes) expected_bytes += key + "\t" + std::to_string(count) + "\n";
  BOOST_TEST(records > (format.kind == RecordKind::file ? 3u : 1000u));  // the inputs are what they claim

  const std::string sequential = run<Where>(inputs, format, 0);
  BOOST_TEST(first_difference(expected_where, sequential) == "", "sequential engine against the reference");
  BOOST_TEST(first_difference(expected_bytes, run<FirstBytes>(inputs, format, 0)) == "");
  for (unsigned processes = 1; processes <= 8; ++processes) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      BOOST_TEST(first_difference(sequential, run<Where>(inputs, format, processes)) == "");
      BOOST_TEST(first_difference(expected_bytes, run<FirstBytes>(inputs, format, processes)) == "");
    }
  }
}

// Counters and map tasks: records are counted as "input records", and a file
// record is one map task per file, however large.
BOOST_FIXTURE_TEST_CASE(records_are_counted_and_files_are_one_task_each, Fixture) {
  std::string big;
  while (big.size() < 3'000'000) big += std::string(999, 'x') + '\0';  // 3000 records
  const std::string in = write("in.bin", big);
  const std::string other = write("other.bin", "a\0b\0"s);
  mapreduce::Options options = options_for(2);
  std::ostringstream out;
  options.output_stream = &out;
  options.records = RecordFormat::file();
  Where file_job(std::vector<std::string>{in, other}, options);
  file_job.run();
  BOOST_TEST(file_job.counters().get(mapreduce::kEngineCounters, "map tasks") == 2);
  BOOST_TEST(file_job.counters().get(mapreduce::kEngineCounters, "input records") == 2);
  options.records = RecordFormat::nul();
  Where nul_job(std::vector<std::string>{in, other}, options);
  nul_job.run();
  BOOST_TEST(nul_job.counters().get(mapreduce::kEngineCounters, "map tasks") ==
             65);  // 3 MB in 64 tasks, the small file in one
  BOOST_TEST(nul_job.counters().get(mapreduce::kEngineCounters, "input records") == 3002);
  BOOST_TEST(nul_job.counters().get(mapreduce::kEngineCounters, "input lines") == 0);
}

namespace {

// Throws on the record "boom".
struct Boom final : mapreduce::MapReduceConcurrent<Boom, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view record, Emitter& emit) {
    if (record == "boom") throw std::runtime_error("found a bomb");
    emit(std::string(record.substr(0, 1)), 1);
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values counts) {
    return {key, static_cast<std::int64_t>(counts.size())};
  }
};

// Whether `text` says "WORD N" for exactly this N.
bool names(const std::string& text, const std::string& word, std::size_t number) {
  const std::string phrase = word + " " + std::to_string(number) + " of ";
  return text.find(phrase) != std::string::npos;
}

}  // namespace

// The failing record is far into the file (in a later map task, or block of
// a compressed file): its number is counted from the file's start.
BOOST_DATA_TEST_CASE_F(Fixture, a_mapper_error_names_the_record, data::make(kFormats), c) {
  const RecordFormat& format = c.format;
  if (format.kind == RecordKind::file || format.kind == RecordKind::fixed) {
    // One record per file, or records of a fixed size: a "boom" of four bytes
    // is a whole record only for fixed:4.
    const RecordFormat four = RecordFormat::fixed(4);
    const std::string text = std::string(4 * 300'000, 'a') + "boom" + std::string(400, 'z');
    const std::string in = write("in.bin", text);
    for (unsigned processes : {0u, 3u}) {
      mapreduce::Options options = options_for(processes);
      options.records = format.kind == RecordKind::file ? RecordFormat::file() : four;
      // For file records, the bomb is a file of its own.
      const std::string bomb = write("bomb", "boom");
      const auto inputs =
          format.kind == RecordKind::file ? std::vector<std::string>{in, bomb} : std::vector<std::string>{in};
      const auto message =
          mapreduce::test::message_of<mapreduce::UserCodeError>([&] { Boom(inputs, options).run(); });
      BOOST_TEST_REQUIRE(message.has_value());
      if (format.kind == RecordKind::file) {
        BOOST_TEST(names(*message, "record", 1), *message);
        BOOST_TEST(message->find(bomb + ": found a bomb") != std::string::npos, *message);
      } else {
        BOOST_TEST(names(*message, "record", 300'001), *message);
        BOOST_TEST(message->find(in + ": found a bomb") != std::string::npos, *message);
      }
    }
    return;
  }
  const char separator = format.kind == RecordKind::nul ? '\0' : '\n';
  const std::string between = format.kind == RecordKind::paragraphs  ? "\n\n"
                              : format.kind == RecordKind::separated ? std::string(format.separator())
                                                                     : std::string(1, separator);
  std::string text;
  const std::size_t before = 150'000;  // about 2 MB: the bomb is in the second or third map task
  for (std::size_t i = 0; i < before; ++i) text += "record " + std::to_string(i) + between;
  text += "boom" + between + "after";
  const std::string word = format.kind == RecordKind::lines ? "line" : "record";
  BOOST_TEST_REQUIRE(text.find("record") != std::string::npos);
  for (const std::string& in : {write("in.txt", text), write("in.txt.gz", mapreduce::test::gzip(text))}) {
    for (unsigned processes : {0u, 2u}) {
      BOOST_TEST_CONTEXT(in << ", processes " << processes) {
        mapreduce::Options options = options_for(processes);
        options.records = format;
        const auto message =
            mapreduce::test::message_of<mapreduce::UserCodeError>([&] { Boom(in, options).run(); });
        BOOST_TEST_REQUIRE(message.has_value());
        // Lines of paragraphs: each record is two lines apart.
        BOOST_TEST(names(*message, word, before + 1), *message);
        BOOST_TEST(message->find("mapper failed on " + word) == 0u, *message);
        BOOST_TEST(message->find(in + ": found a bomb") != std::string::npos, *message);
      }
    }
  }
}

BOOST_FIXTURE_TEST_CASE(a_file_not_a_whole_number_of_fixed_records_is_an_input_error, Fixture) {
  const std::string good = write("good.bin", std::string(64, 'g'));
  const std::string bad = write("bad.bin", std::string(1001, 'b'));
  mapreduce::Options options = options_for(2);
  options.records = RecordFormat::fixed(16);
  const auto message = mapreduce::test::message_of<mapreduce::InputError>([&] {
    Boom(std::vector<std::string>{good, bad}, options).run();
  });
  BOOST_TEST_REQUIRE(message.has_value());
  BOOST_TEST(*message == "input " + bad + " is 1001 bytes, not a whole number of 16-byte records");
}

BOOST_FIXTURE_TEST_CASE(the_options_rules, Fixture) {
  const std::string in = write("in.txt", "a\nb\n");
  auto usage_error = [&](mapreduce::Options options) {
    return mapreduce::test::message_of<mapreduce::UsageError>([&] { Boom(in, options).run(); })
        .value_or("(no message)");
  };
  mapreduce::Options zero = options_for(0);
  zero.records = RecordFormat::fixed(0);
  BOOST_TEST(usage_error(zero) == "records: fixed records must be 1 to 1073741824 bytes long, not 0");
  for (const auto mode : {mapreduce::RunMode::stream_map, mapreduce::RunMode::stream_reduce}) {
    mapreduce::Options streaming = options_for(0);
    streaming.mode = mode;
    streaming.records = RecordFormat::nul();
    BOOST_TEST(usage_error(streaming) ==
               "the streaming modes read lines: records must be lines there, not nul");
    streaming.records = RecordFormat::separated_by("\r\n");
    BOOST_TEST(usage_error(streaming) ==
               "the streaming modes read lines: records must be lines there, not sep:\\r\\n");
  }
  // Separators: 1 to 64 bytes that cannot overlap themselves.
  mapreduce::Options separated = options_for(0);
  separated.records = RecordFormat::separated_by("");
  BOOST_TEST(usage_error(separated) == "records: a separator must be 1 to 64 bytes long, not 0");
  separated.records = RecordFormat::separated_by(std::string(65, 'x'));
  BOOST_TEST(usage_error(separated) == "records: a separator must be 1 to 64 bytes long, not 65");
  for (const auto& [separator, border] :
       {std::pair{"aa"s, "a"s}, std::pair{"abab"s, "ab"s}, std::pair{"\n\n"s, "\\n"s},
        std::pair{"\n%\n"s, "\\n"s}, std::pair{"\0x\0"s, "\\0"s}}) {
    separated.records = RecordFormat::separated_by(separator);
    const std::string message = usage_error(separated);
    BOOST_TEST(message.find("records: the separator sep:") == 0u, message);
    BOOST_TEST(
        message.find("can overlap itself (it begins and ends with '" + border + "')") != std::string::npos,
        message);
    BOOST_TEST(message.find("paragraphs") != std::string::npos, message);
  }
  // Accepted: no proper prefix is a suffix; 64 bytes is the most.
  for (const std::string& separator : {"\r\n"s, "%\n"s, "ab"s, "\0"s, "aab"s, std::string(63, 'x') + "y"}) {
    std::ostringstream out;
    mapreduce::Options accepted = options_for(0, out);
    accepted.records = RecordFormat::separated_by(separator);
    BOOST_CHECK_NO_THROW(Boom(in, accepted).run());
  }
}
