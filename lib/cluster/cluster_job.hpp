#pragma once

#include <string>
#include <vector>

#include "mapreduce/counters.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce::detail {

// A whole job as one rank of an MPI job (Options::mpi), started by mpirun
// with the same inputs on a file system every rank sees: every rank opens
// the input and runs setup(), the cluster engine maps, shuffles and reduces,
// rank 0 writes the output and commits it, every rank runs cleanup(), and
// rank 0 gets the counters summed over the ranks (the largest peak RSS, its
// own phase times) and prints them with --stats. Every rank throws the same
// error when any fails, named by the rank and host where it happened.
// Throws UsageError when the build has no MPI, or no launcher started the
// program. After a failure MPI stays up until end_cluster_job(), which the
// caller runs once it has reported the error (or at exit).
void run_job_on_cluster(ErasedJob& job, const std::vector<std::string>& inputs, const Options& options,
                        Counters& counters);

// Finalises MPI after a failed run_job_on_cluster: waits for every rank to
// do the same, so none ends before rank 0 has reported the failure. Does
// nothing when there is no MPI job.
void end_cluster_job();

// Whether the failure being reported is one the ranks of an MPI job agreed
// on, which rank 0 reports for all of them.
bool cluster_failure_agreed();

}  // namespace mapreduce::detail
