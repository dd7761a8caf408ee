#pragma once

#include <algorithm>
#include <cstdint>

#include "mapreduce/detail/records.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {

// The reduce side of spilling: a reduce task's output records, already in
// key order, appended to a spill file as they outgrow the memory they may
// hold, so that the task's output is one extent of the file. Nothing else
// may append to the file during the task (the merge passes write to a
// scratch file of their own).
// Where a reduce task's output starts to spill, when the reduce output a
// process holds is `held` bytes of its `budget`: at what is left, but in
// writes of at least 1 MiB (or the budget, if smaller) once nothing is.
inline std::uint64_t output_spill_threshold(std::uint64_t budget, std::uint64_t held) {
  const std::uint64_t left = budget - std::min(held, budget);
  return std::max(left, std::min<std::uint64_t>(budget, std::uint64_t(1) << 20));
}

class ReduceRunSpiller final : public ReduceSpill {
 public:
  explicit ReduceRunSpiller(SpillFile& file) : file_(file) {}

  // Throws ResourceError.
  void spill(ReduceOutput& out) override;

  // Whether this task's output has spilled since the last finish().
  bool spilled() const { return spilled_; }
  // Appends what `out` still holds and returns where the whole output of
  // the task is; then starts over for the next task.
  SpillExtent finish(ReduceOutput& out);

 private:
  SpillFile& file_;
  bool spilled_ = false;
  std::uint64_t start_ = 0;
};

}  // namespace mapreduce::detail
