#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mapreduce::detail {

// Cuts `text` into `count` contiguous ranges of about equal size, each end
// moved forward past the next '\n', so that every line lies in exactly one
// range. Ranges may be empty (a long line swallows its neighbours' share);
// together they cover `text` exactly, in order.
std::vector<std::string_view> line_aligned_ranges(std::string_view text, std::size_t count);

// How many map tasks an input of `bytes` bytes is cut into: one per started
// MiB up to 16, and above 1 GiB as many as keep each task under about 64 MiB. It depends on the input alone,
// never on the number of processes, so both engines run the very same map tasks: with a combiner, every
// reducer sees the same partial values in the same order whatever the process count.
std::size_t map_task_count(std::size_t bytes);

}  // namespace mapreduce::detail
