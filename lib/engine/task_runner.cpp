#include "engine/task_runner.hpp"

#include "base/printable.hpp"
#include "engine/reduce.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// Runs `f`, turning a reducer's or combiner's failure into the UserCodeError
// every engine reports alike.
template <class F>
void calling_reducer(F&& f) {
  try {
    f();
  } catch (const ReduceFailure& failure) {
    throw UserCodeError("reducer failed on key \"" + printable(failure.key_text) + "\": " + failure.what());
  }
}

// What ReduceOutput counted since `keys_before` and `records_before`.
void count_reduce_output(Counters& counters, const ReduceOutput& out, std::uint64_t keys_before,
                         std::uint64_t records_before) {
  counters(kEngineCounters, "distinct keys") += static_cast<std::int64_t>(out.key_count() - keys_before);
  counters(kEngineCounters, "reduce output records") +=
      static_cast<std::int64_t>(out.record_count() - records_before);
}

}  // namespace

std::uint64_t run_map_task(ErasedJob& job, const InputSet& input, std::size_t task, MapOutput& out,
                           Counters& counters, std::string_view path) {
  BlockOrigin origin;
  origin.path = path.empty() ? std::string_view(input.path_of(task)) : path;
  origin.records = input.records();
  const bool lines = origin.records.kind == RecordKind::lines;
  const std::string_view file_text = input.file_text(task);
  const std::uint64_t lines_before = out.line_count();
  const std::uint64_t emitted_before = out.emitted_count();
  const std::uint64_t records_before = out.record_count();
  std::uint64_t bytes = 0;
  job.begin_map_task();
  input.read(task, [&](std::string_view block) {
    const std::uint64_t lines_before_block = out.line_count() - lines_before;
    if (file_text.empty()) {
      // Decompressed: the task is the whole file, read from its start.
      origin.offset = bytes;
      origin.first_line = lines_before_block + 1;
    } else {
      origin.offset = static_cast<std::uint64_t>(block.data() - file_text.data());
      origin.file_text = file_text.data();
    }
    try {
      job.map_lines(block, origin, out);
    } catch (const MapFailure& failure) {
      throw UserCodeError(std::string("mapper failed on ") + (lines ? "line " : "record ") +
                          std::to_string(origin.line_at(block.data(), failure.line_begin)) + " of " +
                          input.path_of(task) + ": " + failure.what());
    }
    bytes += block.size();
  });
  job.end_map_task(out);
  counters(kEngineCounters, "input bytes") += static_cast<std::int64_t>(bytes);
  counters(kEngineCounters, lines ? "input lines" : "input records") +=
      static_cast<std::int64_t>(out.line_count() - lines_before);
  counters(kEngineCounters, "map output records") +=
      static_cast<std::int64_t>(out.emitted_count() - emitted_before);
  if (job.has_combiner() && !job.combines_across_tasks()) {
    counters(kEngineCounters, "combine output records") +=
        static_cast<std::int64_t>(out.record_count() - records_before);
  }
  return bytes;
}

void flush_combined(ErasedJob& job, MapOutput& out, Counters& counters) {
  const std::uint64_t records_before = out.record_count();
  job.flush_combined(out);
  counters(kEngineCounters, "combine output records") +=
      static_cast<std::int64_t>(out.record_count() - records_before);
}

void count_map_output(const MapOutput& out, Counters& counters, const MapRunSpiller* spiller) {
  std::uint64_t bytes = out.bytes();
  if (spiller != nullptr && spiller->spilled()) {
    bytes += spiller->spilled_bytes();
    counters(kEngineCounters, "spilled bytes") += static_cast<std::int64_t>(spiller->spilled_bytes());
    counters(kEngineCounters, "spilled runs") += static_cast<std::int64_t>(spiller->spilled_runs());
  }
  counters(kEngineCounters, "intermediate bytes") += static_cast<std::int64_t>(bytes);
}

bool spill_rest(MapRunSpiller& spiller, MapOutput& out, std::uint64_t held, std::uint64_t budget) {
  if (!spiller.spilled() && (out.bytes() == 0 || held + out.cost() <= kept_limit(budget))) return false;
  if (out.bytes() > 0) spiller.spill(out);
  return true;
}

void ReduceTask::add(std::string_view section) {
  if (combines()) {
    calling_reducer([&] { job_.combine_records(section); });
  } else if (merging_ != nullptr) {
    if (!section.empty()) inputs_.push_back(MergeInput{nullptr, {}, section});
  } else {
    sections_.push_back(section);
  }
}

void ReduceTask::add_map_table() {
  calling_reducer([&] { job_.combine_map_table(); });
  from_map_table_ = true;
}

void ReduceTask::finish(ReduceOutput& out, Counters& counters) {
  const std::uint64_t keys_before = out.key_count();
  const std::uint64_t records_before = out.record_count();
  // Around the reducer calls, not the combiner's, so that the hooks come in
  // the same order in every engine (the sequential one combines between map
  // tasks).
  job_.begin_reduce_task();
  calling_reducer([&] {
    if (merging_ != nullptr) {
      merge(out, counters);
    } else if (combines() || from_map_table_) {
      job_.reduce_combined(out);
    } else if (job_.has_combiner()) {
      job_.reduce_sorted_runs(sections_, out);
    } else if (scratch_ != nullptr) {
      reduce_grouped(job_, sections_, out, *scratch_);
    } else {
      reduce_grouped(job_, sections_, out);
    }
  });
  sections_.clear();
  job_.end_reduce_task();
  count_reduce_output(counters, out, keys_before, records_before);
}

void ReduceTask::merge(ReduceOutput& out, Counters& counters) {
  SpillFile& scratch = *merging_->scratch;
  const std::uint64_t scratch_start = scratch.size();
  // A hot key's values stream from disk when the job allows it.
  OnStreamedKey streamed;
  if (job_.streams_hot_keys()) {
    streamed = [&](std::string_view key, ValueStream& values) { job_.reduce_key_streamed(key, values, out); };
  }
  const MergeStats stats = merge_runs(
      std::move(inputs_), scratch, merging_->shape,
      [&](std::string_view key, std::span<const std::string_view> values) {
        job_.reduce_folded(key, values, out);
      },
      streamed);
  inputs_.clear();
  scratch.resume_at(scratch_start);
  counters(kEngineCounters, "merge passes") += static_cast<std::int64_t>(stats.passes);
  if (stats.streamed_keys > 0)
    counters(kEngineCounters, "streamed keys") += static_cast<std::int64_t>(stats.streamed_keys);
}

KeyByKeyReduceTask::KeyByKeyReduceTask(ErasedJob& job) : job_(job) { job_.begin_reduce_task(); }

void KeyByKeyReduceTask::reduce(std::string_view key, std::span<const std::string_view> values,
                                ReduceOutput& out, Counters& counters) {
  const std::uint64_t keys_before = out.key_count();
  const std::uint64_t records_before = out.record_count();
  calling_reducer([&] { job_.reduce_key(key, values, out); });
  count_reduce_output(counters, out, keys_before, records_before);
}

void KeyByKeyReduceTask::finish() { job_.end_reduce_task(); }

}  // namespace mapreduce::detail
