#include "ipc/control_block.hpp"

namespace mapreduce::detail {
namespace {

std::size_t align(std::size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

ControlBlock::ControlBlock(unsigned workers, std::size_t map_tasks, std::size_t partitions)
    : map_tasks_(map_tasks), partitions_(partitions) {
  std::size_t size = align(sizeof(Header));
  auto reserve = [&size](std::size_t bytes) {
    const std::size_t offset = size;
    size += align(bytes);
    return offset;
  };
  slots_ = reserve(workers * sizeof(WorkerSlot));
  map_state_ = reserve(map_tasks * sizeof(std::atomic<std::uint32_t>));
  reduce_state_ = reserve(partitions * sizeof(std::atomic<std::uint32_t>));
  map_workers_ = reserve(map_tasks * sizeof(std::uint32_t));
  committed_ = reserve(map_tasks * sizeof(std::atomic<std::uint32_t>));
  run_heads_ = reserve(map_tasks * sizeof(std::uint32_t));
  bounds_ = reserve(map_tasks * (partitions + 3) * sizeof(std::uint64_t));
  reduced_ = reserve(partitions * sizeof(ReducedPartition));
  block_.emplace(size);
}

void ControlBlock::start_phase(Phase phase) {
  const std::size_t tasks = phase == Phase::map ? map_tasks_ : partitions_;
  for (std::size_t task = 0; task < tasks; ++task) state(phase, task).store(kFree);
  if (phase == Phase::map) {
    for (std::size_t task = 0; task < tasks; ++task) committed(task).store(0);
  }
  header().next_task = 0;
}

std::optional<std::uint32_t> ControlBlock::holding_task(Phase phase, std::size_t tasks, unsigned worker) {
  for (std::uint32_t task = 0; task < tasks; ++task) {
    if (state(phase, task).load() == worker + 1) return task;
  }
  return std::nullopt;
}

void ControlBlock::settle_mapped_tasks(unsigned worker) {
  for (std::size_t task = 0; task < map_tasks_; ++task) {
    std::atomic<std::uint32_t>& s = state(Phase::map, task);
    if (s.load() == (kMapped | (worker + 1))) s.store(is_committed_run(run_head(task)) ? kDone : kFree);
  }
}

}  // namespace mapreduce::detail
