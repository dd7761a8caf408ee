#pragma once

#include <stdexcept>
#include <string>

#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/export.hpp"

namespace mapreduce {

// The root of every exception mapreduce throws. what() is a complete sentence
// naming the cause: the file and line, the key, the worker and signal, or the
// errno text.
class MAPREDUCE_EXPORT Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  ~Error() override;
};

// The input cannot be used: missing, unreadable, not a regular file.
class MAPREDUCE_EXPORT InputError : public Error {
 public:
  using Error::Error;
  ~InputError() override;
};

// User code (mapper, reducer, setup, cleanup) threw. The message names where
// (file and 1-based line for mapper, the key for reducer) and carries the
// original message.
class MAPREDUCE_EXPORT UserCodeError : public Error {
 public:
  using Error::Error;
  ~UserCodeError() override;
};

// A worker process died (signal or unexpected exit) or could not be run.
class MAPREDUCE_EXPORT WorkerError : public Error {
 public:
  using Error::Error;
  ~WorkerError() override;
};

// The operating system refused a resource: memory, shared memory, processes,
// file descriptors, or writing the output.
class MAPREDUCE_EXPORT ResourceError : public Error {
 public:
  using Error::Error;
  ~ResourceError() override;
};

// The command line or the options are invalid.
class MAPREDUCE_EXPORT UsageError : public Error {
 public:
  using Error::Error;
  ~UsageError() override;
};

}  // namespace mapreduce
