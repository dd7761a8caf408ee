#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mapreduce::detail {

// The first map task of rank `rank` of `ranks`, for map tasks of these
// sizes in input order: the first that starts in the rank's equal share of
// the bytes, [total × rank / ranks, total × (rank + 1) / ranks). Each rank
// maps the tasks from its first to the next rank's, so that rank order is
// input order; first_task(sizes, ranks, ranks) is the number of tasks.
std::size_t first_task(std::span<const std::uint64_t> task_sizes, std::size_t rank, std::size_t ranks);

// The cluster engine's shuffle, as numbers: where each section of the map
// output goes and in which rounds its bytes travel. Every rank builds the
// same plan from every rank's section sizes, so no more is sent to agree on
// it.
//
// Rank s's map output is a list of runs, each with a section per partition.
// Partition p is reduced by rank owner(p). What rank s sends rank d is one
// stream: the sections of d's partitions in ascending partition order, each
// partition's in run order. The streams travel in rounds: in each, every
// rank sends every other at most chunk() bytes of its stream, the next part,
// so that a round moves at most about `round_bytes` from any rank.
class ShufflePlan {
 public:
  // `section_sizes[s]`: rank s's runs' section sizes, run-major (run k's
  // partition p at k × partitions + p). `round_bytes` is at least 1.
  ShufflePlan(std::size_t partitions, std::vector<std::vector<std::uint64_t>> section_sizes,
              std::uint64_t round_bytes);

  std::size_t ranks() const { return section_sizes_.size(); }
  std::size_t partitions() const { return partitions_; }
  std::size_t owner(std::size_t partition) const { return partition % ranks(); }
  std::size_t runs(std::size_t rank) const { return section_sizes_[rank].size() / partitions_; }
  std::uint64_t section_size(std::size_t rank, std::size_t run, std::size_t partition) const {
    return section_sizes_[rank][run * partitions_ + partition];
  }

  // The bytes rank `from` sends rank `to` in all; nothing to itself.
  std::uint64_t stream_size(std::size_t from, std::size_t to) const {
    return stream_sizes_[from * ranks() + to];
  }
  // The most a rank sends another in one round, and the number of rounds.
  std::uint64_t chunk() const { return chunk_; }
  std::size_t rounds() const { return rounds_; }
  // What rank `from` sends rank `to` in `round`: the part of the stream
  // that starts at round × chunk().
  std::uint64_t round_size(std::size_t round, std::size_t from, std::size_t to) const;

  // A section of a partition: which rank's run it is, and where it is in the
  // stream from that rank to the partition's owner (for the owner's own
  // sections, nowhere: offset is 0).
  struct Piece {
    std::size_t rank;
    std::size_t run;
    std::uint64_t offset;
    std::uint64_t size;
  };
  // Partition p's sections in input order (by rank, then run), as its owner
  // adds them to the reduce task.
  std::vector<Piece> pieces(std::size_t partition) const;

 private:
  std::size_t partitions_;
  std::vector<std::vector<std::uint64_t>> section_sizes_;
  std::vector<std::uint64_t> stream_sizes_;  // from-major
  std::uint64_t chunk_ = 1;
  std::size_t rounds_ = 0;
};

}  // namespace mapreduce::detail
