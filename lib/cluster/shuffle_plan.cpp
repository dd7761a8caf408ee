#include "cluster/shuffle_plan.hpp"

#include <algorithm>

namespace mapreduce::detail {

// Under 2^31 in all for a round, as MPI's int counts and offsets need.
constexpr std::uint64_t kMaxRoundBytes = std::uint64_t(1) << 30;

ShufflePlan::ShufflePlan(std::size_t partitions, std::vector<std::vector<std::uint64_t>> section_sizes,
                         std::uint64_t round_bytes)
    : partitions_(partitions), section_sizes_(std::move(section_sizes)) {
  const std::uint64_t bytes = std::clamp<std::uint64_t>(round_bytes, 1, kMaxRoundBytes);
  chunk_ = std::max<std::uint64_t>(1, bytes / ranks());
  stream_sizes_.assign(ranks() * ranks(), 0);
  for (std::size_t from = 0; from < ranks(); ++from) {
    for (std::size_t k = 0; k < runs(from); ++k) {
      for (std::size_t p = 0; p < partitions_; ++p) {
        if (owner(p) != from) stream_sizes_[from * ranks() + owner(p)] += section_size(from, k, p);
      }
    }
  }
  for (const std::uint64_t size : stream_sizes_)
    rounds_ = std::max<std::size_t>(rounds_, (size + chunk_ - 1) / chunk_);
}

std::uint64_t ShufflePlan::round_size(std::size_t round, std::size_t from, std::size_t to) const {
  const std::uint64_t size = stream_size(from, to);
  const std::uint64_t start = round * chunk_;
  return start >= size ? 0 : std::min(chunk_, size - start);
}

std::size_t first_task(std::span<const std::uint64_t> task_sizes, std::size_t rank, std::size_t ranks) {
  if (rank >= ranks) return task_sizes.size();
  std::uint64_t total = 0;
  for (const std::uint64_t size : task_sizes) total += size;
  // The share starts at ceil(total × rank / ranks), computed without
  // overflow.
  const std::uint64_t start = total / ranks * rank + (total % ranks * rank + ranks - 1) / ranks;
  std::uint64_t before = 0;
  for (std::size_t t = 0; t < task_sizes.size(); ++t) {
    if (before >= start) return t;
    before += task_sizes[t];
  }
  return task_sizes.size();
}

std::vector<ShufflePlan::Piece> ShufflePlan::pieces(std::size_t partition) const {
  const std::size_t to = owner(partition);
  std::vector<Piece> pieces;
  for (std::size_t from = 0; from < ranks(); ++from) {
    // Where partition's sections start in the stream from `from`: after those
    // of the lower partitions `to` owns.
    std::uint64_t offset = 0;
    if (from != to) {
      for (std::size_t p = to; p < partition; p += ranks()) {
        for (std::size_t k = 0; k < runs(from); ++k) offset += section_size(from, k, p);
      }
    }
    for (std::size_t k = 0; k < runs(from); ++k) {
      const std::uint64_t size = section_size(from, k, partition);
      pieces.push_back(Piece{from, k, from == to ? 0 : offset, size});
      if (from != to) offset += size;
    }
  }
  return pieces;
}

}  // namespace mapreduce::detail
