#include "base/system_error.hpp"

#include <cstring>

namespace mapreduce::detail {

std::string errno_text(int error) {
  char buffer[256];
  // GNU strerror_r returns the text, which may or may not be in buffer.
  return strerror_r(error, buffer, sizeof buffer);
}

ResourceError out_of_memory(const std::string& during) {
  return ResourceError("out of memory during " + during);
}

}  // namespace mapreduce::detail
