#include "api/option_rules.hpp"

#include <charconv>
#include <string>
#include <system_error>

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

RecordFormat record_format_named(std::string_view name) {
  if (name == "lines") return RecordFormat::lines();
  if (name == "nul") return RecordFormat::nul();
  if (name == "paragraphs") return RecordFormat::paragraphs();
  if (name == "file") return RecordFormat::file();
  if (name.starts_with("fixed:")) {
    const std::string_view digits = name.substr(6);
    std::size_t size = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
    if (!digits.empty() && error == std::errc() && end == digits.data() + digits.size() && size >= 1 &&
        size <= RecordFormat::kMaxFixedSize) {
      return RecordFormat::fixed(size);
    }
  }
  throw UsageError("--records must be lines, nul, paragraphs, file or fixed:N (N from 1 to " +
                   std::to_string(RecordFormat::kMaxFixedSize) + " bytes), not '" + std::string(name) + "'");
}

std::string record_format_name(const RecordFormat& format) {
  switch (format.kind) {
    case RecordKind::lines:
      return "lines";
    case RecordKind::nul:
      return "nul";
    case RecordKind::paragraphs:
      return "paragraphs";
    case RecordKind::file:
      return "file";
    case RecordKind::fixed:
      return "fixed:" + std::to_string(format.size);
  }
  return "an unknown format";
}

void check_records(const RecordFormat& format, RunMode mode, Spelling spelling) {
  const char* const name = spelled(spelling, "--records", "records");
  switch (format.kind) {
    case RecordKind::lines:
    case RecordKind::nul:
    case RecordKind::paragraphs:
    case RecordKind::file:
      break;
    case RecordKind::fixed:
      if (format.size < 1 || format.size > RecordFormat::kMaxFixedSize) {
        throw UsageError(std::string(name) + ": fixed records must be 1 to " +
                         std::to_string(RecordFormat::kMaxFixedSize) + " bytes long, not " +
                         std::to_string(format.size));
      }
      break;
    default:
      throw UsageError(std::string(name) + " is not a known record format");
  }
  if (mode != RunMode::job && format.kind != RecordKind::lines) {
    throw UsageError(
        std::string(spelled(spelling, "--stream-map and --stream-reduce", "the streaming modes")) +
        " read lines: " + name + " must be lines there, not " + record_format_name(format));
  }
}

void check_options(const Options& options) {
  if (options.processes != 0) check_processes(options.processes, Spelling::options);
  check_records(options.records, options.mode, Spelling::options);
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
