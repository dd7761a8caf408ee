#pragma once

#include "input_file.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "output.hpp"

namespace mapreduce::detail {

// The two engines. Both run the map and reduce phases of a job whose setup()
// has run, and write its output lines, sorted by key, to `out` only once every
// reducer has succeeded. Their output is identical byte for byte.

// Everything in this process: one map task over the whole input, one
// partition.
void run_sequential(ErasedJob& job, const InputFile& input, Output& out);

// How the concurrent engine runs: Options, checked.
struct EngineSettings {
  unsigned processes = 1;
  unsigned max_attempts = 4;
  double task_timeout = 0;
  bool retry_exceptions = false;
};

// A pool of forked workers sharing the input and the intermediate data through
// memory (see concurrent_engine.cpp).
void run_concurrent(ErasedJob& job, const InputFile& input, const EngineSettings& settings, Output& out);

}  // namespace mapreduce::detail
