#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mapreduce/counters.hpp"
#include "mapreduce/detail/records.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/detail/step_records.hpp"
#include "mapreduce/export.hpp"
#include "mapreduce/input_context.hpp"
#include "mapreduce/options.hpp"
#include "mapreduce/values.hpp"

namespace mapreduce::detail {

// The engine's view of a job: bytes in, bytes out. The typed job classes
// implement it (job.hpp); the compiled engine in libmapreduce drives it. One
// virtual call per map task and per distinct key, never per record.
class MAPREDUCE_EXPORT ErasedJob {
 public:
  virtual ~ErasedJob();

  virtual void setup() = 0;
  virtual void cleanup() = 0;

  // The per-task hooks, once per task attempt, in the process running it:
  // mapper_setup() before a map task's first line; mapper_cleanup(), which
  // may emit into `out`, after its last; reducer_setup() before a reduce
  // task's first reducer call and reducer_cleanup() after its last. Throw UserCodeError naming the
  // hook if it throws.
  virtual void begin_map_task() = 0;
  virtual void end_map_task(MapOutput& out) = 0;
  virtual void begin_reduce_task() = 0;
  virtual void end_reduce_task() = 0;

  // Calls mapper on every record of `text` (whole records of
  // origin.records' format, from `origin`) and stores the pairs in `out`.
  // Throws MapFailure if mapper throws.
  virtual void map_lines(std::string_view text, const BlockOrigin& origin, MapOutput& out) = 0;

  // Calls reducer on one key and all of its encoded values and stores the
  // formatted output lines (one, or any number for an emitting reducer) in
  // `out`. Throws ReduceFailure if reducer throws.
  virtual void reduce_key(std::string_view key, std::span<const std::string_view> values,
                          ReduceOutput& out) = 0;

  // reduce_key for values that all have one size, `width` (not 0): `count`
  // of them (at least one), one after the other from `packed`, so that the
  // engine need not make a view of each. Throws ReduceFailure.
  virtual void reduce_key_packed(std::string_view key, const char* packed, std::size_t count,
                                 std::size_t width, ReduceOutput& out) = 0;

  // Whether the job has a combiner. If so, the engine reduces a partition by
  // combining its records with combine_records, in input order, then calling
  // reduce_combined, instead of grouping the values itself.
  virtual bool has_combiner() const = 0;

  // Whether the job is map-only (it has no reducer): its map output
  // records are (empty key, output line), in input order, and there is no
  // reduce phase.
  virtual bool map_only() const = 0;

  // Whether the combiner may combine across map tasks (the job declares
  // combine_in_any_order). If so, the map side keeps one table of combined
  // values for all the tasks a process runs, which the engine writes out
  // with flush_combined when it commits them; otherwise each map task's
  // output holds its own combined pairs.
  virtual bool combines_across_tasks() const = 0;
  // The map side's combined pairs (of the tasks since the last flush) into
  // `out`'s partitions, one record per key, in key order; the table is then
  // empty. Throws
  // UserCodeError (partition() out of range), ResourceError.
  virtual void flush_combined(MapOutput& out) = 0;
  // The memory the map side's table of combined values holds.
  virtual std::size_t combined_bytes() const = 0;
  // Combines the map side's table into the reduce side's, as if its records
  // had been given to combine_records, without writing them out; the map
  // side is then empty.
  virtual void combine_map_table() = 0;

  // For a job that combines across tasks: `runs` hold (key, value) records
  // in ascending key order, each key at most once per run (what
  // flush_combined writes). Merges them, folding each key's values with the
  // combiner, and calls reducer once per key, in key order. Throws
  // ReduceFailure.
  virtual void reduce_sorted_runs(std::span<const std::string_view> runs, ReduceOutput& out) = 0;

  // Whether a key whose values do not fit in memory may have them streamed
  // from disk (reduce_key_streamed): when they decode to values, not views
  // into the engine's memory (which must stay valid for the whole reducer
  // call), reducer does not see them sorted (value_less, sort_values), and
  // the job has no combiner (whose merge holds one value per run).
  virtual bool streams_hot_keys() const = 0;

  // reduce_key for a key whose values do not fit in memory, read from
  // `values` (Values streamed from disk). Only when streams_hot_keys().
  // Throws ReduceFailure.
  virtual void reduce_key_streamed(std::string_view key, ValueStream& values, ReduceOutput& out) = 0;

  // For a job with a combiner: folds one key's encoded values, from the
  // first to the last, into one with the combiner (as combine_records would
  // fold them in that order), then calls reducer with it, as
  // reduce_combined would; without one, reduce_key. What the merge of
  // spilled runs calls per key. Throws ReduceFailure.
  virtual void reduce_folded(std::string_view key, std::span<const std::string_view> values,
                             ReduceOutput& out) = 0;

  // Combines (key, value) records into one value per key with the combiner.
  // Throws ReduceFailure if the combiner throws.
  virtual void combine_records(std::string_view records) = 0;

  // Calls reducer once per combined key, in ascending key order, with the one
  // combined value, and forgets the combined keys. Throws ReduceFailure.
  virtual void reduce_combined(ReduceOutput& out) = 0;

  // Hadoop Streaming: appends the StreamText form `key<TAB>value\n` of an
  // encoded pair to `out`.
  virtual void append_stream_text(std::string_view key, std::string_view value, std::string& out) = 0;
  // The inverse: parses the two fields of such a line into encoded bytes
  // (appended to `key` and `value`); returns what is wrong, or "" if nothing.
  virtual std::string parse_stream_text(std::string_view key_text, std::string_view value_text,
                                        std::string& key, std::string& value) = 0;
};

// mapper threw on the record (line) that starts at `line_begin`.
class MAPREDUCE_EXPORT MapFailure : public std::runtime_error {
 public:
  MapFailure(const char* line_begin, const std::string& message)
      : std::runtime_error(message), line_begin(line_begin) {}
  ~MapFailure() override;
  const char* line_begin;
};

// reducer threw on the key whose printable form is `key_text`.
class MAPREDUCE_EXPORT ReduceFailure : public std::runtime_error {
 public:
  ReduceFailure(std::string key_text, const std::string& message)
      : std::runtime_error(message), key_text(std::move(key_text)) {}
  ~ReduceFailure() override;
  std::string key_text;
};

// The message of the exception being handled, whatever its type.
MAPREDUCE_EXPORT std::string current_exception_message();

enum class EngineKind { sequential, concurrent };

// How a job runs as one step of a pipeline (run_steps): all null for a job
// on its own.
struct StepPlan {
  // "step 2 of 3", which names the step in its errors and counters.
  const char* label = nullptr;
  // The previous step's output, instead of the job's own inputs.
  const std::vector<std::string>* inputs = nullptr;
  // Where the step's output records go, for the next step, and the types
  // that step reads.
  std::ostream* records = nullptr;
  StepTypes next_types;
};

// Runs a job from setup to cleanup, on the concatenation of `inputs` (files,
// directories, "-" for standard input). `counters` starts empty; user code
// counts into it, and the engine adds what the workers counted and its own
// counters. A pipeline step's `step_label` ("step 2 of 3") starts its error
// messages and names its counters. Throws mapreduce::Error.
MAPREDUCE_EXPORT void run_job(ErasedJob& job, const std::vector<std::string>& inputs, const Options& options,
                              EngineKind kind, Counters& counters, const char* step_label = nullptr);

// Refuses, as run_job would before any work, a destination in `options` that
// cannot be written, and leaves nothing behind: run_steps checks the last
// step's before the first step runs. Throws UsageError or ResourceError.
MAPREDUCE_EXPORT void check_destination(const Options& options);

}  // namespace mapreduce::detail
