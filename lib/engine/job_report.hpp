#pragma once

#include "input/input_set.hpp"
#include "mapreduce/counters.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

// The steps around the engines that every way of running a job shares
// (run_job, and the cluster's run_job_on_cluster).

// setup() and cleanup() errors keep their type when they are ours already
// (a catalogue that cannot be read is an InputError) and are otherwise named.
template <class F>
void call_user_code(const char* what, F&& f) {
  try {
    f();
  } catch (const Error&) {
    throw;
  } catch (...) {
    throw UserCodeError(std::string(what) + " failed: " + current_exception_message());
  }
}

// The job's own counters once it has run: its input files and map tasks,
// the subdirectories skipped (when there were any), and the peak RSS of
// this process and of any worker it reaped.
void count_job(Counters& counters, const InputSet& input);

// The largest resident set of this process and of any worker it reaped, in
// KiB.
std::int64_t peak_rss_kib();

// --stats: the counters on standard error, under "counters of STEP:" in a
// pipeline (`step_label` not null).
void print_counters(const Counters& counters, const char* step_label);

}  // namespace mapreduce::detail
