#pragma once

#include <string>

#include "input_file.hpp"
#include "mapreduce/detail/erased_job.hpp"

namespace mapreduce::detail {

// The messages of UserCodeError, the same from every engine:
//   "mapper failed on line 7 of /data/in.txt: MESSAGE"
//   "reducer failed on key \"the\": MESSAGE"
std::string describe(const MapFailure& failure, const InputFile& input);
std::string describe(const ReduceFailure& failure);

}  // namespace mapreduce::detail
