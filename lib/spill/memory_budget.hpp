#pragma once

#include <cstdint>

namespace mapreduce::detail {

// Options::memory_limit's default: half of the memory this process may use,
// the machine's physical memory or its control group's limit
// (memory.max), whichever is smaller.
std::uint64_t default_memory_limit();

}  // namespace mapreduce::detail
