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

}  // namespace mapreduce::detail
