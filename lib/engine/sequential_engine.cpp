#include <deque>

#include "engine/engines.hpp"
#include "engine/task_runner.hpp"

namespace mapreduce::detail {
namespace {

// A map-only job: each map task's output lines are a run, in input order.
ReducedRuns map_only(ErasedJob& job, const InputSet& input, Counters& counters, JobClock& clock) {
  ReducedRuns reduced;
  reduced.in_task_order = true;
  clock.start_phase("map", input.stored_bytes());
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    MapOutput& mapped = reduced.local_map.emplace_back(1);
    run_map_task(job, input, t, mapped, counters);
    reduced.runs.push_back(mapped.partition(0));
    clock.advance(input.tasks()[t].bytes.size());
  }
  return reduced;
}

// A job that combines in any order: one table of combined values for all
// the map tasks (the engine's one process is its one worker), reduced
// straight from that table when there is one partition, or written into the
// partitions once, at the end, when there are more.
ReducedRuns combined_across_tasks(ErasedJob& job, const InputSet& input, std::size_t partitions,
                                  Counters& counters, JobClock& clock) {
  MapOutput mapped(partitions);
  clock.start_phase("map", input.stored_bytes());
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    run_map_task(job, input, t, mapped, counters);
    clock.advance(input.tasks()[t].bytes.size());
  }
  clock.start_phase("reduce", partitions);
  ReducedRuns reduced;
  if (partitions > 1) {
    flush_combined(job, mapped, counters);
    count_map_output(mapped, counters);
  }
  for (std::size_t p = 0; p < partitions; ++p) {
    ReduceTask task(job);
    if (partitions == 1) {
      task.add_map_table();
    } else {
      task.add(mapped.partition(p));
    }
    ReduceOutput& out = reduced.local.emplace_back();
    task.finish(out, counters);
    reduced.runs.push_back(out.bytes());
    clock.advance(1);
  }
  return reduced;
}

}  // namespace

ReducedRuns run_sequential(ErasedJob& job, const InputSet& input, const EngineSettings& settings,
                           Counters& counters, JobClock& clock) {
  if (job.map_only()) return map_only(job, input, counters, clock);
  // The concurrent engine's map tasks, run one after the other, so that a
  // combiner combines exactly the same values. With a combiner and one
  // partition each task's output is combined as soon as it is made and its
  // buffer reused, so memory holds one value per distinct key rather than
  // every task's output; otherwise every task's pairs are kept until reduce.
  const std::size_t partitions = settings.reducers == 0 ? 1 : settings.reducers;
  if (job.combines_across_tasks()) return combined_across_tasks(job, input, partitions, counters, clock);
  ReduceTask first(job);
  const bool combine_as_mapped = first.combines() && partitions == 1;
  std::deque<MapOutput> kept;
  MapOutput scratch(1);
  clock.start_phase("map", input.stored_bytes());
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    MapOutput& mapped = combine_as_mapped ? scratch : kept.emplace_back(partitions);
    mapped.clear();
    run_map_task(job, input, t, mapped, counters);
    count_map_output(mapped, counters);
    if (combine_as_mapped) first.add(mapped.partition(0));
    clock.advance(input.tasks()[t].bytes.size());
  }
  clock.start_phase("reduce", partitions);
  ReducedRuns reduced;
  for (std::size_t p = 0; p < partitions; ++p) {
    ReduceTask later(job);
    ReduceTask& task = p == 0 ? first : later;
    for (const MapOutput& mapped : kept) task.add(mapped.partition(p));
    ReduceOutput& out = reduced.local.emplace_back();
    task.finish(out, counters);
    reduced.runs.push_back(out.bytes());
    clock.advance(1);
  }
  return reduced;
}

}  // namespace mapreduce::detail
