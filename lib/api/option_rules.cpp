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
  if (options.mode != RunMode::job && !options.output_dir.empty()) {
    throw UsageError("the streaming modes write to standard output or a file, not an output directory");
  }
  check_compression(options, Spelling::options);
}

}  // namespace mapreduce::detail
