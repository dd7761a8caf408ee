#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mapreduce/options.hpp"

namespace mapreduce::detail {

// The rules for Options, in one place and in one wording: the Runner checks
// with them what the command line gave, run_job the Options a program built.
// A message names the option as its reader spells it: "--max-attempts" on the
// command line, "max_attempts" in Options. Each throws UsageError.

enum class Spelling { command_line, options };

// 1 to Options::kMaxProcesses.
void check_processes(long processes, Spelling spelling);
// 1 to Options::kMaxAttempts.
void check_max_attempts(long max_attempts, Spelling spelling);
// 1 to Options::kMaxReducers.
void check_reducers(long reducers, Spelling spelling);
// 0 (no limit) or more seconds; not NaN.
void check_task_timeout(double seconds, Spelling spelling);

// The record format the command line names: lines, nul, paragraphs, file,
// fixed:N or sep:STRING (STRING with C-style escapes \n \t \r \0 \\ \xHH).
// Throws UsageError naming the value, or a bad escape; the separator's length
// and overlap are check_records' to check.
RecordFormat record_format_named(std::string_view name);
// Its name, as record_format_named takes it.
std::string record_format_name(const RecordFormat& format);
// A known kind; for fixed, a size from 1 to RecordFormat::kMaxFixedSize; for
// separated, 1 to RecordFormat::kMaxSeparatorSize bytes that cannot overlap
// themselves (no proper prefix is a suffix); and
// lines in the streaming modes, which are line-based.
void check_records(const RecordFormat& format, RunMode mode, Spelling spelling);

// The command line's rule for an option given with a mode that would ignore
// it: `option` is its long name ("reducers", "task-timeout"), `mode` the mode
// given, `sequential` and `mpi` whether --sequential and --mpi were. The
// streaming modes take no --output-dir, --processes, --reducers,
// --max-attempts, --task-timeout, --progress or --mpi (Hadoop does each
// itself; --sequential they honour: a task is one process); --sequential
// takes no --max-attempts or --task-timeout (it has no workers), nor does
// --mpi, nor --processes (a rank is one worker); a job takes no
// --no-streaming-counters. Throws UsageError
// naming both and why; any other option passes.
void check_mode_takes(std::string_view option, RunMode mode, bool sequential, bool mpi);

// The codec the command line names: none, gzip or zstd; nullopt for another
// name.
std::optional<Compression> compression_named(std::string_view name);
// The codec the output is written with: `compress` when set; otherwise, for
// an output file, the one its name says (".gz" gzip, ".zst" zstd), else none.
Compression output_compression(const Options& options);
// ".gz", ".zst" or "": the extension of a part file written with `codec`.
std::string_view compression_extension(Compression codec);
// The streaming modes write plain text: no compress other than none there,
// nor an output file whose name asks for compression.
void check_compression(const Options& options, Spelling spelling);

// Every rule for a whole Options: the ones above (processes and reducers 0
// meaning the default), at most one destination, no compression in the
// streaming modes, and the modes' rules of check_mode_takes for the members
// that differ from their defaults (not sequential's: in Options it only
// overrides the engine's settings).
void check_options(const Options& options);

}  // namespace mapreduce::detail
