// Where and how output is written: Options::output_dir (Hadoop-style part
// files, one per reduce partition, each sorted, their union the single-file
// output, an empty _SUCCESS, refusal of a non-empty directory before any
// work, nothing left behind after a failure) and OutputFormat::jsonl (every
// line parsed back with Boost.JSON: strings with quotes, control characters
// and invalid UTF-8, numbers at their limits, NaN and infinities as null,
// bools, integer keys, types printed through operator<<).
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE output_formats
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

using mapreduce::test::directory_entries;
using mapreduce::test::escaped;
using mapreduce::test::first_difference;
using mapreduce::test::for_each_space_separated_word;
using mapreduce::test::JobFixture;
using mapreduce::test::message_of;
using mapreduce::test::new_entries;
using mapreduce::test::options_for;
using mapreduce::test::read_file;
using mapreduce::test::TempDir;

enum class Fault { none, throw_in_mapper, kill_in_reducer };

// Counts words (runs of bytes other than ' '); fails as told on the line
// "FAIL" or the key "FAIL".
struct Words final : mapreduce::MapReduceConcurrent<Words, std::string, std::int64_t> {
  Words(std::string input, mapreduce::Options options, Fault fault = Fault::none)
      : MapReduceConcurrent(std::move(input), std::move(options)), fault_(fault) {}
  int setups = 0;
  void setup() { ++setups; }
  void mapper(std::string_view line, Emitter& emit) {
    if (line == "FAIL" && fault_ == Fault::throw_in_mapper) throw std::runtime_error("deliberate");
    for_each_space_separated_word(line, [&](std::string_view word) { emit(word, 1); });
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    if (word == "FAIL" && fault_ == Fault::kill_in_reducer) std::raise(SIGKILL);
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {word, total};
  }

 private:
  Fault fault_;
};

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Random words, many distinct, so that every partition gets some; the words
// include bytes >= 0x80 so that byte order is not char order.
std::string random_words(std::mt19937_64& random, std::size_t lines) {
  static const char kLetters[] = {'a', 'b', 'Z', '_', '\x7f', '\x80', '\xe9', '\xff'};
  std::string text;
  for (std::size_t l = 0; l < lines; ++l) {
    for (std::size_t n = random() % 6; n > 0; --n) {
      for (std::size_t k = 1 + random() % 4; k > 0; --k) text += kLetters[random() % sizeof kLetters];
      text += ' ';
    }
    text += '\n';
  }
  return text;
}

// The key of an output line: what comes before the tab.
std::string key_of(const std::string& line) { return line.substr(0, line.find('\t')); }

std::string part_name(std::size_t p) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05zu", p);
  return name;
}

using Fixture = JobFixture<>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(output_formats, Fixture)

BOOST_AUTO_TEST_CASE(output_dir_has_one_sorted_part_per_partition_and_success) {
  std::mt19937_64 random(17);
  const std::string input = write("in.txt", random_words(random, 20'000));
  const mode_t mask = ::umask(022);
  ::umask(mask);
  for (unsigned processes : {0u, 1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      const std::string single = file("single-" + std::to_string(processes) + ".txt");
      mapreduce::Options options = options_for(processes);
      options.output = single;
      Words(input, options).run();
      const std::string expected = read_file(single);
      BOOST_TEST_REQUIRE(expected.size() > 1000u);

      const std::string out = file("out-" + std::to_string(processes));
      const std::set<std::string> before = directory_entries(path());
      options.output.clear();
      options.output_dir = out;
      Words job(input, options);
      job.run();
      // Nothing but the directory itself appeared beside it.
      BOOST_TEST(new_entries(before, directory_entries(path())) == "out-" + std::to_string(processes));

      const std::size_t parts = processes == 0 ? 1 : 4 * processes;
      std::set<std::string> expected_entries = {"_SUCCESS"};
      for (std::size_t p = 0; p < parts; ++p) expected_entries.insert(part_name(p));
      BOOST_TEST(new_entries({}, directory_entries(out)) == new_entries({}, expected_entries));
      BOOST_TEST(std::filesystem::file_size(out + "/_SUCCESS") == 0u);
      struct stat status;
      BOOST_TEST_REQUIRE(::stat(out.c_str(), &status) == 0);
      BOOST_TEST((status.st_mode & 0777) == (0777 & ~mask));

      std::vector<std::string> all;
      std::size_t non_empty = 0;
      for (std::size_t p = 0; p < parts; ++p) {
        const std::vector<std::string> lines = lines_of(read_file(out + "/" + part_name(p)));
        non_empty += !lines.empty();
        for (std::size_t i = 1; i < lines.size(); ++i) {
          // Byte order (BOOST_TEST would compare strings as sequences of signed chars).
          const bool ascending = key_of(lines[i - 1]) < key_of(lines[i]);
          BOOST_TEST(ascending, part_name(p) << " line " << i + 1 << ": " << escaped(lines[i - 1]) << " then "
                                             << escaped(lines[i]));
        }
        all.insert(all.end(), lines.begin(), lines.end());
      }
      // The words spread over the partitions.
      BOOST_TEST(non_empty == parts);
      std::sort(all.begin(), all.end());
      std::string merged;
      for (const std::string& line : all) merged += line + "\n";
      BOOST_TEST(first_difference(expected, merged) == "");
    }
  }
}

BOOST_AUTO_TEST_CASE(output_dir_may_exist_empty_or_end_in_a_slash) {
  const std::string input = write("in.txt", "b a\na\n");
  for (unsigned processes : {0u, 2u}) {
    const std::string out = file("empty-" + std::to_string(processes));
    std::filesystem::create_directory(out);
    mapreduce::Options options = options_for(processes);
    options.output_dir = out + "/";
    Words(input, options).run();
    std::string all;
    for (const std::string& name : directory_entries(out)) {
      if (name != "_SUCCESS") all += read_file(out + "/" + name);
    }
    std::vector<std::string> lines = lines_of(all);
    std::sort(lines.begin(), lines.end());
    const std::vector<std::string> expected = {"a\t2", "b\t1"};
    BOOST_TEST(lines == expected, boost::test_tools::per_element());
    BOOST_TEST(directory_entries(out).contains("_SUCCESS"));
  }
  // Relative to the working directory, with no directory part.
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(path());
  mapreduce::Options options = options_for(2);
  options.output_dir = "relative";
  Words(input, options).run();
  std::filesystem::current_path(cwd);
  BOOST_TEST(directory_entries(file("relative")).contains("_SUCCESS"));
  BOOST_TEST(directory_entries(file("relative")).size() == 9u);
}

BOOST_AUTO_TEST_CASE(a_non_empty_output_dir_is_refused_before_any_work) {
  const std::string input = write("in.txt", "a\n");
  const std::string out = file("out");
  std::filesystem::create_directory(out);
  write("out/keep", "old");
  write("plain", "a file");
  for (unsigned processes : {0u, 2u}) {
    for (const std::string& target : {out, file("plain")}) {
      BOOST_TEST_CONTEXT(target << ", processes " << processes) {
        const std::set<std::string> before = directory_entries(path());
        mapreduce::Options options = options_for(processes);
        options.output_dir = target;
        Words job(input, options);
        const auto what = message_of<mapreduce::UsageError>([&] { job.run(); });
        if (what) BOOST_TEST(what->find(target) != std::string::npos, *what);
        BOOST_TEST(job.setups == 0);
        BOOST_TEST(new_entries(before, directory_entries(path())) == "");
        BOOST_TEST(read_file(out + "/keep") == "old");
        BOOST_TEST(directory_entries(out).size() == 1u);
        BOOST_TEST(read_file(file("plain")) == "a file");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(nothing_is_left_after_a_failure) {
  std::mt19937_64 random(3);
  const std::string input =
      write("in.txt", random_words(random, 2000) + "FAIL\n" + random_words(random, 2000));
  std::filesystem::create_directory(file("existing"));
  for (Fault fault : {Fault::throw_in_mapper, Fault::kill_in_reducer}) {
    for (unsigned processes : {0u, 1u, 3u}) {
      if (fault == Fault::kill_in_reducer && processes == 0) continue;  // it would kill this process
      for (const char* name : {"new", "existing"}) {
        BOOST_TEST_CONTEXT("fault " << int(fault) << ", processes " << processes << ", " << name) {
          const std::set<std::string> before = directory_entries(path());
          mapreduce::Options options = options_for(processes);
          options.output_dir = file(name);
          options.max_attempts = 2;
          Words job(input, options, fault);
          if (fault == Fault::throw_in_mapper) {
            message_of<mapreduce::UserCodeError>([&] { job.run(); });
          } else {
            message_of<mapreduce::WorkerError>([&] { job.run(); });
          }
          BOOST_TEST(new_entries(before, directory_entries(path())) == "");
          BOOST_TEST(new_entries(directory_entries(path()), before) == "");
          BOOST_TEST(directory_entries(file("existing")).empty());
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(conflicting_destinations_are_usage_errors) {
  const std::string input = write("in.txt", "a\n");
  std::ostringstream stream;
  mapreduce::Options options = options_for(2);
  options.output = file("out.txt");
  options.output_dir = file("out");
  message_of<mapreduce::UsageError>([&] { Words(input, options).run(); });
  options.output.clear();
  options.output_stream = &stream;
  message_of<mapreduce::UsageError>([&] { Words(input, options).run(); });
  options.output_stream = nullptr;
  options.mode = mapreduce::RunMode::stream_map;
  message_of<mapreduce::UsageError>([&] { Words(input, options).run(); });
  BOOST_TEST(stream.str() == "");
  BOOST_TEST(directory_entries(path()).size() == 1u);
}

namespace {

// A type printed through operator<<: its JSON form is a string of that text.
struct Point {
  std::int32_t x;
  std::int32_t y;
};
std::ostream& operator<<(std::ostream& out, const Point& p) {
  return out << "(" << p.x << ", \"" << p.y << "\")";
}

// Row i of a table: mapper reads i from line i, reducer returns the i-th
// key and value of the table, so a job prints any values of any types, in
// row order.
template <class K, class V>
struct Table final : mapreduce::MapReduceConcurrent<Table<K, V>, std::int64_t, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<Table<K, V>, std::int64_t, std::int64_t>;
  Table(std::string input, mapreduce::Options options, std::vector<K> keys, std::vector<V> values)
      : Base(std::move(input), std::move(options)), keys_(std::move(keys)), values_(std::move(values)) {}
  void mapper(std::string_view line, typename Base::Emitter& emit) {
    std::int64_t row = 0;
    std::from_chars(line.data(), line.data() + line.size(), row);
    emit(row, row);
  }
  std::pair<K, V> reducer(std::int64_t row, typename Base::Values) {
    return {keys_[static_cast<std::size_t>(row)], values_[static_cast<std::size_t>(row)]};
  }

 private:
  std::vector<K> keys_;
  std::vector<V> values_;
};

// Runs a Table of these keys and values with --format jsonl on the given
// engine and returns its lines, each parsed as JSON (or a failure for each
// line that is not a JSON object with exactly "key" and "value").
template <class K, class V>
std::vector<boost::json::object> run_json(const TempDir& dir, const std::vector<K>& keys,
                                          const std::vector<V>& values, unsigned processes,
                                          std::string* text = nullptr) {
  std::string rows;
  for (std::size_t i = 0; i < keys.size(); ++i) rows += std::to_string(i) + "\n";
  const std::string input = dir.write("rows.txt", rows);
  std::ostringstream out;
  mapreduce::Options options = options_for(processes);
  options.output_stream = &out;
  options.format = mapreduce::OutputFormat::jsonl;
  Table<K, V>(input, options, keys, values).run();
  if (text) *text = out.str();
  std::vector<boost::json::object> objects;
  for (const std::string& line : lines_of(out.str())) {
    BOOST_TEST_CONTEXT("line: " << line) {
      BOOST_TEST(line.starts_with("{\"key\": "));
      BOOST_TEST(line.find(", \"value\": ") != std::string::npos);
      // JSON text holds no raw control character.
      BOOST_TEST(std::none_of(line.begin(), line.end(),
                              [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
      boost::system::error_code error;
      // Boost.JSON refuses invalid UTF-8 in strings by default.
      boost::json::value value = boost::json::parse(line, error);
      BOOST_TEST(!error, error.message());
      if (!error && value.is_object() && value.as_object().size() == 2 && value.as_object().contains("key") &&
          value.as_object().contains("value")) {
        objects.push_back(std::move(value.as_object()));
      } else {
        BOOST_ERROR("not an object with key and value");
      }
    }
  }
  BOOST_TEST(objects.size() == keys.size());
  return objects;
}

}  // namespace

BOOST_AUTO_TEST_CASE(jsonl_strings_read_back) {
  // Each string, and what a JSON parser must read from its output: itself if
  // it is valid UTF-8, else each byte of an invalid sequence as the code
  // point of the same number (U+0080 to U+00FF, two bytes in UTF-8).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", "plain"},
      {"", ""},
      {"say \"hi\"", "say \"hi\""},
      {"back\\slash \\u0041 /", "back\\slash \\u0041 /"},
      {"tab\there\nnew\rret\fform\bback", "tab\there\nnew\rret\fform\bback"},
      {std::string("\0\x01\x1f\x7f", 4), std::string("\0\x01\x1f\x7f", 4)},
      {"\xc3\xa9 \xe8\x87\xa5 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
       "\xc3\xa9 \xe8\x87\xa5 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"},
      {"\xff", "\xc3\xbf"},
      {"a\x80z", "a\xc2\x80z"},
      {"\xc3", "\xc3\x83"},                                      // a 2-byte sequence cut short
      {"\xc0\x80", "\xc3\x80\xc2\x80"},                          // overlong NUL
      {"\xc1\xbf", "\xc3\x81\xc2\xbf"},                          // overlong
      {"\xe0\x80\xaf", "\xc3\xa0\xc2\x80\xc2\xaf"},              // overlong '/'
      {"\xed\xa0\x80", "\xc3\xad\xc2\xa0\xc2\x80"},              // a surrogate
      {"\xf4\x90\x80\x80", "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80"},  // past U+10FFFF
      {"\xf5\x80", "\xc3\xb5\xc2\x80"},
      {"\xe2\x82", "\xc3\xa2\xc2\x82"},                      // cut short at the end
      {"\xe2\x82z", "\xc3\xa2\xc2\x82z"},                    // cut short by an ASCII byte
      {"\xf0\x9f\x98", "\xc3\xb0\xc2\x9f\xc2\x98"},          // 4-byte cut short
      {"\xc3\xa9\xff\xc3\xa9", "\xc3\xa9\xc3\xbf\xc3\xa9"},  // valid around invalid
      {"\xe2\x82\xac\xac", "\xe2\x82\xac\xc2\xac"},          // a stray continuation
  };
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (const auto& [raw, decoded] : cases) {
    keys.push_back(raw);
    values.push_back("v:" + raw);
  }
  for (unsigned processes : {0u, 2u}) {
    const auto objects = run_json(*this, keys, values, processes);
    for (std::size_t i = 0; i < objects.size() && i < cases.size(); ++i) {
      BOOST_TEST_CONTEXT("case " << i << ": \"" << escaped(cases[i].first) << "\"") {
        const boost::json::value& key = objects[i].at("key");
        const boost::json::value& value = objects[i].at("value");
        BOOST_TEST_REQUIRE(key.is_string());
        BOOST_TEST_REQUIRE(value.is_string());
        BOOST_TEST(escaped(key.as_string()) == escaped(cases[i].second));
        BOOST_TEST(escaped(value.as_string()) == escaped("v:" + cases[i].second));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(jsonl_numbers_and_bools_read_back) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::int64_t> keys = {INT64_MIN, -1, 0, 1, 9007199254740993, INT64_MAX, 7, 8, 9, 10};
  const std::vector<double> values = {kNaN, kInf, -kInf, 0.1, -0.0, 8.5, 1e20, -2.5e-7, 123456789.125, -kNaN};
  std::string text;
  for (unsigned processes : {0u, 3u}) {
    const auto objects = run_json(*this, keys, values, processes, &text);
    for (std::size_t i = 0; i < objects.size() && i < keys.size(); ++i) {
      BOOST_TEST_CONTEXT("row " << i) {
        const boost::json::value& key = objects[i].at("key");
        BOOST_TEST_REQUIRE(key.is_int64());
        BOOST_TEST(key.as_int64() == keys[i]);
        const boost::json::value& value = objects[i].at("value");
        if (!std::isfinite(values[i])) {
          BOOST_TEST(value.is_null());
        } else {
          BOOST_TEST_REQUIRE(value.is_number());
          BOOST_TEST(value.to_number<double>() == values[i]);
        }
      }
    }
  }
  BOOST_TEST(text.find("\"value\": 1e+20}") != std::string::npos, text);
  BOOST_TEST(text.find("{\"key\": 9007199254740993, \"value\": -0}") != std::string::npos, text);

  // Unsigned beyond int64, bools, small integer types as numbers (not
  // characters), floats in their own shortest form.
  const std::vector<std::uint64_t> big = {0, UINT64_MAX};
  const std::vector<bool> bools = {true, false};
  for (const auto& object : run_json(*this, big, bools, 2)) {
    BOOST_TEST(object.at("value").is_bool());
    if (object.at("key").is_uint64()) {
      BOOST_TEST(object.at("key").as_uint64() == UINT64_MAX);
      BOOST_TEST(object.at("value").as_bool() == false);
    } else {
      BOOST_TEST(object.at("key").to_number<std::uint64_t>() == 0u);
      BOOST_TEST(object.at("value").as_bool() == true);
    }
  }
  const std::vector<std::int8_t> small = {-128, 65};
  const std::vector<std::uint8_t> bytes = {200, 10};
  const auto small_objects = run_json(*this, small, bytes, 0);
  BOOST_TEST_REQUIRE(small_objects.size() == 2u);
  BOOST_TEST(small_objects[0].at("key").to_number<int>() == -128);
  BOOST_TEST(small_objects[0].at("value").to_number<int>() == 200);
  BOOST_TEST(small_objects[1].at("key").to_number<int>() == 65);
  BOOST_TEST(small_objects[1].at("value").to_number<int>() == 10);
  const std::vector<float> floats = {0.1f, std::numeric_limits<float>::infinity()};
  const std::vector<float> more = {3.4028235e38f, -1.5f};
  std::string float_text;
  const auto float_objects = run_json(*this, floats, more, 2, &float_text);
  BOOST_TEST(float_text == "{\"key\": 0.1, \"value\": 3.4028235e+38}\n{\"key\": null, \"value\": -1.5}\n");
  BOOST_TEST_REQUIRE(float_objects.size() == 2u);
  BOOST_TEST(static_cast<float>(float_objects[0].at("key").to_number<double>()) == 0.1f);
}

BOOST_AUTO_TEST_CASE(jsonl_chars_and_printed_types_are_strings) {
  const std::vector<char> chars = {'a', '"', '\n', '\xe9'};
  const std::vector<Point> points = {{1, 2}, {-3, 4}, {0, 0}, {5, 6}};
  const auto objects = run_json(*this, chars, points, 2);
  const std::vector<std::string> expected_keys = {"a", "\"", "\n", "\xc3\xa9"};
  const std::vector<std::string> expected_values = {"(1, \"2\")", "(-3, \"4\")", "(0, \"0\")", "(5, \"6\")"};
  for (std::size_t i = 0; i < objects.size() && i < chars.size(); ++i) {
    BOOST_TEST_CONTEXT("row " << i) {
      BOOST_TEST_REQUIRE(objects[i].at("key").is_string());
      BOOST_TEST(std::string(objects[i].at("key").as_string()) == expected_keys[i]);
      BOOST_TEST_REQUIRE(objects[i].at("value").is_string());
      BOOST_TEST(std::string(objects[i].at("value").as_string()) == expected_values[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(jsonl_in_an_output_dir) {
  std::mt19937_64 random(5);
  const std::string input = write("in.txt", random_words(random, 3000));
  mapreduce::Options options = options_for(2);
  options.format = mapreduce::OutputFormat::jsonl;
  options.output = file("single.jsonl");
  Words(input, options).run();
  options.output.clear();
  options.output_dir = file("out");
  Words(input, options).run();
  std::vector<std::string> lines;
  for (std::size_t p = 0; p < 8; ++p) {
    for (const std::string& line : lines_of(read_file(file("out/" + part_name(p))))) {
      boost::system::error_code error;
      const boost::json::value value = boost::json::parse(line, error);
      BOOST_TEST(!error, line);
      lines.push_back(line);
    }
  }
  std::vector<std::string> expected = lines_of(read_file(file("single.jsonl")));
  BOOST_TEST_REQUIRE(expected.size() > 100u);
  std::sort(lines.begin(), lines.end());
  std::sort(expected.begin(), expected.end());
  BOOST_TEST(lines == expected);
}

BOOST_AUTO_TEST_SUITE_END()
