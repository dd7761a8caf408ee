#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mapreduce/detail/merge_tree.hpp"
#include "mapreduce/detail/records.hpp"

namespace mapreduce::detail {

// Calls on_line(run, line) for every line of `runs` (runs of (key, line)
// records, each in key order), in key order; equal keys (a reducer may
// write any key) in run order, then in their run's.
template <class OnLine>
void for_each_merged_line(std::span<const std::string_view> runs, OnLine&& on_line) {
  std::vector<RecordReader> readers;
  std::vector<std::string_view> lines(runs.size());
  readers.reserve(runs.size());
  MergeTree tree(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    readers.emplace_back(runs[r]);
    std::string_view key;
    if (readers[r].next(key, lines[r])) tree.set(r, key);
  }
  tree.start();
  while (!tree.empty()) {
    const std::size_t r = tree.winner();
    on_line(r, lines[r]);
    std::string_view key;
    if (readers[r].next(key, lines[r])) {
      tree.replace(key);
    } else {
      tree.retire();
    }
  }
}

// One of `parts` pieces of for_each_merged_line's merge of `partitions`:
// the lines whose keys fall in the part-th of `parts` key ranges, in merge
// order, appended to `lines`. The parts, in order, make its
// whole output, byte for byte, so that several processes can each merge one.
// The ranges are cut at keys of the largest partition (by bytes, the first
// of equal ones) at even steps through its records: under hash
// partitioning each partition is a sample of all the keys, so the parts
// come out about equal. Every record of one key falls in one part. Reads
// the partitions only.
void merge_key_range(std::span<const std::string_view> partitions, std::size_t part, std::size_t parts,
                     std::string& lines);

}  // namespace mapreduce::detail
