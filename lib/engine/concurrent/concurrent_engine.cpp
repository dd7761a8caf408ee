// The concurrent engine: a pool of forked workers that map contiguous ranges
// of the mapped input, partition their pairs by a hash of the key into shared
// memory, then reduce whole partitions, reading every mapper's output in
// place. The parent (Scheduler) only hands out phases and replaces dead
// workers; the workers (TaskWorker) claim and run the tasks.
//
// Tasks are claimed from the control block in shared memory, several per
// worker, so that a slow range or a heavy partition does not leave the other
// workers idle. The map tasks are those of the sequential engine (InputSet).
// Map task t's output lives in the arena of the worker slot that ran it,
// partition by partition (IntermediateStore). Because reduce reads the map
// tasks in input order, every key's values arrive in input order, whatever
// the number of processes: the output is the sequential engine's, byte for
// byte.
//
// A worker that dies (or overruns the task timeout) is replaced by a fresh one
// in its slot, which continues the slot's arenas after the last committed
// task; the task it had claimed is free again, up to max_attempts runs. A
// phase ends only when every one of its tasks is done.
//
// What user code and the engine count during a task is stored with the
// task's output, and so reaches the parent with it: only from task attempts
// that succeeded.
#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "engine/concurrent/concurrent_run.hpp"
#include "engine/concurrent/scheduler.hpp"
#include "engine/concurrent/task_worker.hpp"
#include "engine/engines.hpp"
#include "ipc/worker_pool.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// Forking a multi-threaded process leaves the child with locks that threads
// which no longer exist may hold; refuse rather than deadlock at random.
void require_single_thread() {
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return;
  int threads = 0;
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] != '.') ++threads;
  }
  ::closedir(tasks);
  if (threads > 1) {
    throw ResourceError(
        "cannot fork worker processes while " + std::to_string(threads) +
        " threads run in this process; run the job before starting threads, or use the sequential "
        "engine");
  }
}

// In the parent, after the reduce phase: has every worker merge its range
// of the output's keys (TaskWorker::output_merge); true when all did. Not
// when a reduce task spilled: the output is then near the memory limit,
// and the parent's merge streams it. A worker that fails or dies here is
// counted as a failed attempt, but is no error, and charges no task: the
// parent merges the output itself, as it would have.
bool merge_output_in_workers(ConcurrentRun& run, WorkerPool& pool, Counters& counters) {
  for (std::size_t p = 0; p < run.partitions; ++p) {
    if (run.control.reduced(p).spilled) return false;
  }
  std::vector<unsigned> pending(run.workers);
  for (unsigned w = 0; w < run.workers; ++w) {
    pending[w] = w;
    pool.send(w, ConcurrentRun::kCommandOutput);
  }
  bool merged = true;
  while (!pending.empty()) {
    const WorkerPool::Event event = pool.wait(pending, -1);
    if (event.kind == WorkerPool::Event::Kind::timeout) continue;
    if (event.kind != WorkerPool::Event::Kind::reply || event.reply != WorkerPool::kReplyDone) {
      merged = false;
      ++counters(kEngineCounters, "failed task attempts");
    }
    pending.erase(std::find(pending.begin(), pending.end(), event.worker));
  }
  return merged;
}

// In the parent, after every worker replied to both phases: sums what the
// map runs counted, before the output merge frees them.
void add_map_counters(const ConcurrentRun& run, Counters& counters) {
  const IntermediateStore::MapOutputs map_outputs = run.store.map_outputs();
  for (std::uint32_t head : map_outputs.runs()) counters.add_serialized(map_outputs.counted(head));
}

// In the parent, at the end: sums what the reduce tasks counted and hands on
// the reduced partitions, or, when `merged`, the workers' parts of the
// output; for a map-only job, its map runs.
ReducedRuns collect(const ConcurrentRun& run, Counters& counters, bool merged) {
  if (run.map_only) {
    // One task per run: the map tasks in input order.
    IntermediateStore::MapOutputs map_outputs = run.store.map_outputs();
    ReducedRuns lines;
    lines.in_task_order = true;
    lines.runs_are_mapped = true;
    for (std::uint32_t head : map_outputs.runs()) lines.runs.push_back(map_outputs.section(head, 0));
    lines.shared = map_outputs.release();
    return lines;
  }
  IntermediateStore::ReduceOutputs reduce_outputs = run.store.reduce_outputs();
  ReducedRuns reduced;
  reduced.runs_are_mapped = true;
  for (std::size_t p = 0; p < run.partitions; ++p) {
    if (!merged) reduced.runs.push_back(reduce_outputs.records(p));
    counters.add_serialized(reduce_outputs.counted(p));
  }
  if (merged) {
    reduced.merged = true;
    for (unsigned w = 0; w < run.workers; ++w) reduced.runs.push_back(reduce_outputs.output_part(w));
  }
  reduced.shared = reduce_outputs.release();
  return reduced;
}

}  // namespace

ReducedRuns run_concurrent(ErasedJob& job, const InputSet& input, const EngineSettings& settings,
                           Counters& counters, JobClock& clock) {
  ConcurrentRun run(job, input, settings);
  require_single_thread();
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  WorkerPool pool(run.workers,
                  [&](unsigned index, int channel) { TaskWorker(run, counters, index).serve(channel); });
  Scheduler scheduler(run, pool, counters, clock);
  clock.start_phase("map", input.stored_bytes());
  scheduler.run_phase(Phase::map);
  if (!run.map_only) {
    clock.start_phase("reduce", run.partitions);
    scheduler.run_phase(Phase::reduce);
  }
  add_map_counters(run, counters);
  bool merged = false;
  if (run.merges_output) {
    clock.start_phase("output", 0);
    merged = merge_output_in_workers(run, pool, counters);
  }
  pool.shut_down();
  return collect(run, counters, merged);
}

}  // namespace mapreduce::detail
