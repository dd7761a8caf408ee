#pragma once

#include <string>

#include "mapreduce/detail/erased_job.hpp"

namespace mapreduce::detail {

// The message of UserCodeError for a failed reducer, the same from every
// engine: "reducer failed on key \"the\": MESSAGE". (A failed mapper's names
// the file and line: InputSet::map.)
std::string describe(const ReduceFailure& failure);

}  // namespace mapreduce::detail
