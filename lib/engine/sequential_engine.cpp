#include <algorithm>
#include <deque>
#include <string>

#include "engine/engines.hpp"
#include "engine/task_runner.hpp"
#include "spill/map_spill.hpp"
#include "spill/memory_budget.hpp"
#include "spill/output_spill.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {
namespace {

// A map-only job: each map task's output lines are a run, in input order.
ReducedRuns map_only(ErasedJob& job, const InputSet& input, Counters& counters, JobClock& clock) {
  ReducedRuns reduced;
  reduced.in_task_order = true;
  clock.start_phase("map", input.stored_bytes());
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    MapOutput& mapped = reduced.local_map.emplace_back(1);
    run_map_task(job, input, t, mapped, counters);
    reduced.runs.push_back(mapped.partition(0));
    clock.advance(input.tasks()[t].bytes.size());
  }
  return reduced;
}

// The map output kept for reduce, map run by map run in input order: in
// memory while the memory limit holds, past it as sorted runs in the spill
// file.
class KeptMapRuns {
 public:
  KeptMapRuns(const EngineSettings& settings, std::size_t partitions)
      : limit_(settings.memory_limit),
        partitions_(partitions),
        spill_(settings.spill_dir),
        scratch_(settings.spill_dir),
        spiller_(spill_, partitions),
        merge_{&scratch_, merge_shape(settings.memory_limit)} {}

  // Where the next map run's records go: spilled once they pass what the
  // limit leaves.
  MapOutput& next() {
    current_.clear();
    current_.spill_past(spill_threshold(limit_), &spiller_);
    return current_;
  }
  MapRunSpiller& spiller() { return spiller_; }
  // Whether some map run spilled, so that reduce merges.
  bool spilled() const { return spilled_; }
  // The progress line's note: what is spilled so far.
  std::string note(std::string_view phase) const { return JobClock::spill_note(phase, spill_.size()); }

  // Keeps the map run next() gave, counting it.
  void keep(Counters& counters) {
    Run& run = runs_.emplace_back();
    if (spill_rest(spiller_, current_, held_, limit_)) {
      count_map_output(current_, counters, &spiller_);
      for (std::size_t p = 0; p < partitions_; ++p) run.index.emplace_back(spiller_.index(p));
      spiller_.reset();
      spilled_ = true;
      return;
    }
    count_map_output(current_, counters);
    held_ += current_.cost();
    current_.spill_past(0, nullptr);
    run.memory = &memory_.emplace_back(std::move(current_));
    current_ = MapOutput(partitions_);
  }

  // A reduce task for partition p, given its sections of every kept run,
  // grouping its records (without a combiner) in `scratch` when given.
  ReduceTask reduce_task(ErasedJob& job, std::size_t p, GroupingScratch* scratch = nullptr) const {
    ReduceTask task(job, spilled_ ? &merge_ : nullptr, scratch);
    for (const Run& run : runs_) {
      if (run.memory != nullptr) {
        task.add(run.memory->partition(p));
      } else {
        for (const SpillExtent& extent : spill_extents(run.index[p])) task.add_spilled(spill_, extent);
      }
    }
    return task;
  }

 private:
  struct Run {
    const MapOutput* memory = nullptr;
    std::vector<std::string> index;  // when spilled: MapRunSpiller::index per partition
  };
  const std::uint64_t limit_;
  const std::size_t partitions_;
  SpillFile spill_;
  SpillFile scratch_;  // the merge passes' runs
  MapRunSpiller spiller_;
  SpillMerge merge_;
  MapOutput current_{partitions_};
  std::deque<MapOutput> memory_;
  std::vector<Run> runs_;
  std::uint64_t held_ = 0;
  bool spilled_ = false;
};

// The reduced partitions, one after the other: in memory while they hold
// under a quarter of the memory limit (the map runs kept in memory have
// half, the run being built a quarter), past it in a spill file of their
// own; once any has spilled, those in memory join it at the end, so that
// the output reads every run from the file's mapping and gives its pages
// back as it writes them.
class ReducedPartitions {
 public:
  explicit ReducedPartitions(const EngineSettings& settings)
      : budget_(settings.memory_limit / 4), file_(settings.spill_dir), spiller_(file_) {}

  // Where the next partition's records go.
  ReduceOutput& next() {
    ReduceOutput& out = reduced_.local.emplace_back();
    out.spill_past(output_spill_threshold(budget_, held_), &spiller_);
    return out;
  }
  // Keeps the partition next() gave.
  void keep(Counters& counters) {
    ReduceOutput& out = reduced_.local.back();
    if (spiller_.spilled() || held_ + out.bytes().size() > budget_) {
      extents_.push_back(spiller_.finish(out));
      counters(kEngineCounters, "spilled output bytes") += static_cast<std::int64_t>(extents_.back().length);
      out = ReduceOutput();
      spilled_ = true;
    } else {
      extents_.push_back(SpillExtent{UINT64_MAX, 0});
      held_ += out.bytes().size();
    }
  }

  ReducedRuns finish() {
    if (!spilled_) {
      for (const ReduceOutput& out : reduced_.local) reduced_.runs.push_back(out.bytes());
      return std::move(reduced_);
    }
    for (std::size_t p = 0; p < extents_.size(); ++p) {
      if (extents_[p].offset != UINT64_MAX) continue;
      const std::string_view bytes = reduced_.local[p].bytes();
      extents_[p] = SpillExtent{file_.append(bytes), bytes.size()};
    }
    reduced_.local.clear();
    MappedRegion& mapped = reduced_.shared.emplace_back(file_.map_prefix(file_.size()));
    for (const SpillExtent& extent : extents_)
      reduced_.runs.push_back(mapped.view().substr(extent.offset, extent.length));
    reduced_.runs_are_mapped = true;
    return std::move(reduced_);
  }

 private:
  const std::uint64_t budget_;
  SpillFile file_;
  ReduceRunSpiller spiller_;
  ReducedRuns reduced_;
  std::vector<SpillExtent> extents_;  // offset UINT64_MAX: in memory
  std::uint64_t held_ = 0;
  bool spilled_ = false;
};

// A job that combines in any order: one table of combined values for all
// the map tasks (the engine's one process is its one worker), reduced
// straight from that table when there is one partition and it never
// outgrew the memory limit, or written into the partitions at the end, and
// each time it reached the limit before (as a spilled run).
ReducedRuns combined_across_tasks(ErasedJob& job, const InputSet& input, std::size_t partitions,
                                  const EngineSettings& settings, Counters& counters, JobClock& clock) {
  KeptMapRuns kept(settings, partitions);
  clock.start_phase("map", input.stored_bytes());
  bool spilled = false;
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    MapOutput scratch(partitions);
    run_map_task(job, input, t, scratch, counters);
    if (job.combined_bytes() >= settings.memory_limit) {
      MapOutput& mapped = kept.next();
      flush_combined(job, mapped, counters);
      kept.spiller().spill(mapped);
      kept.keep(counters);
      spilled = true;
      clock.set_note(kept.note("map"));
    }
    clock.advance(input.tasks()[t].bytes.size());
  }
  clock.start_phase("reduce", partitions);
  if (partitions > 1 || spilled) {
    flush_combined(job, kept.next(), counters);
    kept.keep(counters);
  }
  ReducedPartitions reduced(settings);
  for (std::size_t p = 0; p < partitions; ++p) {
    ReduceTask task = partitions > 1 || spilled ? kept.reduce_task(job, p) : ReduceTask(job);
    if (partitions == 1 && !spilled) task.add_map_table();
    task.finish(reduced.next(), counters);
    reduced.keep(counters);
    if (spilled) give_back_free_heap();
    clock.advance(1);
  }
  return reduced.finish();
}

// A job with a combiner and one partition: each task's output is combined
// as soon as it is made and its buffer reused, so memory holds one value
// per distinct key rather than every task's output (and nothing spills).
ReducedRuns combined_as_mapped(ErasedJob& job, const InputSet& input, const EngineSettings& settings,
                               Counters& counters, JobClock& clock) {
  ReduceTask task(job);
  MapOutput mapped(1);
  clock.start_phase("map", input.stored_bytes());
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    mapped.clear();
    run_map_task(job, input, t, mapped, counters);
    count_map_output(mapped, counters);
    task.add(mapped.partition(0));
    clock.advance(input.tasks()[t].bytes.size());
  }
  clock.start_phase("reduce", 1);
  ReducedPartitions reduced(settings);
  task.finish(reduced.next(), counters);
  reduced.keep(counters);
  clock.advance(1);
  return reduced.finish();
}

}  // namespace

ReducedRuns run_sequential(ErasedJob& job, const InputSet& input, const EngineSettings& settings,
                           Counters& counters, JobClock& clock) {
  if (job.map_only()) return map_only(job, input, counters, clock);
  // The concurrent engine's map tasks, run one after the other, so that a
  // combiner combines exactly the same values.
  const std::size_t partitions = settings.reducers == 0 ? 1 : settings.reducers;
  if (job.combines_across_tasks()) {
    return combined_across_tasks(job, input, partitions, settings, counters, clock);
  }
  if (job.has_combiner() && partitions == 1) return combined_as_mapped(job, input, settings, counters, clock);
  // Otherwise every task's pairs are kept until reduce.
  KeptMapRuns kept(settings, partitions);
  clock.start_phase("map", input.stored_bytes());
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    run_map_task(job, input, t, kept.next(), counters);
    kept.keep(counters);
    clock.set_note(kept.note("map"));
    clock.advance(input.tasks()[t].bytes.size());
  }
  clock.start_phase("reduce", partitions);
  clock.set_note(kept.note("reduce"));
  ReducedPartitions reduced(settings);
  GroupingScratch scratch;  // for every partition
  for (std::size_t p = 0; p < partitions; ++p) {
    ReduceTask task = kept.reduce_task(job, p, &scratch);
    task.finish(reduced.next(), counters);
    reduced.keep(counters);
    if (kept.spilled()) give_back_free_heap();
    clock.advance(1);
  }
  return reduced.finish();
}

}  // namespace mapreduce::detail
