#include "engine/user_code_failure.hpp"

#include "base/printable.hpp"
#include "base/system_error.hpp"

namespace mapreduce::detail {

std::string describe(const ReduceFailure& failure) {
  return "reducer failed on key \"" + printable(failure.key_text) + "\": " + failure.what();
}

}  // namespace mapreduce::detail
