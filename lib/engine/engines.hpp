#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/mapped_region.hpp"
#include "engine/job_clock.hpp"
#include "input/input_set.hpp"
#include "mapreduce/counters.hpp"
#include "mapreduce/detail/erased_job.hpp"

namespace mapreduce::detail {

// What an engine hands back once every reducer has succeeded: the reduced
// partitions, each a run of (key, output line) records sorted by key, keys
// disjoint across runs, and the memory that holds them. run_job then checks
// the input, writes the runs and commits, the same for every engine. A
// map-only job's runs are its map tasks' output lines instead, in input
// order, and are written one after the other.
struct ReducedRuns {
  std::vector<std::string_view> runs;
  bool in_task_order = false;  // a map-only job's: concatenate, do not merge
  // The runs are the output's lines, merged already (by the workers, each
  // a range of keys): written one after the other.
  bool merged = false;
  // The runs are shared mappings (memfd arenas, spill files), whose pages
  // the output gives back as it writes them (release_mapped_pages).
  bool runs_are_mapped = false;
  std::deque<ReduceOutput> local;    // the sequential engine's partitions
  std::deque<MapOutput> local_map;   // the sequential engine's map-only output
  std::vector<MappedRegion> shared;  // the concurrent engine's arenas
  std::vector<ByteBuffer> received;  // the cluster engine's, from other ranks
};

// The two engines. Both run the map and reduce phases of a job whose setup()
// has run and add what the tasks counted to `counters`. Their runs make the
// same output, byte for byte.

// How the engines run: Options, checked.
struct EngineSettings {
  unsigned reducers = 0;  // 0: the engine's default
  unsigned processes = 1;
  unsigned max_attempts = 4;
  double task_timeout = 0;
  bool retry_exceptions = false;
  bool show_progress = false;
  // What the map output may hold in memory, all processes together, before
  // it spills to files in spill_dir (Options::memory_limit, resolved).
  std::uint64_t memory_limit = UINT64_MAX;
  std::string spill_dir = "/tmp";
  // The output is one sorted stream (not part files), which the workers of
  // the concurrent engine may merge by key range.
  bool one_sorted_output = false;
};

// Everything in this process: the map tasks one after the other, then the
// partitions (one unless settings.reducers says otherwise).
ReducedRuns run_sequential(ErasedJob& job, const InputSet& input, const EngineSettings& settings,
                           Counters& counters, JobClock& clock);

// A pool of forked workers sharing the input and the intermediate data through
// memory (see engine/concurrent/).
ReducedRuns run_concurrent(ErasedJob& job, const InputSet& input, const EngineSettings& settings,
                           Counters& counters, JobClock& clock);

}  // namespace mapreduce::detail
