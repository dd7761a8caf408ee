#include "control_block.hpp"

namespace mapreduce::detail {
namespace {

std::size_t align(std::size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

ControlBlock::ControlBlock(unsigned workers, std::size_t map_tasks, std::size_t partitions, unsigned max_attempts)
    : partitions_(partitions),
      retry_capacity_((map_tasks > partitions ? map_tasks : partitions) * max_attempts) {
  std::size_t size = align(sizeof(Header));
  auto reserve = [&size](std::size_t bytes) {
    const std::size_t offset = size;
    size += align(bytes);
    return offset;
  };
  slots_ = reserve(workers * sizeof(WorkerSlot));
  map_done_ = reserve(map_tasks * sizeof(std::atomic<std::uint32_t>));
  reduce_done_ = reserve(partitions * sizeof(std::atomic<std::uint32_t>));
  map_workers_ = reserve(map_tasks * sizeof(std::uint32_t));
  bounds_ = reserve(map_tasks * (partitions + 2) * sizeof(std::uint64_t));
  reduced_ = reserve(partitions * sizeof(ReducedPartition));
  retries_ = reserve(retry_capacity_ * sizeof(std::uint32_t));
  block_.emplace(size);
}

void ControlBlock::start_phase() {
  header().next_task = 0;
  header().retry_head = 0;
  header().retry_tail = 0;
}

std::optional<std::uint32_t> ControlBlock::take_task(std::size_t tasks) {
  Header& h = header();
  if (h.next_task.load() < tasks) {
    const std::uint32_t task = h.next_task.fetch_add(1);
    if (task < tasks) return task;
  }
  std::uint32_t head = h.retry_head.load();
  while (head < h.retry_tail.load()) {
    if (h.retry_head.compare_exchange_weak(head, head + 1)) return at<std::uint32_t>(retries_)[head];
  }
  return std::nullopt;
}

void ControlBlock::retry(std::uint32_t task) {
  Header& h = header();
  const std::uint32_t tail = h.retry_tail.load();
  if (tail >= retry_capacity_) return;  // cannot happen: attempts are bounded
  at<std::uint32_t>(retries_)[tail] = task;
  h.retry_tail.store(tail + 1);
}

}  // namespace mapreduce::detail
