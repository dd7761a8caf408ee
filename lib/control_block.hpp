#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "shared_memory.hpp"

namespace mapreduce::detail {

enum class Phase : std::uint32_t { idle, map, reduce };
enum class ErrorKind : std::uint32_t { none, user_code, input, resource, other };

constexpr std::size_t kErrorCapacity = 4096;

// What one worker tells the parent. Written by the worker in that slot (a
// replacement takes over its predecessor's slot); read by the parent after the
// worker replied or died.
struct WorkerSlot {
  std::atomic<Phase> phase;
  std::atomic<std::uint32_t> task;
  std::atomic<std::int64_t> task_started_ns;  // CLOCK_MONOTONIC; 0 when idle
  // The committed sizes of the slot's arenas: what finished tasks wrote. A
  // worker that dies mid-task leaves bytes past them, which its replacement
  // overwrites.
  std::atomic<std::uint64_t> map_bytes;
  std::atomic<std::uint64_t> reduce_bytes;
  ErrorKind error_kind;
  std::uint32_t error_length;
  char error[kErrorCapacity];
};

// Where reduce task p left its output: in the reduce arena of slot `worker`,
// `length` bytes of records from `offset`, then `counters_length` bytes of
// what the task counted.
struct ReducedPartition {
  std::uint32_t worker;
  std::uint64_t offset;
  std::uint64_t length;
  std::uint64_t counters_length;
};

// The engine's shared state, in one block of anonymous shared memory mapped
// before the fork: a task counter and a retry queue for the current phase,
// one slot per worker, and per task whether it is done and where its output
// is. Workers and parent touch it only through atomics and fields that one
// process writes before telling the other (through the socket pair), so no
// lock is ever held that a dead worker could leave taken.
class ControlBlock {
 public:
  ControlBlock(unsigned workers, std::size_t map_tasks, std::size_t partitions, unsigned max_attempts);

  // Parent, between phases: hand out the tasks afresh.
  void start_phase();
  // Worker: the next task of the phase, new ones first, then retries.
  std::optional<std::uint32_t> take_task(std::size_t tasks);
  // Parent: run `task` again (its worker died before finishing it).
  void retry(std::uint32_t task);

  WorkerSlot& slot(unsigned worker) { return at<WorkerSlot>(slots_)[worker]; }
  std::atomic<std::uint32_t>& done(Phase phase, std::size_t task) {
    return at<std::atomic<std::uint32_t>>(phase == Phase::map ? map_done_ : reduce_done_)[task];
  }
  // The slot whose arena holds map task t's output.
  std::uint32_t& map_worker(std::size_t task) { return at<std::uint32_t>(map_workers_)[task]; }
  // partition_bounds(t)[p] .. [p + 1]: partition p of map task t in that
  // arena; [partitions] .. [partitions + 1]: what the task counted.
  std::uint64_t* partition_bounds(std::size_t task) { return at<std::uint64_t>(bounds_) + task * (partitions_ + 2); }
  ReducedPartition& reduced(std::size_t partition) { return at<ReducedPartition>(reduced_)[partition]; }

 private:
  struct Header {
    std::atomic<std::uint32_t> next_task;
    std::atomic<std::uint32_t> retry_head;
    std::atomic<std::uint32_t> retry_tail;
  };

  template <class T>
  T* at(std::size_t offset) const {
    return reinterpret_cast<T*>(static_cast<char*>(block_->data()) + offset);
  }
  Header& header() const { return *at<Header>(0); }

  std::size_t partitions_;
  std::size_t retry_capacity_;
  std::size_t slots_ = 0;
  std::size_t map_done_ = 0;
  std::size_t reduce_done_ = 0;
  std::size_t map_workers_ = 0;
  std::size_t bounds_ = 0;
  std::size_t reduced_ = 0;
  std::size_t retries_ = 0;
  std::optional<SharedBlock> block_;
};

}  // namespace mapreduce::detail
