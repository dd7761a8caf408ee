#include "cluster/launcher_environment.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// The variable's value, or null when it is unset or empty.
const char* environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

bool launched_as_other_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK"}) {
    if (const char* value = environment(name)) return std::strcmp(value, "0") != 0;
  }
  return false;
}

unsigned launched_ranks() {
  const char* value = environment("OMPI_COMM_WORLD_SIZE");
  if (value == nullptr) return 0;
  char* end = nullptr;
  const unsigned long ranks = std::strtoul(value, &end, 10);
  return *end == '\0' && ranks <= 1u << 30 ? static_cast<unsigned>(ranks) : 0;
}

void check_open_mpi_launcher() {
  if (environment("OMPI_COMM_WORLD_SIZE") != nullptr || environment("PMIX_RANK") != nullptr) return;
  for (const char* foreign : {"PMI_SIZE", "PMI_RANK", "MPI_LOCALRANKID", "SLURM_PROCID"}) {
    if (const char* value = environment(foreign)) {
      throw UsageError(std::string("--mpi: this program uses Open MPI, but another launcher started it (") +
                       foreign + "=" + value +
                       "), which would make every process a job of its own: start it with Open MPI's "
                       "mpirun (or srun --mpi=pmix)");
    }
  }
  throw UsageError(
      "--mpi needs an MPI launcher: start the program as mpirun -np N PROGRAM --mpi [OPTION]... INPUT...");
}

}  // namespace mapreduce::detail
