#pragma once

#include <span>
#include <string_view>

#include "mapreduce/detail/erased_job.hpp"

namespace mapreduce::detail {

// Reduces one partition of a job without a combiner: reads its (key, value)
// records from every section in place, groups them by key bytes, and calls
// the job's reducer once per distinct key in ascending byte order of the keys.
// Values reach reducer in the order of `sections`, then of the records within
// each. Throws what the job throws (ReduceFailure).
void reduce_grouped(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out);

}  // namespace mapreduce::detail
