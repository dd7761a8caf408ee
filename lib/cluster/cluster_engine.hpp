#pragma once

#include <cstdint>

#include "cluster/mpi_world.hpp"
#include "engine/engines.hpp"

namespace mapreduce::detail {

struct ClusterSettings {
  unsigned reducers = 0;                                // 0: 4 per rank
  std::uint64_t round_bytes = std::uint64_t(64) << 20;  // what a rank sends per shuffle round
  bool gather = true;  // rank 0 gets every rank's runs; or each keeps its own, to write apart
};

// The number of reduce partitions of a cluster job of `ranks` ranks.
inline std::size_t cluster_partitions(const ClusterSettings& settings, std::size_t ranks) {
  return settings.reducers != 0 ? settings.reducers : 4 * ranks;
}

// What a rank has to write: with settings.gather, rank 0's runs are the
// job's, in the order Output takes them, and the other ranks' are empty;
// without, each rank's are its own, runs[i] being part file part_numbers[i]
// (a partition, or a map-only job's map task).
struct RankRuns {
  ReducedRuns reduced;
  std::vector<std::size_t> part_numbers;
};

// The cluster engine, run by every rank of `world` on the same input, whose
// setup() has run: each rank maps an equal share of the map tasks by bytes
// (a contiguous range, so that rank order is input order), the map output is
// exchanged in rounds so that each partition ends on one rank (p's is rank
// p mod N), each rank reduces its partitions, and rank 0 gets every rank's
// runs, to write (or each rank keeps its own: settings.gather). Each rank's
// counters are its own tasks'. Failures are agreed on (MpiWorld::step), so
// every rank throws the same error.
RankRuns run_on_cluster(ErasedJob& job, const InputSet& input, const ClusterSettings& settings,
                        Counters& counters, JobClock& clock, MpiWorld& world);

}  // namespace mapreduce::detail
