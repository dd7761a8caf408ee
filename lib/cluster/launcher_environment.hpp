#pragma once

namespace mapreduce::detail {

// What an MPI launcher tells a process through its environment, read
// before (or without) MPI: the runner's rank-0-only messages, its refusal of
// mpirun without --mpi, and MpiWorld's check of who started it.

// Whether this process was started by an MPI launcher as a rank other than
// 0 (OMPI_COMM_WORLD_RANK, PMIX_RANK), so that the command line's errors,
// which every rank finds alike, are printed by rank 0 alone.
bool launched_as_other_rank();

// The number of ranks an MPI launcher started (OMPI_COMM_WORLD_SIZE); 0
// when none did.
unsigned launched_ranks();

// Refuses, with a UsageError, a process that Open MPI's mpirun (or a PMIx
// launcher such as srun --mpi=pmix) did not start: with no launcher, or
// under another MPI's (PMI_SIZE, ...), Open MPI would run each process as a
// job of its own.
void check_open_mpi_launcher();

}  // namespace mapreduce::detail
