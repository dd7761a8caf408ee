#pragma once

#include <cstdint>

namespace mapreduce::detail {

// Options::memory_limit's default: half of the memory this process may use,
// the machine's physical memory or its control group's limit
// (memory.max), whichever is smaller.
std::uint64_t default_memory_limit();

// Gives the heap's free pages back to the kernel (glibc's malloc_trim; a
// no-op elsewhere). Between the reduce tasks of a merge: a merge's buffers
// and a held key's values are freed when its task ends, but the heap keeps
// their pages (fragmentation, and glibc's mmap threshold that rises after a
// large free), on the 3 GiB bench-spill run 80 MiB a worker past what was in
// use, which the memory limit would otherwise not bound.
void give_back_free_heap();

}  // namespace mapreduce::detail
