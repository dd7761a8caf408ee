#pragma once

#include <cstdint>

#include "mapreduce/counters.hpp"
#include "mapreduce/detail/records.hpp"

namespace mapreduce::detail {

// The engine's counters for one finished task, added to `counters` (in the
// process that ran the task; the concurrent engine then sends what a task
// counted to the parent only if the task succeeded).
inline void count_map_task(Counters& counters, const MapOutput& out, std::uint64_t input_bytes,
                           bool combined) {
  counters(kEngineCounters, "input bytes") += static_cast<std::int64_t>(input_bytes);
  counters(kEngineCounters, "input lines") += static_cast<std::int64_t>(out.line_count());
  counters(kEngineCounters, "map output records") += static_cast<std::int64_t>(out.emitted_count());
  if (combined)
    counters(kEngineCounters, "combine output records") += static_cast<std::int64_t>(out.record_count());
}

inline void count_reduce_task(Counters& counters, const ReduceOutput& out) {
  counters(kEngineCounters, "distinct keys") += static_cast<std::int64_t>(out.record_count());
  counters(kEngineCounters, "reduce output records") += static_cast<std::int64_t>(out.record_count());
}

}  // namespace mapreduce::detail
