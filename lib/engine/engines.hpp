#pragma once

#include "engine/job_clock.hpp"
#include "input/input_set.hpp"
#include "mapreduce/counters.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "output/output.hpp"

namespace mapreduce::detail {

// The two engines. Both run the map and reduce phases of a job whose setup()
// has run, add what the tasks counted to `counters`, and hand the reduced
// partitions, each sorted by key, to `out` only once every reducer has
// succeeded. Their output is identical byte for byte.

// Everything in this process: the map tasks one after the other, one
// partition.
void run_sequential(ErasedJob& job, const InputSet& input, Counters& counters, JobClock& clock, Output& out);

// How the concurrent engine runs: Options, checked.
struct EngineSettings {
  unsigned processes = 1;
  unsigned max_attempts = 4;
  double task_timeout = 0;
  bool retry_exceptions = false;
  bool show_progress = false;
};

// A pool of forked workers sharing the input and the intermediate data through
// memory (see concurrent_engine.cpp).
void run_concurrent(ErasedJob& job, const InputSet& input, const EngineSettings& settings, Counters& counters,
                    JobClock& clock, Output& out);

}  // namespace mapreduce::detail
