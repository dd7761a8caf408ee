#include "engine/reduce.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "mapreduce/detail/combine_table.hpp"
#include "mapreduce/detail/hash.hpp"
#include "mapreduce/detail/order_prefix.hpp"
#include "mapreduce/detail/records.hpp"

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

  // Forgets every key, keeping the memory for the next partition's: the
  // table's, when the last partition filled a fair share of it (zeroing a
  // large table for every small partition after a big one would cost more
  // than it saves), else a fresh small one.
  void clear() {
    if (table_.size() * 4 >= table_.capacity()) {
      table_.clear();
    } else {
      table_ = CombineTable<std::uint32_t>();
    }
    queued_ = 0;
    keys_.clear();
    key_copies_.clear();
  }

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

// An array kept for the next partition: at_least(n) gives room for n
// elements, not initialised. Only a larger need makes a new one, with room
// for half as many again, so that partitions of about one size all use the
// pages the first faulted in (the kernel's zeroing of fresh pages costs
// more than reading the records).
template <class T>
class ReusedArray {
 public:
  T* at_least(std::size_t n) {
    if (n > capacity_) {
      data_.reset();
      capacity_ = n + n / 2;
      data_ = std::make_unique_for_overwrite<T[]>(capacity_);
    }
    return data_.get();
  }
  // Room for one more element than `used`, keeping the first `used`.
  T* one_more(std::size_t used) {
    if (used < capacity_) return data_.get();
    const std::size_t capacity = used + used / 2 + 16;
    std::unique_ptr<T[]> data = std::make_unique_for_overwrite<T[]>(capacity);
    if (used != 0) std::memcpy(data.get(), data_.get(), used * sizeof(T));
    data_ = std::move(data);
    capacity_ = capacity;
    return data_.get();
  }
  std::size_t capacity() const { return capacity_; }

 private:
  std::unique_ptr<T[]> data_;
  std::size_t capacity_ = 0;
};

// What one partition's grouping needs, kept for the next: the keys' table
// and copies, a group per record, a count then a start per group, and the
// values laid out by group: as views of their records, or, when they all
// have one small size, as copies of their bytes, passed packed to the
// reducer. All stay allocated until the scratch goes, the reducer calls
// included (but the table, when the scratch serves one call only).
struct GroupingScratch::Buffers {
  KeyGroups groups;
  ReusedArray<std::uint32_t> record_groups;
  std::vector<std::size_t> starts;
  ReusedArray<std::string_view> values;
  ReusedArray<char> value_bytes;
};

GroupingScratch::GroupingScratch() = default;
GroupingScratch::~GroupingScratch() = default;

GroupingScratch::Buffers& GroupingScratch::buffers() {
  if (!buffers_) buffers_ = std::make_unique<Buffers>();
  return *buffers_;
}

namespace {

// reduce_grouped; with `keep_table`, the keys' table stays for the next
// partition, else it is freed once the keys are numbered, before the values
// are laid out.
void group_and_reduce(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out,
                      GroupingScratch::Buffers& buffers, bool keep_table) {
  // Two passes over the records instead of a vector per key: the first numbers
  // the distinct keys and counts their values, the second lays every value
  // out contiguously by key, so each reducer call gets one span. Values of
  // one size (numbers, ids) are copied there rather than pointed to, when
  // that takes no more memory than the views: their reducer then reads them
  // in order, where views would send it back to each record, scattered over
  // all the map output (a cache miss a value).
  KeyGroups& groups = buffers.groups;
  std::vector<std::size_t>& starts = buffers.starts;  // first a count per group, then its start
  groups.clear();
  starts.clear();
  // Room for as many records as the sections hold if each has at least 8
  // bytes (a word and a count take 11), more made as needed: the pages past
  // the records' real number are never touched.
  std::size_t bytes = 0;
  for (std::string_view section : sections) bytes += section.size();
  ReusedArray<std::uint32_t>& group_array = buffers.record_groups;
  std::uint32_t* record_groups = group_array.at_least(bytes / 8);
  std::size_t room = group_array.capacity();
  std::size_t records = 0;
  const auto on_group = [&](std::uint32_t group) {
    if (group == starts.size()) starts.push_back(0);
    ++starts[group];
    if (records == room) [[unlikely]] {
      record_groups = group_array.one_more(records);
      room = group_array.capacity();
    }
    record_groups[records++] = group;
  };
  std::string_view key;
  std::string_view value;
  // The values' one size; SIZE_MAX before the first, SIZE_MAX - 1 once two
  // differ.
  std::size_t value_size = SIZE_MAX;
  for (std::string_view section : sections) {
    RecordReader reader(section);
    while (reader.next(key, value)) {
      if (value.size() != value_size) value_size = value_size == SIZE_MAX ? value.size() : SIZE_MAX - 1;
      groups.add(key, on_group);
    }
  }
  groups.flush(on_group);
  if (!keep_table) groups.release_table();
  const std::vector<std::string_view>& keys = groups.keys();
  if (keys.empty()) return;

  std::size_t total = 0;
  for (auto& start : starts) total += std::exchange(start, total);
  starts.push_back(total);

  // Values of one size (but empty ones, which need no copy) are copied, and
  // packed, taking that size each; others are views, 16 bytes each. Copies
  // only when that is no more memory.
  const bool copied = value_size != 0 && value_size <= sizeof(std::string_view);
  std::string_view* values = nullptr;
  char* bytes_by_group = nullptr;
  {
    std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
    std::size_t record = 0;
    if (copied) {
      bytes_by_group = buffers.value_bytes.at_least(total * value_size);
      for (std::string_view section : sections) {
        RecordReader reader(section);
        while (reader.next(key, value)) {
          char* const to = bytes_by_group + next[record_groups[record++]]++ * value_size;
          if (value_size == 8) {
            std::memcpy(to, value.data(), 8);
          } else {
            std::memcpy(to, value.data(), value_size);
          }
        }
      }
    } else {
      values = buffers.values.at_least(total);
      for (std::string_view section : sections) {
        RecordReader reader(section);
        while (reader.next(key, value)) values[next[record_groups[record++]]++] = value;
      }
    }
  }

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
    const std::size_t count = starts[g + 1] - starts[g];
    if (copied) {
      job.reduce_key_packed(keys[g], bytes_by_group + starts[g] * value_size, count, value_size, out);
    } else {
      job.reduce_key(keys[g], std::span<const std::string_view>(values + starts[g], count), out);
    }
  }
}

}  // namespace

void reduce_grouped(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out) {
  GroupingScratch scratch;
  group_and_reduce(job, sections, out, scratch.buffers(), false);
}

void reduce_grouped(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out,
                    GroupingScratch& scratch) {
  group_and_reduce(job, sections, out, scratch.buffers(), true);
}

}  // namespace mapreduce::detail
