#include <deque>

#include "engine/engines.hpp"
#include "engine/task_runner.hpp"

namespace mapreduce::detail {

ReducedRuns run_sequential(ErasedJob& job, const InputSet& input, Counters& counters, JobClock& clock) {
  // The concurrent engine's map tasks, run one after the other into one
  // partition, so that a combiner combines exactly the same values. With a
  // combiner each task's output is combined as soon as it is made and its
  // buffer reused, so memory holds one value per distinct key rather than
  // every task's output.
  ReduceTask reduce(job);
  std::deque<MapOutput> kept;  // without a combiner: every task's pairs until reduce
  MapOutput scratch(1);
  clock.start_phase("map", input.stored_bytes());
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    MapOutput& mapped = reduce.combines() ? scratch : kept.emplace_back(1);
    mapped.clear();
    run_map_task(job, input, t, mapped, counters);
    reduce.add(mapped.partition(0));
    clock.advance(input.tasks()[t].bytes.size());
  }
  clock.start_phase("reduce", 1);
  ReducedRuns reduced;
  reduce.finish(reduced.local, counters);
  clock.advance(1);
  reduced.runs.push_back(reduced.local.bytes());
  return reduced;
}

}  // namespace mapreduce::detail
