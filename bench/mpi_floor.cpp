// The least an MPI job can take: a program that starts MPI, synchronises
// its ranks once and ends. tools/bench-mpi times it under mpirun beside the
// word counts, as the fixed cost (mpirun's launch, MPI_Init, MPI_Finalize)
// that every mpirun row pays before any work. Like word_count --mpi and the
// MR-MPI baseline, it turns Nagle's algorithm off on its connection to the
// launcher (lib/cluster/launcher_connection.hpp).
#include <mpi.h>

#include "cluster/launcher_connection.hpp"

int main(int argc, char** argv) {
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) return 1;
  mapreduce::detail::send_small_messages_to_launcher_at_once();
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Finalize();
  return 0;
}
