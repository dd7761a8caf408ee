#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/export.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce {

// The command line every job program shares, so that a user's job gets it for
// free:
//   PROGRAM [OPTIONS] [job options] INPUT...
// with -o/--output, --output-dir, --format, -p/--processes, --sequential,
// --max-attempts, --task-timeout, --progress, --stats, --stream-map,
// --stream-reduce, --help and --version. An INPUT is a file, a directory, or
// "-" for standard input (the default in the streaming modes); compressed
// ones (gzip, zstd, bzip2, xz, lz4, recognised by content) are decompressed. --help and --version print and
// exit 0; a usage error prints one line and exits 2; a job error prints `PROGRAM: error: MESSAGE` on stderr
// and exits 1; SIGINT and SIGTERM stop the job cleanly (exit 130, 143). Job-specific options are added with
// add_option before run().
class MAPREDUCE_EXPORT Runner {
 public:
  // `program` names the program in messages; `summary` is the first line of
  // --help.
  Runner(std::string program, std::string summary);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Adds `--NAME VALUE`, stored into `target` (which keeps its value when the
  // option is absent, so set a default first). `target` must outlive run().
  void add_option(const std::string& name, const std::string& value_name, const std::string& help,
                  std::string& target);

  // Adds `--NAME`, a switch: `target` becomes true when it is given.
  void add_flag(const std::string& name, const std::string& help, bool& target);

  // The job: given the inputs and the options from the command line, it
  // constructs the job and calls run().
  using JobFunction = std::function<void(const std::vector<std::string>& inputs, const Options& options)>;

  // Parses argv, runs the job, reports errors. Returns the exit status.
  int run(int argc, const char* const* argv, const JobFunction& job);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// main() for a job class with the usual (inputs, options) constructor (the
// inherited one: `using MapReduceConcurrent::MapReduceConcurrent;`):
//   int main(int argc, char** argv) {
//     return mapreduce::run_main<WordCount>(argc, argv, "Counts words.");
//   }
template <class Job>
int run_main(int argc, const char* const* argv, const std::string& summary) {
  Runner runner(argc > 0 ? argv[0] : "mapreduce", summary);
  return runner.run(argc, argv, [](const std::vector<std::string>& inputs, const Options& options) {
    Job job(inputs, options);
    job.run();
  });
}

// The library's version, "MAJOR.MINOR.PATCH".
MAPREDUCE_EXPORT const char* version();

}  // namespace mapreduce
