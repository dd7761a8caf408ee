#pragma once

#include <iosfwd>
#include <string>

namespace mapreduce {

// How a job runs and where its output goes. A plain value: copy it freely.
struct Options {
  // Path of the output file. Empty: standard output. The file is written to a
  // temporary file beside it and renamed into place only when the job
  // succeeded, so a failed job leaves an existing file untouched.
  std::string output = {};

  // When set, output goes to this stream instead (and `output` is ignored).
  // The stream must outlive run(). Nothing is written to it if the job fails.
  std::ostream* output_stream = nullptr;

  // MapReduceConcurrent only: the number of worker processes; 0 means the
  // number of online CPUs. At most kMaxProcesses.
  unsigned processes = 0;

  // MapReduceConcurrent only: run in this process with the sequential engine
  // (the output is identical).
  bool sequential = false;

  static constexpr unsigned kMaxProcesses = 256;
};

}  // namespace mapreduce
