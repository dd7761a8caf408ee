// mapper knows where its line came from: input_context() gives the file (the
// real file inside a directory, the .gz itself), the line's 1-based number in
// that file and its byte offset (in the decompressed text of a compressed
// file), in every engine and at every process count, across map tasks of a
// large file. The expectation is built here by walking each file's text.
#define BOOST_TEST_MODULE input_context
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "compression_support.hpp"
#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::test::JobFixture;
using mapreduce::test::options_for;

// Emits ("PATH:LINE", offset) for every line: one key per line of the input.
struct Where final : mapreduce::MapReduceConcurrent<Where, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view, Emitter& emit) {
    const mapreduce::InputContext& at = input_context();
    emit(std::string(at.path()) + ":" + std::to_string(at.line()), static_cast<std::int64_t>(at.offset()));
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values offsets) {
    return {key, *offsets.begin()};
  }
};

// Lines of varied lengths, some empty; no final newline when `last_open`.
std::string text_of(std::size_t lines, std::size_t seed, bool last_open) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    text.append((i * 7919 + seed) % 61, static_cast<char>('a' + (i + seed) % 26));
    if (i + 1 < lines || !last_open) text += '\n';
  }
  return text;
}

// What Where prints for `text` read from `path`: a line starts at 0 and after
// every '\n'; a final '\n' starts no line.
void expect_lines(std::map<std::string, std::int64_t>& expected, const std::string& path,
                  std::string_view text) {
  std::size_t line = 1;
  for (std::size_t begin = 0; begin < text.size(); ++line) {
    expected[path + ":" + std::to_string(line)] = static_cast<std::int64_t>(begin);
    const std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
}

}  // namespace

BOOST_DATA_TEST_CASE_F(JobFixture<>, mapper_knows_the_file_line_and_offset, data::make({0u, 1u, 2u, 4u}),
                       processes) {
  const std::string big = text_of(200'000, 3, true);  // about 6 MB: several map tasks
  const std::string small = text_of(50, 5, false);
  const std::string other = text_of(70, 11, true);
  const std::string packed = text_of(300'000, 17, false);  // over one 4 MiB block
  const std::string big_path = write("big.txt", big);
  std::filesystem::create_directory(path() + "/dir");
  const std::string small_path = write("dir/b.txt", small);
  const std::string other_path = write("dir/c.txt", other);
  const std::string packed_path = write("packed.txt.gz", mapreduce::test::gzip(packed));

  std::map<std::string, std::int64_t> expected;
  expect_lines(expected, big_path, big);
  expect_lines(expected, small_path, small);
  expect_lines(expected, other_path, other);
  expect_lines(expected, packed_path, packed);
  std::string expected_text;
  for (const auto& [key, offset] : expected) expected_text += key + "\t" + std::to_string(offset) + "\n";

  std::ostringstream out;
  Where job(std::vector<std::string>{big_path, path() + "/dir", packed_path}, options_for(processes, out));
  job.run();
  BOOST_TEST(job.counters().get(mapreduce::kEngineCounters, "map tasks") >= 4);
  BOOST_TEST(mapreduce::test::first_difference(expected_text, out.str()) == "");
  BOOST_TEST(job.input_path() == big_path);  // the first input given, as given
}

// In --stream-map, Hadoop names the file through the environment.
BOOST_FIXTURE_TEST_CASE(stream_map_takes_the_file_from_hadoop, JobFixture<>) {
  const std::string input = write("split.txt", "one\ntwo two\n");
  ::setenv("mapreduce_map_input_file", "hdfs://cluster/logs/part-7", 1);
  std::ostringstream out;
  mapreduce::Options options = options_for(0, out);
  options.mode = mapreduce::RunMode::stream_map;
  Where(input, options).run();
  ::unsetenv("mapreduce_map_input_file");
  BOOST_TEST(out.str() == "hdfs://cluster/logs/part-7:1\t0\nhdfs://cluster/logs/part-7:2\t4\n");
}
