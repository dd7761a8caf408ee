#pragma once

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
// the input, writes the runs and commits, the same for every engine.
struct ReducedRuns {
  std::vector<std::string_view> runs;
  ReduceOutput local;                // the sequential engine's one partition
  std::vector<MappedRegion> shared;  // the concurrent engine's reduce arenas
};

// The two engines. Both run the map and reduce phases of a job whose setup()
// has run and add what the tasks counted to `counters`. Their runs make the
// same output, byte for byte.

// Everything in this process: the map tasks one after the other, one
// partition.
ReducedRuns run_sequential(ErasedJob& job, const InputSet& input, Counters& counters, JobClock& clock);

// How the concurrent engine runs: Options, checked.
struct EngineSettings {
  unsigned processes = 1;
  unsigned max_attempts = 4;
  double task_timeout = 0;
  bool retry_exceptions = false;
  bool show_progress = false;
};

// A pool of forked workers sharing the input and the intermediate data through
// memory (see engine/concurrent/).
ReducedRuns run_concurrent(ErasedJob& job, const InputSet& input, const EngineSettings& settings,
                           Counters& counters, JobClock& clock);

}  // namespace mapreduce::detail
