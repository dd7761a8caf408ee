#include "cluster/cluster_job.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

// The library built without MPI (meson's `mpi` option disabled, or Open MPI
// not found).
void run_job_on_cluster(ErasedJob&, const std::vector<std::string>&, const Options&, Counters&) {
  throw UsageError(
      "--mpi: this build of mapreduce has no MPI support; build it with Open MPI's development files "
      "installed (libopenmpi-dev), or with meson setup -Dmpi=enabled to make sure");
}

void end_cluster_job() {}

bool cluster_failure_agreed() { return false; }

}  // namespace mapreduce::detail
