#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "mapreduce/values.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {

// One run that the reduce of a spilled partition merges: a spilled extent
// (sorted by key), or, when `file` is null, a section still in memory
// (unsorted; sorted when the merge opens it).
struct MergeInput {
  const SpillFile* file = nullptr;
  SpillExtent extent;
  std::string_view section;
};

// How wide a merge may be, from the memory it may use: at most `fan_in`
// runs at once, each read through a buffer of `read_buffer` bytes.
// A key whose values would take more than `hot_key_bytes` to hold (their
// bytes and 24 bytes a value besides) is a hot key: its values are
// streamed from disk rather than held.
struct MergeShape {
  std::size_t fan_in = 64;
  std::size_t read_buffer = std::size_t(1) << 20;
  std::uint64_t hot_key_bytes = std::uint64_t(64) << 20;
};

// The shape of the merges a process whose share of the memory budget is
// `budget` bytes makes: buffers of a 64th of it (from 4 KiB to 1 MiB), as
// many runs as half the budget reads at once (from 2 to 64), hot keys past
// a quarter of it.
MergeShape merge_shape(std::uint64_t budget);

// What merge_runs did, for the counters.
struct MergeStats {
  std::uint64_t passes = 0;         // passes over the runs, the last one included
  std::uint64_t scratch_bytes = 0;  // written by the passes before the last
  std::uint64_t streamed_keys = 0;  // hot keys
};

using OnKey = std::function<void(std::string_view key, std::span<const std::string_view> values)>;
using OnStreamedKey = std::function<void(std::string_view key, ValueStream& values)>;

// Merges `inputs`, each sorted by key, and calls on_key once per distinct
// key, in ascending byte order of the keys, with all of its values: in the
// order of `inputs`, then in each run's order, as the in-memory reduce
// would give them. With more inputs than shape.fan_in, consecutive groups of
// them are first merged into runs appended to `scratch` (which the caller
// gives back afterwards, SpillFile::resume_at), pass after pass, so that
// every merge reads at most fan_in runs at once. A hot key goes to
// on_streamed_key instead, its values written to `scratch` and read back
// one by one, when there is one (a job that sorts its values, or combines
// them, has none: its keys' values are always held). Throws what the files
// and the callbacks throw.
MergeStats merge_runs(std::vector<MergeInput> inputs, SpillFile& scratch, const MergeShape& shape,
                      const OnKey& on_key, const OnStreamedKey& on_streamed_key = {});

}  // namespace mapreduce::detail
