#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace mapreduce::detail {

// One of `parts` pieces of the merge of `partitions` (for_each_merged_record):
// the lines whose keys fall in the part-th of `parts` key ranges, in merge
// order, passed to `write` some at a time (whole lines, about `chunk_bytes`
// at once, so that the caller never holds the part whole). The parts, in
// order, make its whole output, byte for byte, so that several processes can
// each merge one. The ranges are cut at keys of the largest partition (by
// bytes, the first of equal ones) at even steps through its records: under
// hash partitioning each partition is a sample of all the keys, so the parts
// come out about equal. Every record of one key falls in one part. Reads the
// partitions only.
void merge_key_range(std::span<const std::string_view> partitions, std::size_t part, std::size_t parts,
                     const std::function<void(std::string_view lines)>& write,
                     std::size_t chunk_bytes = std::size_t{1} << 20);

}  // namespace mapreduce::detail
