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

constexpr std::string_view kRecordsUsage =
    "--records must be lines, nul, paragraphs, file, fixed:N (N from 1 to 1073741824 bytes) or sep:STRING";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The bytes that `spelled` means with C-style escapes: \n \t \r \0 \\ \xHH.
std::string unescaped(std::string_view spelled, std::string_view name) {
  std::string bytes;
  for (std::size_t i = 0; i < spelled.size(); ++i) {
    if (spelled[i] != '\\') {
      bytes += spelled[i];
      continue;
    }
    // A lone '\' at the end is a bad escape too ('?' is none).
    const char escape = i + 1 < spelled.size() ? spelled[i + 1] : '?';
    i += 1;
    switch (escape) {
      case 'n':
        bytes += '\n';
        continue;
      case 't':
        bytes += '\t';
        continue;
      case 'r':
        bytes += '\r';
        continue;
      case '0':
        bytes += '\0';
        continue;
      case '\\':
        bytes += '\\';
        continue;
      case 'x':
        if (i + 2 < spelled.size() && hex_digit(spelled[i + 1]) >= 0 && hex_digit(spelled[i + 2]) >= 0) {
          bytes += static_cast<char>(hex_digit(spelled[i + 1]) * 16 + hex_digit(spelled[i + 2]));
          i += 2;
          continue;
        }
        break;
      default:
        break;
    }
    throw UsageError("--records: the separator in '" + std::string(name) +
                     "' has a bad escape (use \\n, \\t, \\r, \\0, \\\\ or \\xHH)");
  }
  return bytes;
}

// `bytes` as sep: takes it: printable ASCII as it is, the rest escaped.
std::string escaped(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c >= ' ' && c <= '~') {
          out += c;
        } else {
          out += "\\x";
          out += kHex[static_cast<unsigned char>(c) >> 4];
          out += kHex[static_cast<unsigned char>(c) & 15];
        }
    }
  }
  return out;
}

// The length of the longest proper prefix of `bytes` that is also its
// suffix (0: it cannot overlap itself).
std::size_t longest_border(std::string_view bytes) {
  for (std::size_t length = bytes.size() - 1; length > 0; --length) {
    if (bytes.substr(0, length) == bytes.substr(bytes.size() - length)) return length;
  }
  return 0;
}

// An option that some modes would ignore, and why each of them refuses it
// (nullptr: it takes the option). The command line checks whether it was
// given, check_options whether the Options member differs from its default.
struct ModeRule {
  std::string_view command_line;  // the long option, without "--"; empty: none
  const char* member;             // the Options member
  bool (*set)(const Options&);    // the member differs from its default
  const char* streaming;          // why --stream-map and --stream-reduce refuse it
  const char* sequential;         // why --sequential refuses it (command line only)
  const char* job;                // why a job refuses it
  const char* mpi = nullptr;      // why --mpi refuses it
};

const ModeRule kModeRules[] = {
    {"output-dir", "output_dir", [](const Options& o) { return !o.output_dir.empty(); },
     "Hadoop writes a job's part files; a streaming task writes to standard output or -o FILE", nullptr,
     nullptr},
    {"processes", "processes", [](const Options& o) { return o.processes != 0; },
     "a streaming task is one process; Hadoop runs as many tasks as it has slots", nullptr, nullptr,
     "each rank is one worker process: start one rank per core (mpirun -np N)"},
    {"reducers", "reducers", [](const Options& o) { return o.reducers != 0; },
     "Hadoop sets the number of reduce tasks (-numReduceTasks)", nullptr, nullptr},
    {"max-attempts", "max_attempts",
     [](const Options& o) { return o.max_attempts != Options{}.max_attempts; },
     "Hadoop retries a failed task itself (mapreduce.map.maxattempts, mapreduce.reduce.maxattempts)",
     "it runs no worker processes, whose deaths are what is retried", nullptr,
     "a rank that dies ends the whole job, which mpirun stops; nothing is retried"},
    {"task-timeout", "task_timeout", [](const Options& o) { return o.task_timeout != 0; },
     "Hadoop kills a task that stops making progress itself (mapreduce.task.timeout)",
     "it runs no worker processes to time out", nullptr,
     "it runs no worker processes to time out; a rank that dies ends the whole job"},
    {"", "retry_exceptions", [](const Options& o) { return o.retry_exceptions; },
     "Hadoop retries a failed task itself", nullptr, nullptr, "nothing is retried on MPI"},
    {"progress", "progress", [](const Options& o) { return o.progress; },
     "Hadoop shows a task's progress itself", nullptr, nullptr},
    {"no-streaming-counters", "streaming_counters", [](const Options& o) { return !o.streaming_counters; },
     nullptr, nullptr, "a job sends no counters to Hadoop (--stats prints them)"},
    {"mpi", "mpi", [](const Options& o) { return o.mpi; },
     "Hadoop starts a streaming task as one process of its own", nullptr, nullptr},
    {"mpi-round-size", "mpi_round_bytes", [](const Options& o) { return o.mpi_round_bytes != 0; },
     "a streaming task sends nothing to other processes", nullptr, nullptr},
    {"memory-limit", "memory_limit", [](const Options& o) { return o.memory_limit != 0; },
     "Hadoop sorts, spills and merges a streaming task's data itself (mapreduce.task.io.sort.mb)", nullptr,
     nullptr, "the cluster engine does not spill: each rank holds its map output in memory"},
    {"spill-dir", "spill_dir", [](const Options& o) { return !o.spill_dir.empty(); },
     "Hadoop sorts, spills and merges a streaming task's data itself (mapreduce.cluster.local.dir)", nullptr,
     nullptr, "the cluster engine does not spill: each rank holds its map output in memory"},
};

const char* mode_option(RunMode mode) {
  return mode == RunMode::stream_map ? "--stream-map" : "--stream-reduce";
}
const char* mode_member(RunMode mode) { return mode == RunMode::stream_map ? "stream_map" : "stream_reduce"; }

}  // namespace

void check_mode_takes(std::string_view option, RunMode mode, bool sequential, bool mpi) {
  for (const ModeRule& rule : kModeRules) {
    if (rule.command_line.empty() || rule.command_line != option) continue;
    const std::string name = "--" + std::string(option);
    if (mode != RunMode::job && rule.streaming != nullptr)
      throw UsageError(std::string(mode_option(mode)) + " does not take " + name + ": " + rule.streaming);
    if (mode == RunMode::job && sequential && rule.sequential != nullptr)
      throw UsageError("--sequential does not take " + name + ": " + rule.sequential);
    if (mode == RunMode::job && rule.job != nullptr)
      throw UsageError(name + " is for --stream-map and --stream-reduce only: " + rule.job);
    if (mode == RunMode::job && mpi && rule.mpi != nullptr)
      throw UsageError("--mpi does not take " + name + ": " + rule.mpi);
  }
}

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
  // The separator's rules (length, overlap) are check_records', for the API
  // too.
  if (name.starts_with("sep:")) return RecordFormat::separated_by(unescaped(name.substr(4), name));
  throw UsageError(std::string(kRecordsUsage) + ", not '" + std::string(name) + "'");
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
    case RecordKind::separated:
      return "sep:" + escaped(format.separator());
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
    case RecordKind::separated: {
      const std::size_t size = format.size;
      if (size < 1 || size > RecordFormat::kMaxSeparatorSize) {
        throw UsageError(std::string(name) + ": a separator must be 1 to " +
                         std::to_string(RecordFormat::kMaxSeparatorSize) + " bytes long, not " +
                         std::to_string(size));
      }
      // Where one occurrence may begin inside another, which of them ends a
      // record depends on where the scan started: a map task's or a
      // decompressed block's records would not be the whole file's.
      if (const std::size_t border = longest_border(format.separator()); border > 0) {
        throw UsageError(std::string(name) + ": the separator " + record_format_name(format) +
                         " can overlap itself (it begins and ends with '" +
                         escaped(format.separator().substr(0, border)) +
                         "'), so its records would depend on where the input is cut; use a separator "
                         "that cannot (for records between blank lines, paragraphs)");
      }
      break;
    }
    default:
      throw UsageError(std::string(name) + " is not a known record format");
  }
  if (mode != RunMode::job && format.kind != RecordKind::lines) {
    throw UsageError(
        std::string(spelled(spelling, "--stream-map and --stream-reduce", "the streaming modes")) +
        " read lines: " + name + " must be lines there, not " + record_format_name(format));
  }
}

std::optional<Compression> compression_named(std::string_view name) {
  if (name == "none") return Compression::none;
  if (name == "gzip") return Compression::gzip;
  if (name == "zstd") return Compression::zstd;
  return std::nullopt;
}

Compression output_compression(const Options& options) {
  if (options.compress) return *options.compress;
  const std::string_view output = options.output;
  if (output.ends_with(".gz")) return Compression::gzip;
  if (output.ends_with(".zst")) return Compression::zstd;
  return Compression::none;
}

std::string_view compression_extension(Compression codec) {
  switch (codec) {
    case Compression::gzip:
      return ".gz";
    case Compression::zstd:
      return ".zst";
    case Compression::none:
      break;
  }
  return "";
}

void check_compression(const Options& options, Spelling spelling) {
  if (options.compress && *options.compress != Compression::none && *options.compress != Compression::gzip &&
      *options.compress != Compression::zstd) {
    throw UsageError(std::string(spelled(spelling, "--compress", "compress")) + " is not a known codec");
  }
  if (options.mode == RunMode::job || output_compression(options) == Compression::none) return;
  // Hadoop compresses what a streaming task writes itself
  // (mapreduce.map.output.compress, mapreduce.output.fileoutputformat.compress).
  const std::string modes =
      std::string(spelled(spelling, "--stream-map and --stream-reduce", "the streaming modes")) +
      " write plain text (Hadoop compresses it itself)";
  if (options.compress) {
    throw UsageError(modes + ": " + spelled(spelling, "--compress", "compress") + " is not for them");
  }
  throw UsageError(modes + ", but the output file's name " + options.output + " asks for compression: give " +
                   spelled(spelling, "--compress none", "compress = Compression::none") +
                   " to write it plain, or another name");
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
  for (const ModeRule& rule : kModeRules) {
    if (!rule.set(options)) continue;
    if (options.mode != RunMode::job && rule.streaming != nullptr) {
      throw UsageError(std::string("mode ") + mode_member(options.mode) + " does not take " + rule.member +
                       ": " + rule.streaming);
    }
    if (options.mode == RunMode::job && rule.job != nullptr)
      throw UsageError(std::string(rule.member) + " is for the streaming modes only: " + rule.job);
    if (options.mode == RunMode::job && options.mpi && rule.mpi != nullptr)
      throw UsageError(std::string("mpi does not take ") + rule.member + ": " + rule.mpi);
  }
  if (options.mpi && options.sequential)
    throw UsageError("mpi and sequential exclude each other: each rank runs its share in one process");
  if (options.memory_limit != 0 && options.memory_limit < Options::kMinMemoryLimit) {
    throw UsageError("memory_limit must be 0 (the default) or at least " +
                     std::to_string(Options::kMinMemoryLimit) + " bytes, not " +
                     std::to_string(options.memory_limit));
  }
  if (options.mpi_round_bytes != 0 && !options.mpi)
    throw UsageError("mpi_round_bytes is for mpi only: it sizes the rounds of the exchange between ranks");
  check_compression(options, Spelling::options);
}

}  // namespace mapreduce::detail
