#include <cstdlib>
#include <cstring>

#include "cluster/cluster_job.hpp"

namespace mapreduce::detail {

bool launched_as_other_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::strcmp(value, "0") != 0;
  }
  return false;
}

unsigned launched_ranks() {
  const char* value = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (value == nullptr) return 0;
  char* end = nullptr;
  const unsigned long ranks = std::strtoul(value, &end, 10);
  return end != value && *end == '\0' && ranks <= 1u << 30 ? static_cast<unsigned>(ranks) : 0;
}

}  // namespace mapreduce::detail
