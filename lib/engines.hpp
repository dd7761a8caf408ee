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

// A pool of `processes` forked workers sharing the input and the intermediate
// data through memory (see concurrent_engine.cpp).
void run_concurrent(ErasedJob& job, const InputFile& input, unsigned processes, Output& out);

}  // namespace mapreduce::detail
