#include "engine/concurrent/task_worker.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

#include "base/monotonic_clock.hpp"
#include "base/system_error.hpp"
#include "engine/task_runner.hpp"
#include "ipc/worker_pool.hpp"
#include "mapreduce/error.hpp"
#include "output/key_range_merge.hpp"
#include "spill/memory_budget.hpp"
#include "spill/output_spill.hpp"

namespace mapreduce::detail {

void TaskWorker::serve(int channel) {
  for (;;) {
    const char command = WorkerPool::receive_command(channel);
    if (command == WorkerPool::kCommandQuit) return;
    try {
      if (command == ConcurrentRun::kCommandMap) {
        map_phase();
      } else if (command == ConcurrentRun::kCommandOutput) {
        output_merge();
      } else {
        reduce_phase();
      }
      slot_.phase = Phase::idle;
      WorkerPool::send_reply(channel, WorkerPool::kReplyDone);
      continue;
    } catch (const UserCodeError& e) {
      report(ErrorKind::user_code, e.what());
    } catch (const InputError& e) {
      report(ErrorKind::input, e.what());
    } catch (const ResourceError& e) {
      report(ErrorKind::resource, std::string(e.what()) + " (in " + current_task() + ")");
    } catch (const std::bad_alloc&) {
      report(ErrorKind::resource, out_of_memory(current_task()).what());
    } catch (...) {
      report(ErrorKind::other, current_exception_message());
    }
    WorkerPool::send_reply(channel, WorkerPool::kReplyError);
  }
}

std::string TaskWorker::current_task() const {
  // The slot's task is the last one claimed; it is current only while timed.
  if (slot_.task_started_ns == 0) {
    return std::string(slot_.phase == Phase::reduce ? "the reduce" : "the map") + " phase, between tasks";
  }
  return run_.describe_task(slot_.phase, slot_.task);
}

void TaskWorker::report(ErrorKind kind, const std::string& message) {
  slot_.error_kind = kind;
  slot_.error_length = static_cast<std::uint32_t>(std::min(message.size(), kErrorCapacity));
  std::memcpy(slot_.error, message.data(), slot_.error_length);
}

std::optional<std::uint32_t> TaskWorker::next_task(Phase phase) {
  const std::optional<std::uint32_t> task =
      run_.control.claim_task(phase, run_.task_count(phase), index_, [&](std::uint32_t taken) {
        run_.fault.strike_if_due(run_.control, phase, taken, FaultPoint::Point::taken);
      });
  if (!task) return std::nullopt;
  run_.fault.strike_if_due(run_.control, phase, *task, FaultPoint::Point::claimed);
  slot_.task = *task;
  slot_.task_started_ns = monotonic_ns();
  return task;
}

void TaskWorker::finish_task(Phase phase, std::uint32_t task) {
  run_.control.finish_task(phase, task);
  slot_.task_started_ns = 0;
}

void TaskWorker::map_phase() {
  slot_.phase = Phase::map;
  MapOutput mapped(run_.partitions);
  run_.store.resume_map(index_);
  MapRunSpiller spiller(run_.store.spill_file(index_), run_.partitions);
  const FaultOnAppend armed(run_.fault, run_.control, run_.store.spill_file(index_), Phase::map,
                            FaultPoint::Point::spilling, slot_.task);
  // The tasks of the run being built, its head first, and the counters
  // before its first task. A job that combines across tasks keeps adding
  // tasks to its run until its table of combined values is large; any other
  // commits each task as a run of its own.
  std::vector<std::uint32_t> run;
  Counters before;
  while (const auto task = next_task(Phase::map)) {
    if (run.empty()) {
      mapped.clear();
      before = counters_;
      // The run spills once its records pass a quarter of the worker's
      // share (a map-only job's output lines never do).
      if (!run_.map_only) {
        mapped.spill_past(spill_threshold(run_.worker_budget), &spiller);
      }
    }
    run_map_task(run_.job, run_.input, *task, mapped, counters_);
    run_.control.map_into_run(*task, run.empty() ? *task : run.front(), index_);
    run.push_back(*task);
    slot_.task_started_ns = 0;
    run_.fault.strike_if_due(run_.control, Phase::map, *task, FaultPoint::Point::mapped);
    if (run_is_full(run_.job, run_.worker_budget)) commit_run(run, mapped, spiller, before);
  }
  if (!run.empty()) commit_run(run, mapped, spiller, before);
}

void TaskWorker::commit_run(std::vector<std::uint32_t>& run, MapOutput& mapped, MapRunSpiller& spiller,
                            const Counters& before) {
  if (run_.job.combines_across_tasks()) flush_combined(run_.job, mapped, counters_);
  if (!run_.map_only && spill_rest(spiller, mapped, run_.store.map_cost_held(index_), run_.worker_budget)) {
    count_map_output(mapped, counters_, &spiller);
    run_.store.store_spilled_map_run(index_, run.front(), spiller, counters_.since(before).serialize());
    spiller.reset();
  } else {
    count_map_output(mapped, counters_);
    run_.store.store_map_run(index_, run.front(), mapped, counters_.since(before).serialize());
  }
  run_.control.commit_run(run.front());
  for (std::uint32_t task : run) {
    run_.fault.strike_if_due(run_.control, Phase::map, task, FaultPoint::Point::committed);
    run_.control.finish_task(Phase::map, task);
  }
  run.clear();
}

void TaskWorker::reduce_phase() {
  slot_.phase = Phase::reduce;
  const IntermediateStore::MapOutputs map_outputs = run_.store.map_outputs();
  ReduceOutput reduced;
  run_.store.resume_reduce(index_);
  // When any map run spilled, every partition is a merge of sorted runs.
  const SpillMerge merge{&run_.store.scratch_file(index_), merge_shape(run_.worker_budget)};
  const FaultOnAppend armed(run_.fault, run_.control, run_.store.scratch_file(index_), Phase::reduce,
                            FaultPoint::Point::merging, slot_.task);
  const bool merging = map_outputs.any_spilled();
  // The reduce output this worker holds in memory stays under a quarter of
  // its share (the map runs kept in memory have half); past it, a
  // task's output goes to the spill file.
  const std::uint64_t output_budget = run_.worker_budget / 4;
  ReduceRunSpiller spiller(run_.store.spill_file(index_));
  GroupingScratch scratch;  // for every partition this worker reduces
  while (const auto partition = next_task(Phase::reduce)) {
    // Map runs in task order, so that (with one task per run) every key's
    // values reach reducer in input order, as in the sequential engine.
    const Counters before = counters_;
    ReduceTask task(run_.job, merging ? &merge : nullptr, &scratch);
    for (std::uint32_t head : map_outputs.runs()) {
      const std::string_view section = map_outputs.section(head, *partition);
      if (!map_outputs.spilled(head)) {
        task.add(section);
        continue;
      }
      for (const SpillExtent& extent : spill_extents(section))
        task.add_spilled(map_outputs.spill_file(head), extent);
    }
    reduced.clear();
    const std::uint64_t held = run_.store.reduce_bytes_held(index_);
    reduced.spill_past(output_spill_threshold(output_budget, held), &spiller);
    task.finish(reduced, counters_);
    if (spiller.spilled() || held + reduced.bytes().size() > output_budget) {
      const SpillExtent records = spiller.finish(reduced);
      counters_(kEngineCounters, "spilled output bytes") += static_cast<std::int64_t>(records.length);
      run_.store.commit_spilled_reduce_task(index_, *partition, records, counters_.since(before).serialize());
    } else {
      run_.store.commit_reduce_task(index_, *partition, reduced.bytes(), counters_.since(before).serialize());
    }
    finish_task(Phase::reduce, *partition);
    if (merging) give_back_free_heap();
  }
}

void TaskWorker::output_merge() {
  run_.store.discard_map_runs(index_);
  run_.store.begin_output_part(index_);
  {
    const IntermediateStore::ReduceOutputs reduced = run_.store.reduce_outputs();
    std::vector<std::string_view> partitions(run_.partitions);
    for (std::size_t p = 0; p < run_.partitions; ++p) partitions[p] = reduced.records(p);
    merge_key_range(partitions, index_, run_.workers,
                    [&](std::string_view lines) { run_.store.append_output(index_, lines); });
  }
  run_.fault.strike_if_due(run_.control, Phase::reduce, index_, FaultPoint::Point::output);
  run_.store.commit_output_part(index_);
}

}  // namespace mapreduce::detail
