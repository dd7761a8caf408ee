#include "mapreduce/error.hpp"

#include <cstring>
#include <exception>

#include "mapreduce/detail/erased_job.hpp"
#include "system_error.hpp"

namespace mapreduce {

// The destructors are defined here so that each class has one home for its
// vtable and type information, shared by the library and user programs.
Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;
InputError::~InputError() = default;
UserCodeError::~UserCodeError() = default;
WorkerError::~WorkerError() = default;
ResourceError::~ResourceError() = default;
UsageError::~UsageError() = default;

namespace detail {

ErasedJob::~ErasedJob() = default;
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

std::string errno_text(int error) {
  char buffer[256];
  // GNU strerror_r returns the text, which may or may not be in buffer.
  return strerror_r(error, buffer, sizeof buffer);
}

std::string printable(std::string_view bytes, std::size_t limit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  const std::size_t shown = bytes.size() > limit ? limit : bytes.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n') {
      text += "\\n";
    } else if (c == '\t') {
      text += "\\t";
    } else if (c == '\r') {
      text += "\\r";
    } else if (c == '\\') {
      text += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      text += static_cast<char>(c);
    } else {
      text += "\\x";
      text += kHex[c >> 4];
      text += kHex[c & 15];
    }
  }
  if (shown < bytes.size()) text += "...";
  return text;
}

}  // namespace detail
}  // namespace mapreduce
