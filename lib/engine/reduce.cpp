#include "engine/reduce.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "mapreduce/detail/combine_table.hpp"
#include "mapreduce/detail/hash.hpp"

namespace mapreduce::detail {
namespace {

struct KeyHash {
  std::size_t operator()(std::string_view key) const { return hash_bytes(key); }
};

// Equality without a call to memcmp for the short keys most jobs have.
struct KeyEqual {
  bool operator()(std::string_view a, std::string_view b) const { return bytes_equal(a, b); }
};

}  // namespace

void reduce_grouped(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out) {
  // Two passes over the records instead of a vector per key: the first numbers
  // the distinct keys and counts their values, the second lays every value
  // out contiguously by key, so each reducer call gets one span.
  boost::unordered_flat_map<std::string_view, std::uint32_t, KeyHash, KeyEqual> group_of;
  std::vector<std::string_view> keys;
  KeyArena key_copies;
  std::vector<std::size_t> starts;  // first a count per group, then its start
  std::vector<std::uint32_t> record_groups;
  std::string_view key;
  std::string_view value;
  for (std::string_view section : sections) {
    RecordReader reader(section);
    while (reader.next(key, value)) {
      // The table keeps a copy of each key, packed with the others, rather
      // than a view of its first record: the records are spread over all
      // the map output, and every lookup compares with the kept key.
      auto it = group_of.find(key);
      if (it == group_of.end()) {
        const std::string_view kept = key_copies.store(key);
        it = group_of.emplace(kept, static_cast<std::uint32_t>(keys.size())).first;
        keys.push_back(kept);
        starts.push_back(0);
      }
      ++starts[it->second];
      record_groups.push_back(it->second);
    }
  }
  if (keys.empty()) return;
  group_of = {};

  std::size_t total = 0;
  for (auto& start : starts) total += std::exchange(start, total);
  starts.push_back(total);

  std::vector<std::string_view> values(total);
  {
    std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
    std::size_t record = 0;
    for (std::string_view section : sections) {
      RecordReader reader(section);
      while (reader.next(key, value)) values[next[record_groups[record++]]++] = value;
    }
  }
  record_groups = {};

  struct Ordered {
    std::uint64_t prefix;
    std::uint32_t group;
  };
  std::vector<Ordered> order(keys.size());
  for (std::uint32_t g = 0; g < order.size(); ++g) order[g] = Ordered{order_prefix(keys[g]), g};
  std::sort(order.begin(), order.end(), [&](const Ordered& a, const Ordered& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return keys[a.group] < keys[b.group];
  });

  for (const auto [prefix, g] : order) {
    job.reduce_key(keys[g],
                   std::span<const std::string_view>(values.data() + starts[g], starts[g + 1] - starts[g]),
                   out);
  }
}

}  // namespace mapreduce::detail
