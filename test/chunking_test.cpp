// Cutting the input into map tasks: every line in exactly one range, ranges
// contiguous and in order, and the task count a function of the size alone.
#define BOOST_TEST_MODULE chunking
#include "input/chunking.hpp"

#include <random>
#include <string>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

using mapreduce::detail::line_aligned_ranges;
using mapreduce::detail::map_task_count;
using mapreduce::detail::map_task_size;

namespace {

void check_cover(std::string_view text, std::size_t count) {
  const auto chunks = line_aligned_ranges(text, count);
  BOOST_TEST_REQUIRE(chunks.size() == (count == 0 ? 1 : count));
  const char* next = text.data();
  for (std::string_view chunk : chunks) {
    BOOST_TEST(static_cast<const void*>(chunk.data()) == static_cast<const void*>(next));
    next = chunk.data() + chunk.size();
    // Every non-empty range but the last ends with a newline: no line spans two.
    if (!chunk.empty() && next != text.data() + text.size()) BOOST_TEST(chunk.back() == '\n');
  }
  BOOST_TEST(static_cast<const void*>(next) == static_cast<const void*>(text.data() + text.size()));
}

}  // namespace

BOOST_DATA_TEST_CASE(ranges_cover_the_text_on_line_boundaries, boost::unit_test::data::xrange(1, 40), count) {
  check_cover("", count);
  check_cover("one line without newline", count);
  check_cover("a\nb\nc\n", count);
  check_cover(std::string(1000, 'x') + "\nshort\n" + std::string(10, 'y'), count);
  std::mt19937_64 random(count);
  std::string text;
  for (int i = 0; i < 2000; ++i) text += (random() % 7 == 0) ? '\n' : 'a';
  check_cover(text, count);
}

BOOST_AUTO_TEST_CASE(equal_sizes_when_lines_are_short) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "0123456789\n";
  const auto chunks = line_aligned_ranges(text, 8);
  for (std::string_view chunk : chunks) {
    BOOST_TEST(chunk.size() >= text.size() / 8 - 11);
    BOOST_TEST(chunk.size() <= text.size() / 8 + 11);
  }
}

// The hook with which the input gives back the pages each cut's search
// read: called once a cut, after the search, before the next.
BOOST_AUTO_TEST_CASE(after_each_cut_follows_every_cut) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  for (std::size_t count : {1u, 2u, 7u, 64u}) {
    std::size_t calls = 0;
    const auto chunks = mapreduce::detail::record_aligned_ranges(
        text, count, mapreduce::RecordFormat::lines(), [&] { ++calls; });
    BOOST_TEST(calls == count);
    BOOST_TEST((chunks == line_aligned_ranges(text, count)));
  }
}

BOOST_AUTO_TEST_CASE(a_long_line_leaves_empty_ranges) {
  const std::string text = std::string(10000, 'x') + "\n";
  const auto chunks = line_aligned_ranges(text, 4);
  BOOST_TEST(chunks[0] == text);
  for (std::size_t i = 1; i < chunks.size(); ++i) BOOST_TEST(chunks[i].empty());
}

BOOST_AUTO_TEST_CASE(task_size_depends_on_the_input_size_only) {
  constexpr std::size_t MiB = std::size_t(1) << 20;
  // Small inputs: about 64 tasks, of at least 512 bytes.
  BOOST_TEST(map_task_size(0) == 512u);
  BOOST_TEST(map_task_size(20000) == 512u);
  BOOST_TEST(map_task_size(64 * 1000) == 1000u);
  // 64 tasks up to 256 MiB, then 4 MiB tasks up to 16 GiB.
  BOOST_TEST(map_task_size(256 * MiB) == 4 * MiB);
  BOOST_TEST(map_task_size(1024 * MiB) == 4 * MiB);
  BOOST_TEST(map_task_size(std::size_t(16) << 30) == 4 * MiB);
  // Then at most 4096 tasks.
  BOOST_TEST(map_task_size(std::size_t(32) << 30) == 8 * MiB);
}

BOOST_AUTO_TEST_CASE(task_count_is_one_per_started_task_size) {
  BOOST_TEST(map_task_count(0, 512) == 1u);
  BOOST_TEST(map_task_count(1, 512) == 1u);
  BOOST_TEST(map_task_count(512, 512) == 1u);
  BOOST_TEST(map_task_count(513, 512) == 2u);
  BOOST_TEST(map_task_count(20000, 512) == 40u);
  BOOST_TEST(map_task_count(std::size_t(256) << 20, std::size_t(4) << 20) == 64u);
}
