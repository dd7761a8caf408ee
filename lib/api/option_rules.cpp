#include "api/option_rules.hpp"

#include <string>

#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

const char* spelled(Spelling spelling, const char* command_line, const char* options) {
  return spelling == Spelling::command_line ? command_line : options;
}

void check_range(long value, long low, long high, const char* name) {
  if (value < low || value > high) {
    throw UsageError(std::string(name) + " must be between " + std::to_string(low) + " and " +
                     std::to_string(high) + ", not " + std::to_string(value));
  }
}

}  // namespace

void check_processes(long processes, Spelling spelling) {
  check_range(processes, 1, Options::kMaxProcesses, spelled(spelling, "--processes", "processes"));
}

void check_max_attempts(long max_attempts, Spelling spelling) {
  check_range(max_attempts, 1, Options::kMaxAttempts, spelled(spelling, "--max-attempts", "max_attempts"));
}

void check_reducers(long reducers, Spelling spelling) {
  check_range(reducers, 1, Options::kMaxReducers, spelled(spelling, "--reducers", "reducers"));
}

void check_task_timeout(double seconds, Spelling spelling) {
  if (!(seconds >= 0)) {
    throw UsageError(std::string(spelled(spelling, "--task-timeout", "task_timeout")) +
                     " must be 0 (no limit) or a positive number of seconds");
  }
}

void check_options(const Options& options) {
  if (options.processes != 0) check_processes(options.processes, Spelling::options);
  check_max_attempts(options.max_attempts, Spelling::options);
  if (options.reducers != 0) check_reducers(options.reducers, Spelling::options);
  check_task_timeout(options.task_timeout, Spelling::options);
  const int destinations =
      (options.output_stream != nullptr) + !options.output.empty() + !options.output_dir.empty();
  if (destinations > 1)
    throw UsageError("give at most one of an output file, an output stream and an output directory");
  if (options.mode != RunMode::job && !options.output_dir.empty()) {
    throw UsageError("the streaming modes write to standard output or a file, not an output directory");
  }
}

}  // namespace mapreduce::detail
