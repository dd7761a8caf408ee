#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "mapreduce/detail/order_prefix.hpp"
#include "mapreduce/detail/records.hpp"

namespace mapreduce::detail {

// Which of several runs sorted by key holds the smallest current key: the one
// k-way merge of the engine (the output of hash partitions, a worker's sorted
// runs of combined values, spilled runs). A tree of losers (Knuth, TAOCP
// 5.4.1): each inner node keeps the run that lost the match played there, so
// that when the winner moves on to its next key, one match per level, on the
// path from its leaf to the root, finds the next winner, and nothing else
// moves. Keys compare by their first 8 bytes as a number first
// (order_prefix), then by their bytes; equal keys go to the lower run, so a
// merge gives every key's records in run order (and, within a run, in the
// run's order).
//
// The tree keeps views of the current keys: a run's key must stay valid
// until that run's replace() or retire() (the winner's may go stale once
// its run has moved on, before either). Runs are numbered 0 to runs - 1;
// set() only before start(), which is called once; winner(), key(),
// replace() and retire() only when not empty(). Not thread-safe; owned by
// one merge.
class MergeTree {
 public:
  // `runs` runs, all empty until set().
  explicit MergeTree(std::size_t runs) : heads_(runs), losers_(runs) { assert(runs <= UINT32_MAX); }

  // Before start(): run `run`'s first key. A run never set has no records.
  void set(std::size_t run, std::string_view key) { heads_[run] = Head{order_prefix(key), key, false}; }
  // Plays every match, once the runs' first keys are set.
  void start() {
    const std::size_t n = heads_.size();
    if (n == 0) return;
    std::vector<std::uint32_t> winners(2 * n);
    for (std::size_t i = 0; i < n; ++i) winners[n + i] = static_cast<std::uint32_t>(i);
    for (std::size_t node = n - 1; node > 0; --node) {
      std::uint32_t left = winners[2 * node];
      std::uint32_t right = winners[2 * node + 1];
      if (beats(right, left)) std::swap(left, right);
      winners[node] = left;
      losers_[node] = right;
    }
    winner_ = winners[1];
  }

  // Whether every run is at its end.
  bool empty() const { return heads_.empty() || heads_[winner_].ended; }
  // The run with the smallest key (the lowest such run); not when empty().
  std::size_t winner() const { return winner_; }
  std::string_view key() const { return heads_[winner_].key; }

  // The winner's run moved on to its next record, whose key is `key`.
  void replace(std::string_view key) {
    heads_[winner_] = Head{order_prefix(key), key, false};
    replay();
  }
  // The winner's run has no more records.
  void retire() {
    heads_[winner_] = Head{};
    replay();
  }

 private:
  // A run at its end has the largest prefix, so that the prefixes alone
  // order it after nearly every run that is not.
  struct Head {
    std::uint64_t prefix = UINT64_MAX;
    std::string_view key;
    bool ended = true;
  };

  // Whether run a's key comes before run b's: smaller, or equal and in a
  // lower run; a run at its end comes after every other.
  bool beats(std::uint32_t a, std::uint32_t b) const {
    const Head& x = heads_[a];
    const Head& y = heads_[b];
    if (x.prefix != y.prefix) return x.prefix < y.prefix;
    if (x.ended != y.ended) return y.ended;
    if (!x.ended) {
      const int order = x.key.compare(y.key);
      if (order != 0) return order < 0;
    }
    return a < b;
  }

  // The winner's key changed: the matches on its path, replayed.
  void replay() {
    std::uint32_t winner = winner_;
    for (std::size_t node = (heads_.size() + winner) / 2; node > 0; node /= 2) {
      if (beats(losers_[node], winner)) std::swap(losers_[node], winner);
    }
    winner_ = winner;
  }

  std::vector<Head> heads_;
  std::vector<std::uint32_t> losers_;  // by inner node, 1 to runs - 1 (the leaves are runs..2 runs - 1)
  std::uint32_t winner_ = 0;
};

// Calls on_record(run, key, value) for every record of `runs` (runs of
// (key, value) records in memory, each in key order), merged through a
// MergeTree: in key order, equal keys in run order, then in their run's.
template <class OnRecord>
void for_each_merged_record(std::span<const std::string_view> runs, OnRecord&& on_record) {
  std::vector<RecordReader> readers;
  std::vector<std::string_view> values(runs.size());
  readers.reserve(runs.size());
  MergeTree tree(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    readers.emplace_back(runs[r]);
    std::string_view key;
    if (readers[r].next(key, values[r])) tree.set(r, key);
  }
  tree.start();
  while (!tree.empty()) {
    const std::size_t r = tree.winner();
    on_record(r, tree.key(), values[r]);
    std::string_view key;
    if (readers[r].next(key, values[r])) {
      tree.replace(key);
    } else {
      tree.retire();
    }
  }
}

}  // namespace mapreduce::detail
