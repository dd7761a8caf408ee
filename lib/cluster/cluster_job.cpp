#include "cluster/cluster_job.hpp"

#include <algorithm>
#include <new>
#include <optional>

#include "base/system_error.hpp"
#include "cluster/cluster_engine.hpp"
#include "cluster/mpi_world.hpp"
#include "engine/job_report.hpp"
#include "engine/streaming.hpp"
#include "input/input_set.hpp"
#include "output/output.hpp"

namespace mapreduce::detail {
namespace {

// Refuses inputs the ranks cannot all read alike.
void check_shared_inputs(const std::vector<std::string>& inputs) {
  if (std::find(inputs.begin(), inputs.end(), "-") != inputs.end()) {
    throw UsageError(
        "--mpi cannot read standard input, which only one rank would see: give the input as a file on a "
        "file system every rank sees");
  }
}

// Every rank must have cut the same map tasks, or they would map different
// data: the same input names on hosts that do not share the files.
void check_same_tasks(const InputSet& input, MpiWorld& world) {
  const std::vector<std::vector<std::uint64_t>> seen =
      world.all_gather(std::vector<std::uint64_t>{input.tasks().size(), input.stored_bytes()});
  world.step([&] {
    for (std::size_t r = 1; r < seen.size(); ++r) {
      if (seen[r] != seen[0]) {
        throw InputError("the ranks see different inputs: rank 0 has " + std::to_string(seen[0][1]) +
                         " bytes in " + std::to_string(seen[0][0]) + " map tasks, rank " + std::to_string(r) +
                         " has " + std::to_string(seen[r][1]) + " bytes in " + std::to_string(seen[r][0]) +
                         "; the inputs must be on a file system every rank sees");
      }
    }
  });
}

// Rank 0's counters plus another rank's: summed, but for the peak RSS (the
// largest) and the phase times (rank 0's, the job's).
void add_rank_counters(Counters& counters, std::string_view serialized) {
  Counters other;
  other.add_serialized(serialized);
  for (const auto& [name, value] : other.entries()) {
    if (name.first == kEngineCounters && name.second.ends_with(" phase ms")) continue;
    std::int64_t& total = counters(name.first, name.second);
    total = name.first == kEngineCounters && name.second == kPeakRssCounter ? std::max(total, value)
                                                                            : total + value;
  }
}

// The process's one MPI world, kept after a failed job until the failure
// has been reported (end_cluster_job).
std::optional<MpiWorld>& the_world() {
  static std::optional<MpiWorld> world;
  return world;
}

void run_ranks(ErasedJob& job, const std::vector<std::string>& inputs, const Options& options,
               Counters& counters, MpiWorld& world) {
  const bool root = world.rank() == 0;
  // The destination first, as run_job opens it: one rank 0 cannot write
  // fails the job before any work.
  std::optional<Output> out;
  world.step([&] {
    check_shared_inputs(inputs);
    // Open MPI relays a rank's standard output through a pseudo-terminal,
    // whatever mpirun's is.
    if (root) out.emplace(options, Output::StandardOutput::relayed);
  });
  // Part files are written by the rank that reduced them, into rank 0's
  // temporary directory, which rank 0 commits once every rank has written.
  const bool parts_apart = !options.output_dir.empty();
  if (parts_apart) {
    const std::string directory =
        world.broadcast_from_root(root ? out->temporary_directory() : std::string());
    world.step([&] {
      if (!root) out.emplace(options, directory);
    });
  }
  std::optional<InputSet> input;
  world.step([&] {
    input.emplace(inputs, options.records, options.recursive ? Subdirectories::read : Subdirectories::skip);
  });
  check_same_tasks(*input, world);
  ClusterSettings settings;
  settings.reducers = options.reducers;
  if (options.mpi_round_bytes != 0) settings.round_bytes = options.mpi_round_bytes;
  settings.gather = !parts_apart;
  // Rank 0 removes every part file if the job fails, whichever rank wrote it.
  if (parts_apart && root) {
    out->expect_parts(job.map_only() ? input->tasks().size()
                                     : cluster_partitions(settings, static_cast<std::size_t>(world.size())));
  }
  JobClock clock(counters, options.progress && root);
  world.step([&] { call_user_code("setup()", [&] { job.setup(); }); });
  RankRuns kept;
  try {
    kept = run_on_cluster(job, *input, settings, counters, clock, world);
  } catch (const std::bad_alloc&) {
    throw out_of_memory("running the job on " + inputs.front());
  }
  const ReducedRuns& reduced = kept.reduced;
  if (root) clock.start_phase("output", 0);
  world.step([&] {
    input->check_unchanged();
    if (parts_apart) {
      out->write_part_files(reduced.runs, kept.part_numbers);
    } else if (root && reduced.in_task_order) {
      out->write_in_order(reduced.runs);
    } else if (root) {
      out->write_partitions(reduced.runs);
    }
  });
  world.step([&] {
    if (root) out->commit();
  });
  kept = RankRuns();
  clock.finish();
  world.step([&] { call_user_code("cleanup()", [&] { job.cleanup(); }); });

  counters(kEngineCounters, kPeakRssCounter) = peak_rss_kib();
  const std::string mine = counters.serialize();
  const std::vector<ByteBuffer> others = world.gather_to_root(std::vector<std::string_view>{mine});
  if (!root) return;
  for (const ByteBuffer& serialized : others) add_rank_counters(counters, serialized.view());
  const std::int64_t peak_rss = counters.get(kEngineCounters, kPeakRssCounter);
  count_job(counters, *input);
  counters(kEngineCounters, kPeakRssCounter) = std::max(peak_rss, peak_rss_kib());
  counters(kEngineCounters, "mpi ranks") = world.size();
  if (options.stats) print_counters(counters, nullptr);
}

}  // namespace

void run_job_on_cluster(ErasedJob& job, const std::vector<std::string>& inputs, const Options& options,
                        Counters& counters) {
  std::optional<MpiWorld>& world = the_world();
  if (world) throw UsageError("--mpi: MPI is in use already: a program runs one --mpi job");
  world.emplace();
  try {
    run_ranks(job, inputs, options, counters, *world);
  } catch (...) {
    if (!world->failure_agreed()) world->abort_job(current_exception_message());
    // MPI stays up, so that no rank ends, and mpirun does not stop the
    // others, before rank 0 has said why.
    throw;
  }
  world.reset();
}

void end_cluster_job() { the_world().reset(); }

bool cluster_failure_agreed() { return the_world() && the_world()->failure_agreed(); }

}  // namespace mapreduce::detail
