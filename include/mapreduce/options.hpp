#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce {

// How output records are written.
enum class OutputFormat {
  tsv,    // key<TAB>value lines (TextFormat)
  jsonl,  // {"key": KEY, "value": VALUE} lines (JsonFormat)
};

// How output bytes are compressed.
enum class Compression {
  none,  // plain text
  gzip,  // a gzip stream (zlib's deflate, level 6, as gzip writes it); a file named .gz
  zstd,  // a Zstandard frame with a checksum (level 3, as zstd writes it); a file named .zst
};

// What run() does.
enum class RunMode {
  job,            // the whole job: map, reduce, write the sorted output
  stream_map,     // Hadoop Streaming mapper: input lines to key<TAB>value lines, combined
  stream_reduce,  // Hadoop Streaming reducer: key-grouped key<TAB>value lines to output lines
};

// How the input is cut into the records mapper receives (README, "Record
// formats"). A record never spans two files or two map tasks.
enum class RecordKind {
  lines,       // '\n' ends a record, a '\r' right before it is dropped (the default)
  nul,         // '\0' ends a record (find -print0); no byte is dropped
  paragraphs,  // lines separated by one or more blank lines, joined by '\n'
  file,        // each input file whole is one record, an empty file too
  fixed,       // `size` bytes each; a file of another length is an InputError
  separated,   // a byte string ends a record, like '\0' for nul; no byte is dropped
};

// A small value (it travels with every block of input): a separator is held
// inline, not on the heap.
struct RecordFormat {
  static constexpr std::size_t kMaxFixedSize = std::size_t(1) << 30;
  static constexpr std::size_t kMaxSeparatorSize = 64;

  RecordKind kind = RecordKind::lines;
  // fixed: bytes per record, 1 to kMaxFixedSize; separated: bytes of the
  // separator, 1 to kMaxSeparatorSize (checked with the other options).
  std::size_t size = 0;
  // separated only: the separator's first `size` bytes, the rest zero.
  char bytes[kMaxSeparatorSize] = {};

  static RecordFormat lines() { return {RecordKind::lines, 0}; }
  static RecordFormat nul() { return {RecordKind::nul, 0}; }
  static RecordFormat paragraphs() { return {RecordKind::paragraphs, 0}; }
  static RecordFormat file() { return {RecordKind::file, 0}; }
  static RecordFormat fixed(std::size_t bytes) { return {RecordKind::fixed, bytes}; }
  // Records ended by `separator`, 1 to kMaxSeparatorSize bytes that cannot
  // overlap themselves (no proper prefix is also a suffix: not "aa", "abab"
  // or "\n\n"), so that a record is the same wherever the input is cut. A
  // separator that breaks these rules makes the job a UsageError.
  static RecordFormat separated_by(std::string_view separator) {
    RecordFormat format{RecordKind::separated, separator.size()};
    std::copy_n(separator.data(), std::min(separator.size(), kMaxSeparatorSize), format.bytes);
    return format;
  }
  // separated only: the separator (its first kMaxSeparatorSize bytes, were
  // it longer).
  std::string_view separator() const { return {bytes, std::min(size, kMaxSeparatorSize)}; }
  bool operator==(const RecordFormat&) const = default;
};

// How a job runs and where its output goes. A plain value: copy it freely.
struct Options {
  // Path of the output file. Empty: standard output. The file is written to a
  // temporary file beside it and renamed into place only when the job
  // succeeded, so a failed job leaves an existing file untouched.
  std::string output = {};

  // When set, output goes to this stream instead. At most one of output,
  // output_stream and output_dir may be set (UsageError otherwise).
  // The stream must outlive run(). Nothing is written to it if the job fails.
  std::ostream* output_stream = nullptr;

  // When set (and output, output_stream are not): a directory that receives
  // Hadoop-style part-00000, part-00001, ... files, one per reduce partition,
  // each sorted by key, and an empty _SUCCESS file once the job completed. It
  // must not exist or be empty; it is written beside its final path and
  // renamed into place only when the job succeeded.
  std::string output_dir = {};

  // The text form of output records.
  OutputFormat format = OutputFormat::tsv;

  // How the output is compressed, streamed as it is written. Unset: an
  // output file by its name (".gz" gzip, ".zst" zstd, otherwise none), the
  // other destinations none. Set, it applies to any destination (none keeps a
  // file named .gz plain); with output_dir, part files get the codec's
  // extension (part-00000.gz). Compressed bytes are not written to a terminal,
  // and the streaming modes write plain text: both UsageError.
  std::optional<Compression> compress = {};

  // The job (default), or one side of Hadoop Streaming (see README). The
  // streaming modes refuse what Hadoop does itself (UsageError): output_dir,
  // processes, reducers, max_attempts, task_timeout, retry_exceptions and
  // progress set; and stream_map a format other than tsv, unless the job is
  // map-only.
  RunMode mode = RunMode::job;

  // What a record of the input is: a line (default), a NUL-terminated
  // record, a paragraph, a whole file, a fixed number of bytes or the bytes
  // before a chosen separator. The
  // streaming modes read lines only (UsageError otherwise).
  RecordFormat records = {};

  // Read the subdirectories of input directories too, recursively, each in
  // its place in name order (hidden ones, '.' and '_', still left out).
  // Off: they are left out, and counted as "skipped subdirectories".
  bool recursive = false;

  // Show the progress on standard error: phase, percent of the input mapped,
  // MB/s (10^6 bytes a second), time left, and a summary at the end. On a
  // terminal one self-updating line; otherwise plain lines, at most one a
  // second besides the start and end of each phase. Not in the streaming
  // modes (UsageError: Hadoop shows a task's progress).
  bool progress = false;

  // Print the counters on standard error after the job.
  bool stats = false;

  // The streaming modes only: send the counters to Hadoop as
  // reporter:counter:GROUP,NAME,AMOUNT lines on standard error, except the
  // engine's per-process figures (peak rss KiB, the phase times), which
  // Hadoop's sums would make meaningless. False in a job is a UsageError.
  bool streaming_counters = true;

  // MapReduceConcurrent only: the number of worker processes; 0 means the
  // number of online CPUs. At most kMaxProcesses.
  unsigned processes = 0;

  // MapReduceConcurrent only: run in this process with the sequential engine
  // (the output is identical).
  bool sequential = false;

  // The number of reduce partitions, and so of part files with output_dir,
  // whatever the number of processes (Hadoop's -numReduceTasks). 0: one for
  // the sequential engine, 4 per process for the concurrent one. At most
  // kMaxReducers. A job's output file does not depend on it; which keys a
  // part file holds is the job's partition() or the hash of the key. Not for
  // a map-only job, whose part files are its map tasks.
  unsigned reducers = 0;

  // MapReduceConcurrent only: how many times a map or reduce task may be run
  // when its worker dies (a signal, an early exit, the OOM killer, a task
  // timeout). Each retry runs on a fresh worker and never reuses what the
  // dead one was writing. From 1 to kMaxAttempts.
  unsigned max_attempts = 4;

  // MapReduceConcurrent only: a task still running after this many seconds
  // is killed and counts as a crash; 0 means no limit.
  double task_timeout = 0;

  // MapReduceConcurrent only: also retry a task whose mapper or reducer
  // threw. Off by default: an exception is deterministic and fails the job at
  // once.
  bool retry_exceptions = false;

  // The memory the job may hold for intermediate data (map output waiting
  // for reduce), all processes together; 0 means the default, half of the
  // machine's physical memory (or of its control group's limit); at least
  // kMinMemoryLimit. Each of the concurrent engine's workers gets
  // an equal share. When a worker's share is full, it writes its further map
  // output to disk as runs sorted by key (spills), and reduce merges them
  // back with bounded memory: the output is the same, byte for byte. A
  // job with a combiner keeps one map task's table of combined values in
  // memory whatever the limit; each reduced partition's output lines stay
  // in memory too. Not with mpi (UsageError: the cluster engine does not
  // spill).
  std::uint64_t memory_limit = 0;

  // Where spilled runs go: a directory on a local disk with room for the
  // map output past memory_limit. Empty means $TMPDIR, or /tmp. The files
  // are unlinked as soon as they are made, so nothing is left there on any
  // exit. Not with mpi (UsageError).
  std::string spill_dir = {};

  // Run as one rank of an MPI job, started by Open MPI's mpirun (README,
  // "Running on a cluster"): the ranks share the map tasks, exchange the map
  // output so that each reduces its partitions (4 per rank unless reducers
  // says), and rank 0 writes the output, the same as the sequential
  // engine's. Each rank is one worker process: start one per core. Takes
  // neither processes, sequential, max_attempts nor task_timeout (a dead
  // rank ends the job), nor standard input, nor the streaming modes, nor a
  // pipeline (UsageError). A build without MPI refuses it (UsageError).
  bool mpi = false;

  // With mpi: the bytes a rank sends per round of the shuffle, which bounds
  // the buffers the exchange needs besides the map output and what the rank
  // receives; 0 means 64 MiB; at most 1 GiB (more is taken as 1 GiB).
  std::size_t mpi_round_bytes = 0;

  static constexpr std::uint64_t kMinMemoryLimit = 1024;
  static constexpr unsigned kMaxProcesses = 256;
  static constexpr unsigned kMaxAttempts = 100;
  static constexpr unsigned kMaxReducers = 4096;
};

}  // namespace mapreduce
