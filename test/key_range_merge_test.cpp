// The merge of reduced partitions by key range (output/key_range_merge.hpp):
// for any number of parts, the parts in order are the whole merge
// (for_each_merged_record), byte for byte, which is every line stably sorted
// by key from partition order; for partitions that share keys (a reducer
// may write any key) and repeat them, empty partitions, no partitions, and
// more parts than records; and the parts of many distinct keys come out
// about equal.
#define BOOST_TEST_MODULE key_range_merge
#include "output/key_range_merge.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <mapreduce/detail/merge_tree.hpp>
#include <mapreduce/detail/records.hpp>

namespace {

using mapreduce::detail::for_each_merged_record;
using mapreduce::detail::merge_key_range;

struct Line {
  std::string key;
  std::string line;
};

// Partitions as the reduce phase leaves them: (key, line) records in key
// order.
std::vector<std::string> encode(std::vector<std::vector<Line>> partitions) {
  std::vector<std::string> encoded;
  for (auto& partition : partitions) {
    std::stable_sort(partition.begin(), partition.end(),
                     [](const Line& a, const Line& b) { return a.key < b.key; });
    std::string bytes;
    for (const Line& line : partition) {
      char header[mapreduce::detail::kMaxRecordHeader];
      const char* const end =
          mapreduce::detail::write_record_header(header, line.key.size(), line.line.size());
      bytes.append(header, static_cast<std::size_t>(end - header));
      bytes += line.key;
      bytes += line.line;
    }
    encoded.push_back(bytes);
  }
  return encoded;
}

std::string expected_output(std::vector<std::vector<Line>> partitions) {
  std::vector<Line> all;
  for (auto& partition : partitions) {
    std::stable_sort(partition.begin(), partition.end(),
                     [](const Line& a, const Line& b) { return a.key < b.key; });
    all.insert(all.end(), partition.begin(), partition.end());
  }
  std::stable_sort(all.begin(), all.end(), [](const Line& a, const Line& b) { return a.key < b.key; });
  std::string out;
  for (const Line& line : all) out += line.line;
  return out;
}

std::string whole_merge(const std::vector<std::string_view>& partitions) {
  std::string out;
  for_each_merged_record(partitions,
                         [&](std::size_t, std::string_view, std::string_view line) { out += line; });
  return out;
}

// The parts one after the other, written `chunk_bytes` or so at a time.
std::string parts_merged(const std::vector<std::string_view>& partitions, std::size_t parts,
                         std::size_t chunk_bytes = std::size_t{1} << 20) {
  std::string out;
  for (std::size_t part = 0; part < parts; ++part) {
    merge_key_range(
        partitions, part, parts,
        [&](std::string_view lines) {
          BOOST_TEST(!lines.empty());
          out += lines;
        },
        chunk_bytes);
  }
  return out;
}

// Keys from a small alphabet, so that partitions share and repeat them.
std::vector<std::vector<Line>> random_partitions(std::mt19937_64& random, std::size_t count) {
  std::vector<std::vector<Line>> partitions(count);
  std::size_t n = 0;
  for (auto& partition : partitions) {
    const std::size_t size = random() % 3 == 0 ? 0 : random() % 60;
    for (std::size_t i = 0; i < size; ++i) {
      std::string key(1 + random() % 3, 'a');
      for (char& c : key) c = static_cast<char>('a' + random() % 4);
      partition.push_back(Line{key, key + "\t" + std::to_string(n++) + "\n"});
    }
  }
  return partitions;
}

const std::size_t kPartitionCounts[] = {0, 1, 2, 3, 8};

}  // namespace

BOOST_DATA_TEST_CASE(the_parts_in_order_are_the_whole_merge, boost::unit_test::data::make(kPartitionCounts),
                     count) {
  std::mt19937_64 random(count + 1);
  for (int round = 0; round < 30; ++round) {
    const std::vector<std::vector<Line>> partitions = random_partitions(random, count);
    const std::vector<std::string> encoded = encode(partitions);
    const std::vector<std::string_view> views(encoded.begin(), encoded.end());
    const std::string expected = expected_output(partitions);
    BOOST_TEST(whole_merge(views) == expected);
    for (std::size_t parts = 1; parts <= 9; ++parts) {
      BOOST_TEST_CONTEXT("round " << round << ", " << parts << " parts") {
        BOOST_TEST(parts_merged(views, parts) == expected);
        // Written a few lines at a time, the parts are the same bytes.
        BOOST_TEST(parts_merged(views, parts, 7) == expected);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(more_parts_than_records) {
  const std::vector<std::vector<Line>> partitions = {{{"b", "b\t1\n"}}, {}, {{"a", "a\t2\n"}}};
  const std::vector<std::string> encoded = encode(partitions);
  const std::vector<std::string_view> views(encoded.begin(), encoded.end());
  BOOST_TEST(parts_merged(views, 16) == "a\t2\nb\t1\n");
}

BOOST_AUTO_TEST_CASE(the_parts_of_many_keys_are_about_equal) {
  std::mt19937_64 random(7);
  std::vector<std::vector<Line>> partitions(8);
  for (int i = 0; i < 40000; ++i) {
    const std::string key = std::to_string(random());
    partitions[random() % 8].push_back(Line{key, key + "\n"});
  }
  const std::vector<std::string> encoded = encode(partitions);
  const std::vector<std::string_view> views(encoded.begin(), encoded.end());
  for (std::size_t parts : {2u, 3u, 7u}) {
    std::size_t total = 0;
    std::size_t largest = 0;
    for (std::size_t part = 0; part < parts; ++part) {
      std::string out;
      merge_key_range(views, part, parts, [&](std::string_view lines) { out += lines; });
      total += out.size();
      largest = std::max(largest, out.size());
    }
    BOOST_TEST_CONTEXT(parts << " parts") { BOOST_TEST(largest * parts < total * 12 / 10); }
  }
}
