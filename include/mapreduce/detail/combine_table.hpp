#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mapreduce/detail/hash.hpp"
#include "mapreduce/detail/order_prefix.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/detail/zeroed_pages.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

// Equality of two byte strings, without a library call for the short keys
// that dominate real data (words, ids): at most two overlapping 8-byte loads.
inline bool bytes_equal(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 8 && n <= 16) {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&a1, a.data() + n - 8, 8);
    std::memcpy(&b1, b.data() + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n < 8) {
    if (n >= 4) {
      std::uint32_t a0, a1, b0, b1;
      std::memcpy(&a0, a.data(), 4);
      std::memcpy(&b0, b.data(), 4);
      std::memcpy(&a1, a.data() + n - 4, 4);
      std::memcpy(&b1, b.data() + n - 4, 4);
      return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return std::memcmp(a.data(), b.data(), n) == 0;
}

// Stores key bytes for the life of a map task, in blocks that never move, so
// that a table can keep views of them. clear() keeps the first block.
class KeyArena {
 public:
  std::string_view store(std::string_view bytes) {
    if (bytes.size() > left_) add_block(bytes.size());
    char* out = next_;
    if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
    next_ += bytes.size();
    left_ -= bytes.size();
    return {out, bytes.size()};
  }
  // The bytes of its blocks.
  std::size_t bytes() const {
    return blocks_.size() <= 1 ? first_size_ : first_size_ + (blocks_.size() - 1) * kBlockSize;
  }
  void clear() {
    if (blocks_.size() > 1) blocks_.resize(1);
    if (!blocks_.empty()) {
      next_ = blocks_[0].get();
      left_ = first_size_;
    }
  }

 private:
  static constexpr std::size_t kBlockSize = 256 * 1024;
  void add_block(std::size_t at_least) {
    const std::size_t size = at_least > kBlockSize ? at_least : kBlockSize;
    try {
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    } catch (const std::bad_alloc&) {
      throw ResourceError("out of memory: cannot store another " + std::to_string(size) +
                          " bytes of keys, after " + std::to_string(blocks_.size()) + " blocks");
    }
    if (blocks_.size() == 1) first_size_ = size;
    next_ = blocks_.back().get();
    left_ = size;
  }
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
  std::size_t first_size_ = 0;
};

// The table of a combiner: one value per distinct key, found by the key's
// encoded bytes in an open-addressing table (linear probing, at most half
// full) of 32-byte slots that hold the key's length, 32 bits of its hash, the
// key itself when it has at most 16 bytes (else a pointer to it in an arena),
// and the value itself when it is a small trivial type (else its index in a
// vector). A probe of a short key with a small value so touches one cache
// line, which the caller can prefetch (prefetch()) well before upsert(). The
// order of the slots is a function of the keys and of the order they came
// in, so it is the same in every process and run. Owned by one process.
// Running out of memory throws ResourceError naming the sizes.
template <class Value>
class CombineTable {
 public:
  static constexpr bool kValueInSlot = std::is_trivial_v<Value> && sizeof(Value) <= 8 && alignof(Value) <= 8;
  static constexpr std::size_t kKeyInSlot = 16;

  CombineTable() : slots_(kFirstCapacity * sizeof(Slot), "the combiner's table"), mask_(kFirstCapacity - 1) {}

  // Starts bringing the slot of a key with this hash into the cache.
  void prefetch(std::uint64_t hash) const { __builtin_prefetch(slot_array() + home(hash, mask_), 1, 1); }

  // If `key` (whose hash_bytes is `hash`) is new, stores make() for it;
  // otherwise calls combine(value).
  template <class Make, class Combine>
  void upsert(std::string_view key, std::uint64_t hash, Make&& make, Combine&& combine) {
    if (key.size() >= UINT32_MAX) [[unlikely]] {
      throw std::length_error("a key of " + std::to_string(key.size()) + " bytes is over the 4 GiB limit");
    }
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    const auto stored_size = static_cast<std::uint32_t>(key.size() + 1);
    Slot* const slots = slot_array();
    for (std::size_t i = home(hash, mask_);; i = (i + 1) & mask_) {
      Slot& slot = slots[i];
      if (slot.stored_size == 0) {
        if ((size_ + 1) * 2 > mask_ + 1) {
          grow();
          return upsert(key, hash, make, combine);
        }
        fill(slot, key, make());
        slot.tag = tag;
        slot.stored_size = stored_size;
        ++size_;
        return;
      }
      if (slot.tag == tag && slot.stored_size == stored_size && bytes_equal(slot.key(), key)) {
        combine(value_of(slot));
        return;
      }
    }
  }

  // upsert() for a key of at most 16 bytes, given as its ShortKey, of
  // `size` bytes and hash hash_short(key, size): compared with a slot's as
  // three 64-bit words (length and tag, then the zero-padded bytes), with
  // one branch whatever the length.
  template <class Make, class Combine>
  void upsert_short(ShortKey key, std::uint32_t size, std::uint64_t hash, Make&& make, Combine&& combine) {
    const std::uint64_t header = std::uint64_t{size + 1} | (hash >> 32 << 32);
    Slot* const slots = slot_array();
    for (std::size_t i = home(hash, mask_);; i = (i + 1) & mask_) {
      Slot& slot = slots[i];
      const std::uint64_t found = slot.header();
      if (found == 0) {
        if ((size_ + 1) * 2 > mask_ + 1) {
          grow();
          return upsert_short(key, size, hash, make, combine);
        }
        std::memcpy(slot.key_.bytes, &key.low, 8);
        std::memcpy(slot.key_.bytes + 8, &key.high, 8);
        store_value(slot, make());
        slot.tag = static_cast<std::uint32_t>(hash >> 32);
        slot.stored_size = size + 1;
        ++size_;
        return;
      }
      std::uint64_t low;
      std::uint64_t high;
      std::memcpy(&low, slot.key_.bytes, 8);
      std::memcpy(&high, slot.key_.bytes + 8, 8);
      if (((found ^ header) | (low ^ key.low) | (high ^ key.high)) == 0) {
        combine(value_of(slot));
        return;
      }
    }
  }

  std::size_t size() const { return size_; }
  // The number of slots.
  std::size_t capacity() const { return mask_ + 1; }
  bool empty() const { return size_ == 0; }
  // What the table holds in memory: slots, long keys and values.
  std::size_t bytes() const { return slots_.size() + arena_.bytes() + values_.capacity() * sizeof(Value); }

  // Calls f(key, value) for every key, in slot order.
  template <class F>
  void for_each(F&& f) {
    Slot* const slots = slot_array();
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (slots[i].stored_size != 0) f(slots[i].key(), value_of(slots[i]));
    }
  }

  // Calls f(key, value) for every key, in ascending byte order of the keys,
  // then empties the table, on an error too.
  template <class F>
  void drain_in_key_order(F&& f) {
    drain_by_partition_in_key_order(
        1, [](std::string_view, std::uint64_t) { return std::size_t{0}; },
        [](std::size_t, std::size_t, std::size_t) {},
        [&](std::size_t, std::string_view key, Value& value) { f(key, value); });
  }

  // Calls f(p, key, value) for every key, partition by partition (p from 0
  // up, p being partition_of(key, hash) < partitions, where the hash has the
  // high 32 bits of the key's hash_bytes and zeros below), and in ascending
  // byte order of the keys within a partition; before a partition's first
  // call, reserve(p, keys, key bytes) says how much is coming. Then empties
  // the table, on an error too. partition_of is called once a key, in no
  // set order; a partition not below `partitions` throws std::out_of_range.
  //
  // The slots are first packed at the front of the table, each key's
  // partition in place of its tag, then moved into the back of the table
  // partition by partition (one pass that writes `partitions` places in
  // turn, where a sort of all the keys at once would scatter them across a
  // table larger than the caches); each partition is then put in order in
  // the front of the table (for_each_in_key_order), so that the sort's
  // working set is one partition's.
  template <class PartitionOf, class Reserve, class F>
  void drain_by_partition_in_key_order(std::size_t partitions, PartitionOf&& partition_of, Reserve&& reserve,
                                       F&& f) {
    try {
      drain_partitions(partitions, partition_of, reserve, f);
    } catch (...) {
      clear();
      throw;
    }
    clear();
  }

  void clear() {
    if (size_ != 0) slots_.zero();
    size_ = 0;
    values_.clear();
    arena_.clear();
  }

 private:
  static constexpr std::size_t kFirstCapacity = 1024;
  // Below this many keys, one comparison sort beats spreading them into
  // buckets first.
  static constexpr std::size_t kBucketedSortFrom = 16384;
  using Payload = std::conditional_t<kValueInSlot, Value, std::uint64_t>;
  struct Slot {
    std::uint32_t stored_size;  // the key's size + 1; 0 when the slot is free
    std::uint32_t tag;          // the hash's high 32 bits
    union {
      char bytes[kKeyInSlot];
      const char* pointer;
    } key_;
    Payload payload;  // the value, or its index in values_

    // stored_size and tag as one word, stored_size in the low half; 0 when
    // the slot is free.
    std::uint64_t header() const { return std::uint64_t{stored_size} | std::uint64_t{tag} << 32; }
    std::string_view key() const {
      const std::size_t size = stored_size - 1;
      return {size <= kKeyInSlot ? key_.bytes : key_.pointer, size};
    }
    // The key's order_prefix, read in place: a key kept in the slot is
    // followed by zeros up to the slot's 16 bytes; one kept elsewhere is
    // longer than 8.
    std::uint64_t prefix() const {
      return order_prefix(stored_size - 1 <= kKeyInSlot ? key_.bytes : key_.pointer);
    }
  };

  Slot* slot_array() const { return reinterpret_cast<Slot*>(slots_.data()); }

  // The slot where a key with this hash_bytes starts its probe: the hash's
  // high 32 bits (the slot's tag) are the low bits of the number the mask
  // takes, so that grow() finds a key's new place from its tag, without
  // hashing its bytes again, in any table of up to 2^32 slots.
  static std::size_t home(std::uint64_t hash, std::size_t mask) {
    return static_cast<std::size_t>(hash >> 32 | hash << 32) & mask;
  }

  // The order of slots by key, as a type (not a function pointer), so that
  // std::sort inlines it.
  struct KeyLess {
    bool operator()(const Slot& a, const Slot& b) const {
      const std::uint64_t a_prefix = a.prefix();
      const std::uint64_t b_prefix = b.prefix();
      if (a_prefix != b_prefix) return a_prefix < b_prefix;
      return a.key() < b.key();
    }
  };

  // A slot of a bucket and its key's first 8 bytes as a number.
  struct Ordered {
    std::uint64_t prefix;
    std::uint32_t slot;
  };

  // Puts the `size` pairs at `order` (whose prefixes share their top two
  // bytes) in the order of the keys of `bucket`: a least-significant-digit
  // radix sort on the other six bytes of the prefixes (a pass skipped where
  // every entry has the same byte), branch-free where a comparison sort
  // mispredicts one branch in two, moving the pairs between `order` and
  // `scratch` (room for `size` more); then a comparison sort of the keys of
  // each run of equal prefixes (keys that share their first 8 bytes).
  // Returns where the sorted pairs ended up: `order` or `scratch`.
  static Ordered* sort_by_prefix_then_key(Ordered* order, Ordered* scratch, std::size_t size,
                                          const Slot* bucket) {
    if (size < 2) return order;
    constexpr int kDigits = 6;
    std::uint32_t counts[kDigits][256] = {};
    for (std::size_t i = 0; i < size; ++i) {
      for (int d = 0; d < kDigits; ++d) ++counts[d][(order[i].prefix >> (8 * d)) & 0xff];
    }
    for (int d = 0; d < kDigits; ++d) {
      std::uint32_t* const count = counts[d];
      if (count[(order[0].prefix >> (8 * d)) & 0xff] == size) continue;
      std::uint32_t sum = 0;
      for (int v = 0; v < 256; ++v) sum += std::exchange(count[v], sum);
      for (std::size_t i = 0; i < size; ++i) {
        const Ordered o = order[i];
        ::new (static_cast<void*>(scratch + count[(o.prefix >> (8 * d)) & 0xff]++)) Ordered(o);
      }
      std::swap(order, scratch);
    }
    for (std::size_t i = 0; i + 1 < size;) {
      std::size_t j = i + 1;
      while (j < size && order[j].prefix == order[i].prefix) ++j;
      if (j - i > 1) {
        std::sort(order + i, order + j, [bucket](const Ordered& x, const Ordered& y) {
          return bucket[x.slot].key() < bucket[y.slot].key();
        });
      }
      i = j;
    }
    return order;
  }

  template <class PartitionOf, class Reserve, class F>
  void drain_partitions(std::size_t partitions, PartitionOf& partition_of, Reserve& reserve, F& f) {
    if (partitions == 0 || partitions > UINT32_MAX) {
      throw std::invalid_argument("a combiner's table drains into 1 to 2^32 - 1 partitions");
    }
    Slot* const slots = slot_array();
    std::vector<std::size_t> starts;
    std::vector<std::size_t> key_bytes;
    SortScratch scratch;
    try {
      starts.assign(partitions + 1, 0);
      key_bytes.assign(partitions, 0);
    } catch (const std::bad_alloc&) {
      throw ResourceError("out of memory: cannot count the combiner's keys in " + std::to_string(partitions) +
                          " partitions");
    }
    std::size_t packed = 0;
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (slots[i].stored_size == 0) continue;
      Slot slot = slots[i];
      const std::size_t p = partitions == 1 ? 0 : partition_of(slot.key(), std::uint64_t{slot.tag} << 32);
      if (p >= partitions) [[unlikely]] {
        throw std::out_of_range("a key's partition " + std::to_string(p) + " is not below " +
                                std::to_string(partitions));
      }
      slot.tag = static_cast<std::uint32_t>(p);
      ++starts[p + 1];
      key_bytes[p] += slot.stored_size - 1;
      slots[packed++] = slot;
    }
    for (std::size_t p = 1; p <= partitions; ++p) starts[p] += starts[p - 1];
    // Free, since the table is at most half full. One partition is sorted
    // where it was packed, with the back of the table as room.
    Slot* const back = slots + capacity() - packed;
    if (partitions == 1) {
      if (packed == 0) return;
      reserve(std::size_t{0}, packed, key_bytes[0]);
      for_each_in_key_order(slots, packed, back, scratch,
                            [&](Slot& slot) { f(std::size_t{0}, slot.key(), value_of(slot)); });
      return;
    }
    {
      std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
      for (std::size_t i = 0; i < packed; ++i) back[next[slots[i].tag]++] = slots[i];
    }
    for (std::size_t p = 0; p < partitions; ++p) {
      const std::size_t size = starts[p + 1] - starts[p];
      if (size == 0) continue;
      reserve(p, size, key_bytes[p]);
      // The front of the table is free, with room for every packed slot.
      for_each_in_key_order(back + starts[p], size, slots, scratch,
                            [&](Slot& slot) { f(p, slot.key(), value_of(slot)); });
    }
  }

  // The counts of for_each_in_key_order's buckets, kept from one call to
  // the next.
  struct SortScratch {
    std::vector<std::uint32_t> starts;
    std::vector<std::uint32_t> next;
  };

  // Calls visit(slot) for the `size` slots at `from`, in key order, using
  // the `size` slots at `room` (disjoint from them) and those at `from`
  // themselves as working memory. Few slots are sorted in place, and so are
  // more than 32-bit places can number. More are first spread into buckets
  // by the keys' first two bytes, one counting pass and one pass moving the
  // slots into `room`; then each bucket is put in order as pairs of a key's
  // first 8 bytes (as a number) and its place in the bucket, a radix sort
  // that looks at a key's bytes only when two share those 8
  // (sort_by_prefix_then_key), and the calls read the bucket's slots in that
  // order. The pairs, 16 bytes each and twice over, go where the slots were
  // before they moved (32 bytes a key), so that a bucket of any size
  // (integer keys share their first two bytes) takes no more memory.
  template <class Visit>
  void for_each_in_key_order(Slot* from, std::size_t size, Slot* room, SortScratch& scratch, Visit&& visit) {
    if (size < kBucketedSortFrom || size > UINT32_MAX) {
      std::sort(from, from + size, KeyLess{});
      for (std::size_t i = 0; i < size; ++i) visit(from[i]);
      return;
    }
    constexpr std::size_t kBuckets = std::size_t{1} << 16;
    try {
      scratch.starts.assign(kBuckets + 1, 0);
      scratch.next.resize(kBuckets);
    } catch (const std::bad_alloc&) {
      throw ResourceError("out of memory: cannot sort the combiner's keys");
    }
    std::uint32_t* const starts = scratch.starts.data();
    std::uint32_t* const next = scratch.next.data();
    for (std::size_t i = 0; i < size; ++i) ++starts[(from[i].prefix() >> 48) + 1];
    for (std::size_t b = 1; b <= kBuckets; ++b) starts[b] += starts[b - 1];
    std::copy(starts, starts + kBuckets, next);
    for (std::size_t i = 0; i < size; ++i) room[next[from[i].prefix() >> 48]++] = from[i];
    static_assert(sizeof(Slot) >= 2 * sizeof(Ordered) && alignof(Slot) >= alignof(Ordered));
    Ordered* const order = reinterpret_cast<Ordered*>(static_cast<void*>(from));
    Ordered* const spare = order + size;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      Slot* const bucket = room + starts[b];
      const std::uint32_t count = starts[b + 1] - starts[b];
      for (std::uint32_t i = 0; i < count; ++i) {
        ::new (static_cast<void*>(order + i)) Ordered{bucket[i].prefix(), i};
      }
      const Ordered* const sorted = sort_by_prefix_then_key(order, spare, count, bucket);
      for (std::uint32_t i = 0; i < count; ++i) visit(bucket[sorted[i].slot]);
    }
  }

  Value& value_of(Slot& slot) {
    if constexpr (kValueInSlot) {
      return slot.payload;
    } else {
      return values_[slot.payload];
    }
  }

  void fill(Slot& slot, std::string_view key, Value&& value) {
    if (key.size() <= kKeyInSlot) {
      if (!key.empty()) std::memcpy(slot.key_.bytes, key.data(), key.size());
    } else {
      slot.key_.pointer = arena_.store(key).data();
    }
    store_value(slot, std::move(value));
  }

  void store_value(Slot& slot, Value&& value) {
    if constexpr (kValueInSlot) {
      slot.payload = value;
    } else {
      try {
        values_.push_back(std::move(value));
      } catch (const std::bad_alloc&) {
        throw ResourceError("out of memory: cannot store the combiner's value of key " +
                            std::to_string(size_ + 1));
      }
      slot.payload = values_.size() - 1;
    }
  }

  // Doubles the table where it is: the pages are extended (ZeroedPages::
  // extend: the old slots are neither copied nor touched), then every key is
  // taken out of its slot and put back in the doubled table, where its probe
  // starts at its old home or at that plus the old capacity (home() adds a
  // bit of the tag at the top). The old slots are visited in probe order
  // from just past a free one, so cluster by cluster, a cluster's keys in
  // the order of their probes; a probe then never steps over a key not yet
  // taken out, which would leave a hole in its path when that key goes. (A
  // key put back in the lower half lands at or before its old slot, after
  // keys already put back; one put in the upper half, at or before its old
  // slot plus the old capacity, since the keys before it there came from
  // the old slots between its home and its own; so a probe wraps past the
  // table's end only for a key of the first cluster, visited last, and
  // stops at the latest at the key's own slot, just emptied.)
  void grow() {
    const std::size_t old_capacity = mask_ + 1;
    const std::size_t capacity = old_capacity * 2;
    slots_.extend(capacity * sizeof(Slot), "the combiner's table");
    Slot* const slots = slot_array();
    const std::size_t mask = capacity - 1;
    const auto new_home = [mask](const Slot& slot) {
      if (mask <= UINT32_MAX) return std::size_t{slot.tag} & mask;
      return home(hash_bytes(slot.key()), mask);
    };
    std::size_t free = 0;
    while (slots[free].stored_size != 0) ++free;
    for (std::size_t k = 1; k <= old_capacity; ++k) {
      const std::size_t j = (free + k) & mask_;
      if (slots[j].stored_size == 0) continue;
      const Slot moving = slots[j];
      // Free again as a slot never used is: a short key stored here later
      // relies on the zeros after its bytes.
      std::memset(static_cast<void*>(slots + j), 0, sizeof(Slot));
      std::size_t i = new_home(moving);
      while (slots[i].stored_size != 0) i = (i + 1) & mask;
      slots[i] = moving;
      // A key kept in the slot moved with it; the view key() gives follows.
    }
    mask_ = mask;
  }

  ZeroedPages slots_;
  std::size_t mask_;
  std::size_t size_ = 0;
  std::vector<Value> values_;  // when a value does not fit in its slot
  KeyArena arena_;             // keys longer than kKeyInSlot
};

// Pairs on their way into a CombineTable, held back so that the slots of
// several keys are fetched from memory at once: emit() hashes a key, starts
// fetching its slot and queues the pair; the queue is emptied into the table
// when it is full and at the end of each block of records. Each pair keeps
// the start of the record that emitted it, so that a combiner that throws is
// still blamed on that record (failed_record()). Only for values that a
// byte copy keeps (integers, floating point) and short keys.
template <class Value>
class PendingPairs {
 public:
  static constexpr std::size_t kDepth = 32;

  static bool fits(std::string_view key) { return key.size() <= ShortKey::kMaxSize; }
  bool full() const { return count_ == kDepth; }
  bool empty() const { return count_ == 0; }
  void clear() {
    count_ = 0;
    failed_record_ = nullptr;
  }

  // A key that fits(), as short_key made it, of `size` bytes.
  void push(ShortKey key, std::uint32_t size, std::uint64_t hash, const Value& value, const char* record) {
    Pair& pair = pairs_[count_++];
    pair.record = record;
    pair.hash = hash;
    pair.size = size;
    pair.value = value;
    pair.key = key;
  }

  // Upserts the queued pairs in the order they came, combining with
  // combine(key bytes, combined value, value). (Upserting only the oldest
  // pair of a full queue, as a ring, measured slower: a batch keeps the
  // probe loop hot.)
  template <class Combine>
  void drain(CombineTable<Value>& table, Combine&& combine) {
    const std::size_t count = count_;
    count_ = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const Pair& pair = pairs_[i];
      failed_record_ = pair.record;
      table.upsert_short(
          pair.key, pair.size, pair.hash, [&] { return pair.value; },
          [&](Value& combined) {
            // The key's bytes, for the combiner: the words in memory order.
            char bytes[ShortKey::kMaxSize];
            std::memcpy(bytes, &pair.key.low, 8);
            std::memcpy(bytes + 8, &pair.key.high, 8);
            combine(std::string_view(bytes, pair.size), combined, pair.value);
          });
    }
    failed_record_ = nullptr;
  }

  // When drain() threw: the record whose pair it was upserting.
  const char* failed_record() const { return failed_record_; }

 private:
  struct Pair {
    const char* record;
    std::uint64_t hash;
    ShortKey key;
    std::uint32_t size;
    Value value;
  };
  Pair pairs_[kDepth];
  std::size_t count_ = 0;
  const char* failed_record_ = nullptr;
};

}  // namespace mapreduce::detail
