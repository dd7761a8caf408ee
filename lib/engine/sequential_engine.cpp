#include "engine/engines.hpp"
#include "engine/reduce.hpp"
#include "engine/task_counters.hpp"
#include "engine/user_code_failure.hpp"

namespace mapreduce::detail {

void run_sequential(ErasedJob& job, const InputSet& input, Counters& counters, JobClock& clock, Output& out) {
  // The concurrent engine's map tasks, run one after the other into one
  // partition, so that a combiner folds exactly the same values. With a
  // combiner each task's output is folded as soon as it is made, so memory
  // holds one value per distinct key rather than every task's output.
  MapOutput mapped(1);
  ReduceOutput reduced;
  clock.start_phase("map", input.stored_bytes());
  try {
    std::uint64_t bytes = 0;
    for (std::size_t t = 0; t < input.tasks().size(); ++t) {
      bytes += input.map(job, t, mapped);
      clock.advance(input.tasks()[t].bytes.size());
      if (job.has_combiner()) {
        count_map_task(counters, mapped, bytes, true);
        bytes = 0;
        job.fold_records(mapped.partition(0));
        mapped.clear();
      }
    }
    if (!job.has_combiner()) count_map_task(counters, mapped, bytes, false);
    clock.start_phase("reduce", 1);
    if (job.has_combiner()) {
      job.reduce_folded(reduced);
    } else {
      const std::string_view section = mapped.partition(0);
      reduce_partition(job, std::span(&section, 1), reduced);
    }
    clock.advance(1);
  } catch (const ReduceFailure& failure) {
    throw UserCodeError(describe(failure));
  }
  count_reduce_task(counters, reduced);
  input.check_unchanged();
  clock.start_phase("output", 0);
  const std::string_view run = reduced.bytes();
  out.write_partitions(std::span(&run, 1));
}

}  // namespace mapreduce::detail
