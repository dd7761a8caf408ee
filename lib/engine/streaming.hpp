#pragma once

#include "input/input_set.hpp"
#include "mapreduce/counters.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "output/output.hpp"

namespace mapreduce::detail {

// Hadoop Streaming, in this process. The pairs travel as StreamText lines
// `key<TAB>value`, so that hadoop-streaming can sort and partition them.

// The mapper side: calls mapper on every input line (and the combiner on the
// pairs of each map task) and writes the pairs as text.
void run_stream_map(ErasedJob& job, const InputSet& input, Counters& counters, Output& out);

// The reducer side: reads `key<TAB>value` lines grouped by key (as Hadoop
// delivers them, sorted), calls reducer once per run of equal keys, and
// writes its output lines. A line without a tab is a key with an empty value.
// Throws InputError naming the line that is not a valid text form.
void run_stream_reduce(ErasedJob& job, const InputSet& input, Counters& counters, Output& out);

// The engine's counter of the largest resident set of the job's processes,
// in KiB (getrusage's unit).
inline constexpr std::string_view kPeakRssCounter = "peak rss KiB";

// Writes the counters the way Hadoop Streaming reads them from a task's
// standard error: `reporter:counter:GROUP,NAME,AMOUNT` lines. Not the
// per-process figures (peak rss KiB, the phase times), whose sums over a
// job's tasks would mean nothing.
void report_counters_to_hadoop(const Counters& counters);

}  // namespace mapreduce::detail
