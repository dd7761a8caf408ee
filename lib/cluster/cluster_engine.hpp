#pragma once

#include <cstdint>

#include "cluster/mpi_world.hpp"
#include "engine/engines.hpp"

namespace mapreduce::detail {

struct ClusterSettings {
  unsigned reducers = 0;                                // 0: 4 per rank
  std::uint64_t round_bytes = std::uint64_t(64) << 20;  // what a rank sends per shuffle round
};

// The cluster engine, run by every rank of `world` on the same input, whose
// setup() has run: each rank maps an equal share of the map tasks by bytes
// (a contiguous range, so that rank order is input order), the map output is
// exchanged in rounds so that each partition ends on one rank (p's is rank
// p mod N), each rank reduces its partitions, and rank 0 gets every rank's
// runs, to write. Rank 0's ReducedRuns are the job's; the others' are
// empty. Each rank's counters are its own tasks'. Failures are agreed on
// (MpiWorld::step), so every rank throws the same error.
ReducedRuns run_on_cluster(ErasedJob& job, const InputSet& input, const ClusterSettings& settings,
                           Counters& counters, JobClock& clock, MpiWorld& world);

}  // namespace mapreduce::detail
