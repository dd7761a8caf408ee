#include "cluster/cluster_engine.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>

#include "cluster/shuffle_plan.hpp"
#include "engine/task_runner.hpp"

namespace mapreduce::detail {
namespace {

// What a rank mapped: its runs (a map task's output, or several appended;
// for a job that combines across tasks, each table of combined values
// written out, a sorted run per partition).
struct RankMapOutput {
  std::deque<MapOutput> runs;
  std::vector<std::uint64_t> section_sizes;  // run-major, as ShufflePlan takes them
};

RankMapOutput map_share(ErasedJob& job, const InputSet& input, std::size_t first, std::size_t last,
                        std::size_t partitions, Counters& counters, JobClock& clock) {
  RankMapOutput mapped;
  // Appended records reduce as the same records in sections one after the
  // other would (grouped, or combined one by one), so one run holds them
  // all; sorted runs must stay apart.
  const bool across = job.combines_across_tasks();
  MapOutput* run = nullptr;
  for (std::size_t t = first; t < last; ++t) {
    if (run == nullptr) run = &mapped.runs.emplace_back(partitions);
    run_map_task(job, input, t, *run, counters);
    if (across && run_is_full(job)) {
      flush_combined(job, *run, counters);
      run = nullptr;
    }
    clock.advance(input.tasks()[t].bytes.size());
  }
  if (across && run != nullptr) flush_combined(job, *run, counters);
  for (const MapOutput& out : mapped.runs) {
    count_map_output(out, counters);
    for (std::size_t p = 0; p < partitions; ++p) mapped.section_sizes.push_back(out.partition(p).size());
  }
  return mapped;
}

// Reads one stream, a list of sections, from its start onwards in parts.
class StreamCursor {
 public:
  void add(std::string_view section) {
    if (!section.empty()) sections_.push_back(section);
  }
  void copy(char* out, std::uint64_t size) {
    while (size > 0) {
      const std::string_view rest = sections_[index_].substr(offset_);
      const std::size_t n = std::min<std::uint64_t>(size, rest.size());
      std::memcpy(out, rest.data(), n);
      out += n;
      size -= n;
      offset_ += n;
      if (offset_ == sections_[index_].size()) {
        ++index_;
        offset_ = 0;
      }
    }
  }

 private:
  std::vector<std::string_view> sections_;
  std::size_t index_ = 0;
  std::size_t offset_ = 0;
};

// What the exchange needs, all allocated before its first round (in a
// step), so that the rounds, which are collective calls, cannot fail on one
// rank alone.
struct Exchange {
  std::vector<StreamCursor> outgoing;  // to each rank
  std::vector<ByteBuffer> received;    // from each rank (nothing from this one)
  std::vector<char*> into;
  std::unique_ptr<char[]> send_buffer;     // one round's
  std::unique_ptr<char[]> receive_buffer;  // one round's
  std::vector<int> send_counts;
  std::vector<int> receive_counts;
  std::vector<int> receive_offsets;
};

Exchange prepare_exchange(const ShufflePlan& plan, const RankMapOutput& mapped, std::size_t me) {
  const std::size_t ranks = plan.ranks();
  Exchange exchange;
  exchange.outgoing.resize(ranks);
  for (std::size_t p = 0; p < plan.partitions(); ++p) {
    if (plan.owner(p) == me) continue;
    for (const MapOutput& run : mapped.runs) exchange.outgoing[plan.owner(p)].add(run.partition(p));
  }
  exchange.received.resize(ranks);
  exchange.into.resize(ranks);
  std::uint64_t send_most = 0;
  std::uint64_t receive_most = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    exchange.into[r] = exchange.received[r].extend(plan.stream_size(r, me));
    send_most += std::min(plan.chunk(), plan.stream_size(me, r));
    receive_most += std::min(plan.chunk(), plan.stream_size(r, me));
  }
  exchange.send_buffer = std::make_unique_for_overwrite<char[]>(send_most);
  exchange.receive_buffer = std::make_unique_for_overwrite<char[]>(receive_most);
  exchange.send_counts.resize(ranks);
  exchange.receive_counts.resize(ranks);
  exchange.receive_offsets.resize(ranks);
  return exchange;
}

// Sends this rank's streams and receives the others', in the plan's rounds,
// into exchange.received. Allocates nothing and throws nothing.
void run_rounds(const ShufflePlan& plan, Exchange& exchange, MpiWorld& world) {
  const std::size_t me = static_cast<std::size_t>(world.rank());
  const std::size_t ranks = plan.ranks();
  for (std::size_t round = 0; round < plan.rounds(); ++round) {
    std::size_t receive_total = 0;
    std::size_t packed = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
      exchange.send_counts[r] = static_cast<int>(plan.round_size(round, me, r));
      exchange.receive_counts[r] = static_cast<int>(plan.round_size(round, r, me));
      exchange.receive_offsets[r] = static_cast<int>(receive_total);
      receive_total += static_cast<std::size_t>(exchange.receive_counts[r]);
      exchange.outgoing[r].copy(exchange.send_buffer.get() + packed,
                                static_cast<std::uint64_t>(exchange.send_counts[r]));
      packed += static_cast<std::size_t>(exchange.send_counts[r]);
    }
    world.all_to_all(exchange.send_buffer.get(), exchange.send_counts, exchange.receive_buffer.get(),
                     exchange.receive_counts, exchange.receive_offsets);
    for (std::size_t from = 0; from < ranks; ++from) {
      if (exchange.receive_counts[from] == 0) continue;
      std::memcpy(exchange.into[from] + round * plan.chunk(),
                  exchange.receive_buffer.get() + exchange.receive_offsets[from],
                  static_cast<std::size_t>(exchange.receive_counts[from]));
    }
  }
}

// The ranks' runs to rank 0, in partition order (or, for a map-only job, in
// task order), into `kept`; or, when they are written apart, each rank's
// own, numbered.
void collect_runs(std::vector<std::string_view> mine, std::vector<std::size_t> numbers,
                  std::size_t partitions, bool in_task_order, bool gather, MpiWorld& world, RankRuns& kept) {
  ReducedRuns& reduced = kept.reduced;
  if (!gather) {
    reduced.runs = std::move(mine);
    kept.part_numbers = std::move(numbers);
    return;
  }
  reduced.received = world.gather_to_root(mine);
  if (world.rank() != 0) return;
  const std::size_t ranks = static_cast<std::size_t>(world.size());
  if (in_task_order) {
    reduced.runs = std::move(mine);
    for (const ByteBuffer& run : reduced.received) reduced.runs.push_back(run.view());
    return;
  }
  // Rank r's runs are partitions r, r + N, ..., and arrive in rank order.
  reduced.runs.resize(partitions);
  std::size_t next = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    for (std::size_t p = r; p < partitions; p += ranks) {
      reduced.runs[p] = r == 0 ? mine[p / ranks] : reduced.received[next++].view();
    }
  }
}

}  // namespace

RankRuns run_on_cluster(ErasedJob& job, const InputSet& input, const ClusterSettings& settings,
                        Counters& counters, JobClock& clock, MpiWorld& world) {
  const std::size_t ranks = static_cast<std::size_t>(world.size());
  const std::size_t me = static_cast<std::size_t>(world.rank());
  const std::span<const MapTask> tasks = input.tasks();
  std::vector<std::uint64_t> task_sizes;
  for (const MapTask& task : tasks) task_sizes.push_back(task.bytes.size());
  const std::size_t first = first_task(task_sizes, me, ranks);
  const std::size_t last = first_task(task_sizes, me + 1, ranks);
  std::uint64_t share = 0;
  for (std::size_t t = first; t < last; ++t) share += tasks[t].bytes.size();
  RankRuns kept;
  ReducedRuns& reduced = kept.reduced;

  clock.start_phase("map", share);
  if (job.map_only()) {
    reduced.in_task_order = true;
    std::vector<std::string_view> mine;
    std::vector<std::size_t> numbers;
    world.step([&] {
      for (std::size_t t = first; t < last; ++t) {
        MapOutput& out = reduced.local_map.emplace_back(1);
        run_map_task(job, input, t, out, counters);
        mine.push_back(out.partition(0));
        numbers.push_back(t);
        clock.advance(tasks[t].bytes.size());
      }
    });
    clock.start_phase("collect", 0);
    collect_runs(std::move(mine), std::move(numbers), 0, true, settings.gather, world, kept);
    return kept;
  }

  const std::size_t partitions = cluster_partitions(settings, ranks);
  RankMapOutput mapped;
  world.step([&] { mapped = map_share(job, input, first, last, partitions, counters, clock); });

  clock.start_phase("shuffle", 0);
  const ShufflePlan plan(partitions, world.all_gather(mapped.section_sizes), settings.round_bytes);
  Exchange exchange;
  world.step([&] { exchange = prepare_exchange(plan, mapped, me); });
  run_rounds(plan, exchange, world);
  const std::vector<ByteBuffer>& received = exchange.received;
  // The same for every rank: counted once.
  if (me == 0) counters(kEngineCounters, "shuffle rounds") = static_cast<std::int64_t>(plan.rounds());
  std::uint64_t sent = 0;
  for (std::size_t r = 0; r < ranks; ++r) sent += plan.stream_size(me, r);
  counters(kEngineCounters, "shuffle bytes") += static_cast<std::int64_t>(sent);

  std::size_t owned = 0;
  for (std::size_t p = me; p < partitions; p += ranks) ++owned;
  clock.start_phase("reduce", owned);
  std::vector<std::string_view> mine;
  std::vector<std::size_t> numbers;
  world.step([&] {
    GroupingScratch scratch;  // for every partition this rank reduces
    for (std::size_t p = me; p < partitions; p += ranks) {
      ReduceTask task(job, nullptr, &scratch);
      for (const ShufflePlan::Piece& piece : plan.pieces(p)) {
        if (piece.size == 0) continue;
        task.add(piece.rank == me ? mapped.runs[piece.run].partition(p)
                                  : received[piece.rank].view().substr(piece.offset, piece.size));
      }
      ReduceOutput& out = reduced.local.emplace_back();
      task.finish(out, counters);
      mine.push_back(out.bytes());
      numbers.push_back(p);
      clock.advance(1);
    }
  });
  // The map output is reduced; only the runs are needed now.
  mapped = RankMapOutput();
  exchange = Exchange();
  clock.start_phase("collect", 0);
  collect_runs(std::move(mine), std::move(numbers), partitions, false, settings.gather, world, kept);
  return kept;
}

}  // namespace mapreduce::detail
