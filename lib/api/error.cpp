#include "mapreduce/error.hpp"

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

}  // namespace mapreduce
