#include "mapreduce/detail/erased_job.hpp"

#include <exception>

namespace mapreduce::detail {

// One home for each vtable and type information, as for the error types.
ErasedJob::~ErasedJob() = default;
ValueStream::~ValueStream() = default;
MapFailure::~MapFailure() = default;
ReduceFailure::~ReduceFailure() = default;

std::string current_exception_message() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

}  // namespace mapreduce::detail
