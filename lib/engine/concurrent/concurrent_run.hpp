#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/concurrent/fault_point.hpp"
#include "engine/engines.hpp"
#include "input/input_set.hpp"
#include "ipc/control_block.hpp"
#include "ipc/intermediate_store.hpp"
#include "mapreduce/detail/erased_job.hpp"

namespace mapreduce::detail {

// One run of the concurrent engine: what both sides of the fork share, set
// up in the parent before the pool forks and inherited by every worker. The
// parent's side (the scheduler) hands out phases and replaces dead workers;
// the workers' side (TaskWorker) claims and runs tasks. They talk through the
// control block and the intermediate store, which live in shared memory, and
// through the pool's one-byte commands and replies.
struct ConcurrentRun {
  // Partitions per process, unless the job fixes their number: enough for
  // one heavy partition not to leave the other workers idle, few enough that
  // the output merge stays cheap.
  static constexpr unsigned kPartitionsPerProcess = 4;
  static constexpr char kCommandMap = 'M';
  static constexpr char kCommandReduce = 'R';
  // After the reduce phase: merge your part of the output (merge_key_range).
  static constexpr char kCommandOutput = 'O';

  // Throws ResourceError (shared memory), UsageError (a malformed
  // MAPREDUCE_TEST_FAULT).
  ConcurrentRun(ErasedJob& job, const InputSet& input, const EngineSettings& settings)
      : job(job),
        input(input),
        settings(settings),
        workers(settings.processes),
        map_tasks(input.tasks().size()),
        map_only(job.map_only()),
        partitions(map_only                 ? 1
                   : settings.reducers != 0 ? settings.reducers
                                            : std::size_t(workers) * kPartitionsPerProcess),
        merges_output(settings.one_sorted_output && !map_only && workers > 1 && partitions > 1),
        worker_budget(settings.memory_limit / workers),
        control(workers, map_tasks, partitions),
        store(control, workers, map_tasks, partitions, settings.spill_dir),
        fault(FaultPoint::from_environment()) {}

  std::size_t task_count(Phase phase) const { return phase == Phase::map ? map_tasks : partitions; }

  // "map task 3 of 16 (bytes 0-1048576 of PATH)", "reduce task 2 of 8
  // (partition 1)".
  std::string describe_task(Phase phase, std::uint32_t task) const {
    if (phase == Phase::map) {
      return "map task " + std::to_string(task + 1) + " of " + std::to_string(map_tasks) + " (" +
             input.describe(task) + ")";
    }
    return "reduce task " + std::to_string(task + 1) + " of " + std::to_string(partitions) + " (partition " +
           std::to_string(task) + ")";
  }

  ErasedJob& job;
  const InputSet& input;
  const EngineSettings settings;
  const unsigned workers;
  const std::size_t map_tasks;
  // A map-only job has no reduce phase; its map tasks' one partition holds
  // their output lines.
  const bool map_only;
  const std::size_t partitions;
  // Whether the workers merge the output, each a range of keys, rather
  // than the parent alone: for one sorted output, with more than one worker
  // and partition.
  const bool merges_output;
  // Each worker's share of the memory limit: what its committed map output
  // may hold in memory before it spills.
  const std::uint64_t worker_budget;
  ControlBlock control;
  IntermediateStore store;
  const FaultPoint fault;
};

}  // namespace mapreduce::detail
