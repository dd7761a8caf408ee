#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

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
                          " bytes of keys for the combiner, after " + std::to_string(blocks_.size()) +
                          " blocks");
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

// The map side of a combiner: one value per distinct key of a map task, found
// by the key's encoded bytes in an open-addressing table (linear probing, at
// most half full). Entries stay in insertion order, which makes the task's
// output deterministic. Owned by one process. Running out of memory while
// growing throws ResourceError naming the sizes.
template <class Value>
class CombineTable {
 public:
  struct Entry {
    std::string_view key;
    Value value;
  };

  // If `key` is new, stores make() for it; otherwise calls combine(value).
  template <class Make, class Combine>
  void upsert(std::string_view key, std::uint64_t hash, Make&& make, Combine&& combine) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.entry == 0) {
        entries_.push_back(Entry{arena_.store(key), make()});
        hashes_.push_back(hash);
        slot = Slot{static_cast<std::uint32_t>(entries_.size()), tag};
        return;
      }
      if (slot.tag == tag) {
        Entry& entry = entries_[slot.entry - 1];
        if (bytes_equal(entry.key, key)) {
          combine(entry.value);
          return;
        }
      }
    }
  }

  const std::vector<Entry>& entries() const { return entries_; }

  void clear() {
    entries_.clear();
    hashes_.clear();
    std::fill(slots_.begin(), slots_.end(), Slot{});
    arena_.clear();
  }

 private:
  struct Slot {
    std::uint32_t entry = 0;  // index + 1 into entries_; 0 when free
    std::uint32_t tag = 0;    // high bits of the hash
  };

  void grow() {
    const std::size_t size = slots_.empty() ? 1024 : slots_.size() * 2;
    try {
      // Room for every entry the grown table holds before it grows again, so
      // that upsert never reallocates outside this function.
      entries_.reserve(size / 2);
      hashes_.reserve(size / 2);
      slots_.assign(size, Slot{});
    } catch (const std::bad_alloc&) {
      // Empty and consistent again: the table is of no more use to this task.
      slots_.clear();
      mask_ = 0;
      entries_.clear();
      hashes_.clear();
      throw ResourceError(
          "out of memory: cannot grow the combiner's table of " + std::to_string(entries_.size()) +
          " keys to " + std::to_string(size) + " slots (" +
          std::to_string(size * (sizeof(Slot) + (sizeof(Entry) + sizeof(std::uint64_t)) / 2)) + " bytes)");
    }
    mask_ = size - 1;
    for (std::size_t e = 0; e < entries_.size(); ++e) {
      const std::uint64_t hash = hashes_[e];
      std::size_t i = hash & mask_;
      while (slots_[i].entry != 0) i = (i + 1) & mask_;
      slots_[i] = Slot{static_cast<std::uint32_t>(e + 1), static_cast<std::uint32_t>(hash >> 32)};
    }
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::vector<std::uint64_t> hashes_;
  std::size_t mask_ = 0;
  KeyArena arena_;
};

}  // namespace mapreduce::detail
