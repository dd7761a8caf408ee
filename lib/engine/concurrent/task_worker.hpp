#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/concurrent/concurrent_run.hpp"
#include "mapreduce/counters.hpp"

namespace mapreduce::detail {

// The workers' side of the concurrent engine, in a forked worker: for each
// phase command from the parent, claims tasks of the phase until none is
// left, runs each with the task runner, commits its output to the
// intermediate store and marks it done, then replies. A failure is reported
// in the worker's slot of the control block and by an error reply; nothing
// crosses the fork as an exception.
class TaskWorker {
 public:
  // `counters` is this process's own copy of the job's counters (the worker
  // sends each task's counts to the parent with the task's output).
  TaskWorker(ConcurrentRun& run, Counters& counters, unsigned index)
      : run_(run), counters_(counters), index_(index), slot_(run.control.slot(index)) {}

  // Serves phase commands on `channel` until told to quit.
  void serve(int channel);

 private:
  void map_phase();
  void reduce_phase();
  // After the reduce phase: frees the slot's map runs (no longer read), then
  // merges this worker's range of the output's keys (part `index` of as many
  // as there are workers) and commits it.
  void output_merge();
  // The next task of the phase, claimed and recorded in the slot; nullopt
  // when none is left.
  std::optional<std::uint32_t> next_task(Phase phase);
  void finish_task(Phase phase, std::uint32_t task);
  // Stores the run's output, commits it and marks its tasks done.
  // With the run's spills, if it spilled.
  void commit_run(std::vector<std::uint32_t>& run, MapOutput& mapped, MapRunSpiller& spiller,
                  const Counters& before);
  void report(ErrorKind kind, const std::string& message);
  // "map task 3 of 16 (...)", or the phase when between tasks.
  std::string current_task() const;

  ConcurrentRun& run_;
  Counters& counters_;
  const unsigned index_;
  WorkerSlot& slot_;
};

}  // namespace mapreduce::detail
