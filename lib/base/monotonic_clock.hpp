#pragma once

#include <cstdint>
#include <ctime>

namespace mapreduce::detail {

// CLOCK_MONOTONIC in nanoseconds: for durations and timeouts, never for dates.
inline std::int64_t monotonic_ns() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

}  // namespace mapreduce::detail
