#include <unistd.h>

#include <algorithm>
#include <new>
#include <thread>

#include "api/option_rules.hpp"
#include "base/system_error.hpp"
#include "cluster/cluster_job.hpp"
#include "engine/engines.hpp"
#include "engine/job_report.hpp"
#include "engine/streaming.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/error.hpp"
#include "output/output.hpp"
#include "spill/memory_budget.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {
namespace {

// The engine's settings from checked options: processes 0 is one per online
// CPU, at most Options::kMaxProcesses; the memory limit and the spill
// directory their defaults when unset.
EngineSettings settings_of(const Options& options) {
  EngineSettings settings;
  settings.reducers = options.reducers;
  const unsigned online = std::thread::hardware_concurrency();
  settings.processes = options.processes != 0 ? options.processes
                       : online == 0          ? 1
                                              : std::min(online, Options::kMaxProcesses);
  settings.max_attempts = options.max_attempts;
  settings.task_timeout = options.task_timeout;
  settings.retry_exceptions = options.retry_exceptions;
  settings.show_progress = options.progress;
  settings.memory_limit = options.memory_limit != 0 ? options.memory_limit : default_memory_limit();
  settings.spill_dir = spill_directory(options.spill_dir);
  settings.one_sorted_output = options.output_dir.empty();
  return settings;
}

// The error being handled, thrown again as the same type with its message
// prefixed: "step 2 of 3: ...".
[[noreturn]] void rethrow_prefixed(const std::string& prefix) {
  try {
    throw;
  } catch (const OutputClosed&) {
    throw;
  } catch (const UsageError& e) {
    throw UsageError(prefix + e.what());
  } catch (const InputError& e) {
    throw InputError(prefix + e.what());
  } catch (const UserCodeError& e) {
    throw UserCodeError(prefix + e.what());
  } catch (const WorkerError& e) {
    throw WorkerError(prefix + e.what());
  } catch (const ResourceError& e) {
    throw ResourceError(prefix + e.what());
  } catch (const Error& e) {
    throw Error(prefix + e.what());
  }
}

void run_job_named(ErasedJob& job, const std::vector<std::string>& inputs, const Options& options,
                   EngineKind kind, Counters& counters, const char* step_label);

}  // namespace

void run_job(ErasedJob& job, const std::vector<std::string>& inputs, const Options& options, EngineKind kind,
             Counters& counters, const char* step_label) {
  if (step_label == nullptr) {
    run_job_named(job, inputs, options, kind, counters, nullptr);
    return;
  }
  try {
    run_job_named(job, inputs, options, kind, counters, step_label);
  } catch (const Error&) {
    rethrow_prefixed(std::string(step_label) + ": ");
  }
}

namespace {

void run_job_named(ErasedJob& job, const std::vector<std::string>& inputs, const Options& options,
                   EngineKind kind, Counters& counters, const char* step_label) {
  check_options(options);
  if (step_label != nullptr && options.mode != RunMode::job) {
    throw UsageError("a pipeline runs as a whole, not as one side of Hadoop Streaming");
  }
  if (job.map_only() && options.reducers != 0) {
    throw UsageError(
        "reducers (--reducers) cannot be set for a map-only job, which has no reduce partitions: its part "
        "files are its map tasks");
  }
  if (!job.map_only() && options.mode == RunMode::stream_map && options.format != OutputFormat::tsv) {
    throw UsageError(
        "mode stream_map (--stream-map) does not take format jsonl (--format jsonl): it writes key<TAB>value "
        "lines for Hadoop to sort; the format applies to the reducer's output (--stream-reduce), or to a "
        "map-only job's");
  }
  if (job.map_only() && options.mode == RunMode::stream_reduce) {
    throw UsageError("a map-only job has no reducer to run as a Hadoop Streaming reducer");
  }
  if (options.mpi) {
    if (step_label != nullptr)
      throw UsageError("a pipeline does not run on MPI (--mpi) yet: run its jobs one by one");
    run_job_on_cluster(job, inputs, options, counters);
    return;
  }
  const bool streaming = options.mode != RunMode::job;
  const EngineSettings settings = settings_of(options);
  // The destination first: one that cannot be written is refused before any
  // input is read (standard input included) or any worker forked.
  Output out(options);
  const InputSet input(inputs, options.records,
                       options.recursive ? Subdirectories::read : Subdirectories::skip);
  JobClock clock(counters, options.progress && !streaming, step_label);
  call_user_code("setup()", [&] { job.setup(); });
  ReducedRuns reduced;
  try {
    if (options.mode == RunMode::stream_map) {
      run_stream_map(job, input, counters, out);
    } else if (options.mode == RunMode::stream_reduce) {
      run_stream_reduce(job, input, counters, out);
    } else if (kind == EngineKind::sequential) {
      reduced = run_sequential(job, input, settings, counters, clock);
    } else {
      reduced = run_concurrent(job, input, settings, counters, clock);
    }
  } catch (const std::bad_alloc&) {
    throw out_of_memory("running the job on " + inputs.front());
  }
  // The output must agree with the input as it is now, whatever the engine:
  // streaming wrote as it went, but nothing is committed yet.
  input.check_unchanged();
  if (clock.phase() != "output") clock.start_phase("output", 0);
  if (reduced.runs_are_mapped) out.release_pages_as_written();
  if (reduced.merged) {
    out.write_merged(reduced.runs);
  } else if (reduced.in_task_order) {
    out.write_in_order(reduced.runs);
  } else {
    out.write_partitions(reduced.runs);
  }
  out.commit();
  clock.finish();
  call_user_code("cleanup()", [&] { job.cleanup(); });
  count_job(counters, input);
  if (streaming && options.streaming_counters) report_counters_to_hadoop(counters);
  if (options.stats) print_counters(counters, step_label);
}

}  // namespace

}  // namespace mapreduce::detail
