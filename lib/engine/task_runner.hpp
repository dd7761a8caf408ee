#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/reduce.hpp"
#include "input/input_set.hpp"
#include "mapreduce/counters.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "spill/map_spill.hpp"
#include "spill/run_merge.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {

// The steps of one task, the same in every engine (sequential, concurrent,
// streaming), in one place: calling user code, the combiner protocol, the
// engine's counters, and turning a failure of user code into UserCodeError.

// Runs mapper_setup(), mapper on every record of map task `task` and
// mapper_cleanup(), appending the pairs to `out` (combined, when the job has
// a combiner), then adds the task's engine counters to `counters` ("input
// lines", or "input records" for the other record formats). `out` may
// already hold earlier tasks' pairs; only this task's are counted. Returns
// the bytes of text read (decompressed). Throws UserCodeError ("mapper
// failed on line 7 of PATH: MESSAGE", "record 7" for the formats other than
// lines), InputError (corrupt compressed data), ResourceError.
// `path`, when given, is what the job's input context calls the file
// (Hadoop Streaming's name for standard input).
std::uint64_t run_map_task(ErasedJob& job, const InputSet& input, std::size_t task, MapOutput& out,
                           Counters& counters, std::string_view path = {});

// How large the map side's table of combined values (a job that combines
// across tasks) grows before a worker writes it out as a run and starts
// another.
constexpr std::size_t kCombinedRunBytes = std::size_t(256) << 20;

// Whether a worker that has just mapped a task commits the run it is
// building: always, unless the job combines across tasks and its table is
// still under kCombinedRunBytes.
// `budget` lowers kCombinedRunBytes to a worker's share of the memory limit.
inline bool run_is_full(const ErasedJob& job, std::uint64_t budget = kCombinedRunBytes) {
  return !job.combines_across_tasks() ||
         job.combined_bytes() >= std::min<std::uint64_t>(kCombinedRunBytes, budget);
}

// The map side's table of combined values (a job that combines across
// tasks) into `out`, counted as "combine output records".
void flush_combined(ErasedJob& job, MapOutput& out, Counters& counters);

// Counts `out`'s records, all partitions, as "intermediate bytes": what a map
// run stores for reduce; with what `spiller` spilled of the run, which also
// counts as "spilled bytes" and "spilled runs".
void count_map_output(const MapOutput& out, Counters& counters, const MapRunSpiller* spiller = nullptr);

// A map run that has spilled spills the rest of its records too, so that
// reduce reads all of it from runs sorted alike, and so does one that
// would take what the map runs kept in memory cost (`held`: their bytes and
// MapOutput::kRecordCost a record), with its own cost, past kept_limit of
// `budget`; true if it has spilled.
bool spill_rest(MapRunSpiller& spiller, MapOutput& out, std::uint64_t held, std::uint64_t budget);

// How a reduce task merges a partition some of whose map runs spilled:
// where the merge passes write their runs (the task's own process's spill
// file, past what it committed, given back after the task), and how wide
// they are.
struct SpillMerge {
  SpillFile* scratch;
  MergeShape shape;
};

// One reduce task: the sections of one partition (a map run's records of
// it), added in input order, then reduced into (key, output line) records in
// ascending key order. With a combiner that combines each map task apart,
// each section is combined as it is added, and may be dropped right after;
// with one that combines across tasks, the sections are sorted runs, merged
// at finish(); without a combiner, they are grouped by key at finish(). In
// the last two cases they must live until then. Values reach reducer in the
// order of the sections, then of the records within each.
class ReduceTask {
 public:
  // `merging`: some of the partition's map runs spilled, and every section
  // joins a merge of sorted runs (a section in memory sorted first), which
  // calls reducer once per key with its values in input order. `scratch`:
  // the buffers a job without a combiner groups its records in, kept by a
  // caller that reduces several partitions (else the task's own).
  explicit ReduceTask(ErasedJob& job, const SpillMerge* merging = nullptr, GroupingScratch* scratch = nullptr)
      : job_(job), merging_(merging), scratch_(scratch) {}

  // Whether add() is done with a section when it returns: with a combiner
  // that combines each map task's values apart, yes; with one that combines
  // across tasks, whose sections are sorted runs to merge, or when merging
  // spilled runs, no.
  bool combines() const {
    return merging_ == nullptr && job_.has_combiner() && !job_.combines_across_tasks();
  }

  // Throws UserCodeError if the combiner throws.
  void add(std::string_view section);
  // When merging: a spilled run of the partition, the next in input order.
  void add_spilled(const SpillFile& file, SpillExtent extent) {
    inputs_.push_back(MergeInput{&file, extent, {}});
  }
  // Adds the map side's table of combined values (a job that combines
  // across tasks), as add() would its records. Throws UserCodeError.
  void add_map_table();

  // Runs reducer_setup(), reducer once per key into `out`, then
  // reducer_cleanup(), and adds
  // the task's engine counters to `counters`. Throws UserCodeError ("reducer
  // failed on key \"the\": MESSAGE").
  void finish(ReduceOutput& out, Counters& counters);

 private:
  // The merge of spilled runs, inside finish(). Throws ReduceFailure.
  void merge(ReduceOutput& out, Counters& counters);

  ErasedJob& job_;
  const SpillMerge* merging_;
  GroupingScratch* scratch_;
  std::vector<std::string_view> sections_;
  std::vector<MergeInput> inputs_;  // when merging
  bool from_map_table_ = false;     // add_map_table() was called
};

// Hadoop Streaming's reduce task, which sees its keys one at a time, already
// grouped: reducer_setup() at construction, then reducer on each key and its
// encoded values, into `out`, counted; finish() runs reducer_cleanup().
// Throw UserCodeError.
class KeyByKeyReduceTask {
 public:
  explicit KeyByKeyReduceTask(ErasedJob& job);
  void reduce(std::string_view key, std::span<const std::string_view> values, ReduceOutput& out,
              Counters& counters);
  void finish();

 private:
  ErasedJob& job_;
};

}  // namespace mapreduce::detail
