#include "engines.hpp"
#include "mapreduce/error.hpp"
#include "reduce.hpp"
#include "user_code_failure.hpp"

namespace mapreduce::detail {

void run_sequential(ErasedJob& job, const InputFile& input, Output& out) {
  MapOutput mapped(1);
  try {
    job.map_lines(input.data(), mapped);
  } catch (const MapFailure& failure) {
    throw UserCodeError(describe(failure, input));
  }
  ReduceOutput reduced;
  const std::string_view section = mapped.partition(0);
  try {
    reduce_partition(job, std::span(&section, 1), reduced);
  } catch (const ReduceFailure& failure) {
    throw UserCodeError(describe(failure));
  }
  const std::string_view run = reduced.bytes();
  write_merged(std::span(&run, 1), out);
}

}  // namespace mapreduce::detail
