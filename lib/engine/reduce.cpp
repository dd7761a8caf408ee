#include "engine/reduce.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "mapreduce/detail/combine_table.hpp"
#include "mapreduce/detail/hash.hpp"

namespace mapreduce::detail {
namespace {

// Numbers the distinct keys of records in the order they first come: a
// CombineTable from key to group, fed through a queue so that each record's
// slot is fetched from memory some records before it is probed (the table
// of a partition with many keys is larger than the caches), and short keys
// are compared as words.
class KeyGroups {
 public:
  // The group of `key`, a new one (with a copy of the key kept) when it is
  // new, is passed to on_group, for the records in the order added; every
  // record's call has come once flush() returns.
  template <class OnGroup>
  void add(std::string_view key, OnGroup&& on_group) {
    Pending& pending = queue_[queued_++];
    pending.key = key;
    if (key.size() <= ShortKey::kMaxSize) {
      pending.short_key = short_key(key.data(), key.size());
      pending.hash = hash_short(pending.short_key, key.size());
    } else {
      pending.hash = hash_bytes(key);
    }
    table_.prefetch(pending.hash);
    if (queued_ == kDepth) flush(on_group);
  }

  template <class OnGroup>
  void flush(OnGroup&& on_group) {
    for (std::size_t i = 0; i < queued_; ++i) {
      const Pending& pending = queue_[i];
      std::uint32_t group = 0;
      const auto make = [&] {
        group = static_cast<std::uint32_t>(keys_.size());
        keys_.push_back(key_copies_.store(pending.key));
        return group;
      };
      const auto found = [&](std::uint32_t& existing) { group = existing; };
      if (pending.key.size() <= ShortKey::kMaxSize) {
        table_.upsert_short(pending.short_key, static_cast<std::uint32_t>(pending.key.size()), pending.hash,
                            make, found);
      } else {
        table_.upsert(pending.key, pending.hash, make, found);
      }
      on_group(group);
    }
    queued_ = 0;
  }

  // The distinct keys, by group: copies packed together rather than views
  // of their first records, which are spread over all the map output.
  const std::vector<std::string_view>& keys() const { return keys_; }

  // Frees the table, once every key is numbered; the keys stay.
  void release_table() { table_ = CombineTable<std::uint32_t>(); }

 private:
  static constexpr std::size_t kDepth = 32;
  struct Pending {
    std::string_view key;
    std::uint64_t hash;
    ShortKey short_key;
  };
  CombineTable<std::uint32_t> table_;
  Pending queue_[kDepth];
  std::size_t queued_ = 0;
  std::vector<std::string_view> keys_;
  KeyArena key_copies_;
};

}  // namespace

void reduce_grouped(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out) {
  // Two passes over the records instead of a vector per key: the first numbers
  // the distinct keys and counts their values, the second lays every value
  // out contiguously by key, so each reducer call gets one span.
  KeyGroups groups;
  std::vector<std::size_t> starts;  // first a count per group, then its start
  std::vector<std::uint32_t> record_groups;
  const auto on_group = [&](std::uint32_t group) {
    if (group == starts.size()) starts.push_back(0);
    ++starts[group];
    record_groups.push_back(group);
  };
  std::string_view key;
  std::string_view value;
  for (std::string_view section : sections) {
    RecordReader reader(section);
    while (reader.next(key, value)) groups.add(key, on_group);
  }
  groups.flush(on_group);
  groups.release_table();
  const std::vector<std::string_view>& keys = groups.keys();
  if (keys.empty()) return;

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
