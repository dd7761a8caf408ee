#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "ipc/shared_memory.hpp"

namespace mapreduce::detail {

enum class Phase : std::uint32_t { idle, map, reduce };
enum class ErrorKind : std::uint32_t { none, user_code, input, resource, other };

constexpr std::size_t kErrorCapacity = 4096;

// What one worker tells the parent. Written by the worker in that slot (a
// replacement takes over its predecessor's slot), and reset by the parent
// once the worker is dead; read by the parent after the worker replied or
// died, except task_started_ns, which the parent reads at any time to enforce
// the task timeout.
struct WorkerSlot {
  std::atomic<Phase> phase;
  std::atomic<std::uint32_t> task;
  std::atomic<std::int64_t> task_started_ns;  // CLOCK_MONOTONIC; 0 when idle
  // The committed sizes of the slot's arenas: what finished tasks wrote. A
  // worker that dies mid-task leaves bytes past them, which its replacement
  // overwrites.
  std::atomic<std::uint64_t> map_bytes;
  std::atomic<std::uint64_t> reduce_bytes;
  // The records of the map runs in the slot's map arena, stored with them:
  // what they cost in memory besides their bytes (MapOutput::kRecordCost).
  std::atomic<std::uint64_t> map_records;
  // Where the worker's part of the output merge is in its reduce arena
  // (committed with it): valid once it replied to the output command.
  std::atomic<std::uint64_t> output_offset;
  std::atomic<std::uint64_t> output_length;
  // Likewise, the committed size of the slot's spill file.
  std::atomic<std::uint64_t> spill_bytes;
  ErrorKind error_kind;
  std::uint32_t error_length;
  char error[kErrorCapacity];
};

// Where reduce task p left its output: `length` bytes of records from
// `offset` in the reduce arena of slot `worker`, or, when `spilled`, in its
// spill file; and `counters_length` bytes of what the task counted from
// `counters_offset` in the arena.
struct ReducedPartition {
  std::uint32_t worker;
  std::uint32_t spilled;
  std::uint64_t offset;
  std::uint64_t length;
  std::uint64_t counters_offset;
  std::uint64_t counters_length;
};

// The engine's shared state, in one block of anonymous shared memory mapped
// before the fork: per task of each phase its state (free, claimed by a
// worker slot, or done) and where its output is; one slot per worker; and a
// counter that spreads the first claims. Workers and parent touch it only
// through atomics and fields that one process writes before telling the other
// (through the socket pair), so no lock is ever held that a dead worker could
// leave taken.
//
// A task is claimed by one compare-and-swap of its state from free to the
// claiming slot, so a worker that dies at any instruction either holds the
// claim, which the parent finds by scanning for its slot (holding_task), or
// never made it, and the task is still free for any worker to take.
//
// Map tasks are committed in runs: a run is the output of one or more map
// tasks that one worker ran (one, unless the job combines across tasks),
// named by the first task of it (its head), which no other committed run
// holds. A task the worker has mapped into a run not yet committed is
// "mapped" (by that slot); the run's committed flag, set once its output and
// bounds are in place, is the one instant that commits all its tasks, which
// are then marked done. The parent settles a dead worker's mapped tasks by
// that flag (settle_mapped_tasks): done if their run was committed, free
// again otherwise.
class ControlBlock {
 public:
  ControlBlock(unsigned workers, std::size_t map_tasks, std::size_t partitions);

  // Parent, before a phase: every task of `phase` free, the counter at 0.
  void start_phase(Phase phase);

  // Worker in slot `worker`: claims a free task of the phase and returns it,
  // or nullopt when none is free. `on_taken(task)` runs between the counter
  // handing out a task number and the claim (the fault-injection point of
  // the tests).
  template <class OnTaken>
  std::optional<std::uint32_t> claim_task(Phase phase, std::size_t tasks, unsigned worker,
                                          OnTaken&& on_taken) {
    // In order first, so that workers rarely contend; then a scan, which
    // finds the tasks released after a death and any task number a worker
    // took from the counter but died before claiming.
    for (std::uint32_t task; (task = header().next_task.fetch_add(1)) < tasks;) {
      on_taken(task);
      if (try_claim(phase, task, worker)) return task;
    }
    for (std::uint32_t task = 0; task < tasks; ++task) {
      if (try_claim(phase, task, worker)) return task;
    }
    return std::nullopt;
  }

  // Worker: `task`, which it claimed, is done and its output committed.
  void finish_task(Phase phase, std::size_t task) { state(phase, task).store(kDone); }

  // Worker: map task `task`, which it claimed, is in the run headed by
  // `head` that it has yet to commit.
  void map_into_run(std::size_t task, std::size_t head, unsigned worker) {
    run_head(task) = static_cast<std::uint32_t>(head);
    state(Phase::map, task).store(kMapped | (worker + 1));
  }
  // Worker: the run headed by `head`, whose output and bounds are stored,
  // is committed.
  void commit_run(std::size_t head) { committed(head).store(1); }
  bool is_committed_run(std::size_t head) { return committed(head).load() == 1; }
  // Parent, after worker slot `worker` died: its mapped tasks done if their
  // run was committed, free otherwise.
  void settle_mapped_tasks(unsigned worker);
  bool is_done(Phase phase, std::size_t task) { return state(phase, task).load() == kDone; }
  // For the progress line: done, or mapped into a run not yet committed.
  bool is_mapped(Phase phase, std::size_t task) {
    const std::uint32_t s = state(phase, task).load();
    return s == kDone || (s & kMapped) != 0;
  }

  // Parent, after worker slot `worker` died (and was reaped): the task of the
  // phase it had claimed and not finished, if any.
  std::optional<std::uint32_t> holding_task(Phase phase, std::size_t tasks, unsigned worker);
  // Parent: a claimed task whose worker is gone is free again.
  void release_task(Phase phase, std::size_t task) { state(phase, task).store(kFree); }

  // Worker, for the fault-injection hook: true the first time only, in any
  // process.
  bool fire_fault() { return !header().fault_fired.exchange(true); }

  WorkerSlot& slot(unsigned worker) { return at<WorkerSlot>(slots_)[worker]; }

  // Where each finished task's output is: storage that IntermediateStore,
  // the one owner of the layout, reads and writes.
  // The slot whose arena holds the output of the run headed by map task
  // `head`.
  std::uint32_t& map_worker(std::size_t head) { return at<std::uint32_t>(map_workers_)[head]; }
  // partitions + 3 words for the run headed by `head`: offsets into that
  // arena, and how the run is stored.
  std::uint64_t* partition_bounds(std::size_t head) {
    return at<std::uint64_t>(bounds_) + head * (partitions_ + 3);
  }
  ReducedPartition& reduced(std::size_t partition) { return at<ReducedPartition>(reduced_)[partition]; }

 private:
  // A task's state: free, done, claimed by slot (state - 1), or, for a map
  // task, mapped by slot (state - kMapped - 1) into a run not yet committed.
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kDone = 0xffffffff;
  static constexpr std::uint32_t kMapped = 0x80000000;

  struct Header {
    std::atomic<std::uint32_t> next_task;
    std::atomic<bool> fault_fired;
  };

  template <class T>
  T* at(std::size_t offset) const {
    return reinterpret_cast<T*>(static_cast<char*>(block_->data()) + offset);
  }
  Header& header() const { return *at<Header>(0); }
  std::atomic<std::uint32_t>& state(Phase phase, std::size_t task) {
    return at<std::atomic<std::uint32_t>>(phase == Phase::map ? map_state_ : reduce_state_)[task];
  }
  std::atomic<std::uint32_t>& committed(std::size_t head) {
    return at<std::atomic<std::uint32_t>>(committed_)[head];
  }
  std::uint32_t& run_head(std::size_t task) { return at<std::uint32_t>(run_heads_)[task]; }
  bool try_claim(Phase phase, std::size_t task, unsigned worker) {
    std::atomic<std::uint32_t>& s = state(phase, task);
    std::uint32_t expected = kFree;
    return s.load(std::memory_order_relaxed) == kFree && s.compare_exchange_strong(expected, worker + 1);
  }

  std::size_t map_tasks_;
  std::size_t partitions_;
  std::size_t slots_ = 0;
  std::size_t map_state_ = 0;
  std::size_t reduce_state_ = 0;
  std::size_t map_workers_ = 0;
  std::size_t committed_ = 0;
  std::size_t run_heads_ = 0;
  std::size_t bounds_ = 0;
  std::size_t reduced_ = 0;
  std::optional<SharedBlock> block_;
};

}  // namespace mapreduce::detail
