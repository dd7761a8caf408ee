#include "chunking.hpp"
#include "engines.hpp"
#include "mapreduce/error.hpp"
#include "reduce.hpp"
#include "user_code_failure.hpp"

namespace mapreduce::detail {

void run_sequential(ErasedJob& job, const InputFile& input, Output& out) {
  // The concurrent engine's map tasks, run one after the other into one
  // partition, so that a combiner folds exactly the same values. With a
  // combiner each task's output is folded as soon as it is made, so memory
  // holds one value per distinct key rather than every task's output.
  MapOutput mapped(1);
  ReduceOutput reduced;
  try {
    for (std::string_view task : split_into_chunks(input.data(), map_task_count(input.data().size()))) {
      try {
        job.map_lines(task, mapped);
        input.release(task);
      } catch (const MapFailure& failure) {
        throw UserCodeError(describe(failure, input));
      }
      if (job.has_combiner()) {
        job.fold_records(mapped.partition(0));
        mapped.clear();
      }
    }
    if (job.has_combiner()) {
      job.reduce_folded(reduced);
    } else {
      const std::string_view section = mapped.partition(0);
      reduce_partition(job, std::span(&section, 1), reduced);
    }
  } catch (const ReduceFailure& failure) {
    throw UserCodeError(describe(failure));
  }
  input.check_unchanged();
  const std::string_view run = reduced.bytes();
  write_merged(std::span(&run, 1), out);
}

}  // namespace mapreduce::detail
