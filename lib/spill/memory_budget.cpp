#include "spill/memory_budget.hpp"

#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <fstream>
#include <string>

namespace mapreduce::detail {
namespace {

// The cgroup v2 limit of this process's group, or 0 when it has none.
std::uint64_t control_group_limit() {
  std::ifstream groups("/proc/self/cgroup");
  std::string line;
  std::string path;
  while (std::getline(groups, line)) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  if (path.empty()) return 0;
  std::ifstream limit("/sys/fs/cgroup" + path + "/memory.max");
  std::string text;
  if (!(limit >> text) || text == "max") return 0;
  try {
    return std::stoull(text);
  } catch (...) {
    return 0;
  }
}

}  // namespace

std::uint64_t default_memory_limit() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  std::uint64_t memory =
      pages > 0 && page_size > 0 ? std::uint64_t(pages) * std::uint64_t(page_size) : std::uint64_t(4) << 30;
  if (const std::uint64_t group = control_group_limit(); group != 0) memory = std::min(memory, group);
  return std::max<std::uint64_t>(memory / 2, std::uint64_t(64) << 20);
}

void give_back_free_heap() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace mapreduce::detail
