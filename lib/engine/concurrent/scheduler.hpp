#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/concurrent/concurrent_run.hpp"
#include "engine/job_clock.hpp"
#include "ipc/worker_pool.hpp"
#include "mapreduce/counters.hpp"

namespace mapreduce::detail {

// The parent's side of the concurrent engine: runs each phase on the pool,
// from handing out its tasks to every worker's reply, replacing workers that
// die or overrun the task timeout and freeing the task they held for another
// attempt, up to max_attempts. A phase ends only when every one of its tasks
// is done. Lives in the parent only.
class Scheduler {
 public:
  Scheduler(ConcurrentRun& run, WorkerPool& pool, Counters& counters, JobClock& clock)
      : run_(run),
        pool_(pool),
        counters_(counters),
        clock_(clock),
        map_attempts_(run.map_tasks, 0),
        reduce_attempts_(run.partitions, 0) {}

  // Throws WorkerError (attempts used up, a worker that cannot start),
  // UserCodeError, InputError or ResourceError (what a worker reported).
  void run_phase(Phase phase);

 private:
  void show_progress(Phase phase);
  void kill_overdue(const std::vector<unsigned>& pending, std::vector<std::optional<std::uint32_t>>& overdue);
  // `killed_for`: the task the worker was killed for overrunning, if it was.
  void recover(Phase phase, unsigned w, const std::string& what, pid_t pid, bool user_code = false,
               std::optional<std::uint32_t> killed_for = std::nullopt);
  std::string reported_error(unsigned w);
  [[noreturn]] void throw_reported_error(unsigned w);

  ConcurrentRun& run_;
  WorkerPool& pool_;
  Counters& counters_;
  JobClock& clock_;
  std::vector<unsigned> map_attempts_;
  std::vector<unsigned> reduce_attempts_;
  unsigned idle_deaths_ = 0;
};

}  // namespace mapreduce::detail
