#include "user_code_failure.hpp"

#include "system_error.hpp"

namespace mapreduce::detail {

std::string describe(const MapFailure& failure, const InputFile& input) {
  return "mapper failed on line " + std::to_string(line_number_at(input.data(), failure.line_begin)) + " of " +
         input.path() + ": " + failure.what();
}

std::string describe(const ReduceFailure& failure) {
  return "reducer failed on key \"" + printable(failure.key_text) + "\": " + failure.what();
}

}  // namespace mapreduce::detail
