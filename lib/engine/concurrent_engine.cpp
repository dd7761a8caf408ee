// The concurrent engine: a pool of forked workers that map contiguous ranges
// of the mapped input, partition their pairs by a hash of the key into shared
// memory, then reduce whole partitions, reading every mapper's output in
// place. The parent only hands out phases, replaces dead workers, and merges
// the sorted partitions.
//
// Tasks are handed out through an atomic counter in shared memory, several per
// worker, so that a slow range or a heavy partition does not leave the other
// workers idle. The map tasks are those of the sequential engine
// (InputSet). Map task t's output lives in the arena of the worker slot
// that ran it, partition by partition; the control block records where.
// Because reduce reads the map tasks in input order, every key's values arrive
// in input order, whatever the number of processes: the output is the
// sequential engine's, byte for byte.
//
// A worker that dies (or overruns the task timeout) is replaced by a fresh one
// in its slot, which continues the slot's arenas after the last committed
// task; the task it had claimed is free again, up to max_attempts runs. A
// phase ends only when every one of its tasks is done.
//
// What user code and the engine count during a task is appended to the task's
// output in the arena, and so reaches the parent with it: only from task
// attempts that succeeded.
#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/engines.hpp"
#include "engine/reduce.hpp"
#include "engine/task_counters.hpp"
#include "engine/user_code_failure.hpp"
#include "ipc/control_block.hpp"
#include "ipc/shared_memory.hpp"
#include "ipc/worker_pool.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// Partitions per process: enough for one heavy partition not to leave the
// other workers idle, few enough that the parent's merge stays cheap.
constexpr unsigned kPartitionsPerProcess = 4;
constexpr char kCommandMap = 'M';
constexpr char kCommandReduce = 'R';

std::string seconds_text(double seconds) {
  char text[32];
  return std::string(text, std::to_chars(text, text + sizeof text, seconds).ptr);
}

// A test hook: MAPREDUCE_TEST_FAULT=PHASE-POINT:TASK (PHASE map or reduce,
// POINT taken or claimed, TASK 0-based) makes the first worker that reaches
// that point for that task kill itself with SIGKILL, once per job. "taken":
// the shared counter handed the worker the task number, which it has not
// claimed yet; "claimed": it holds the claim but has recorded nothing else.
// These are the instants a debugger would otherwise be needed to hit.
struct FaultPoint {
  Phase phase = Phase::idle;  // idle: no fault
  bool claimed = false;
  std::uint32_t task = 0;

  static FaultPoint from_environment() {
    const char* text = std::getenv("MAPREDUCE_TEST_FAULT");
    if (text == nullptr || *text == '\0') return {};
    const std::string_view spec(text);
    FaultPoint fault;
    std::string_view rest;
    for (const auto& [prefix, phase, claimed] :
         {std::tuple{"map-taken:", Phase::map, false}, std::tuple{"map-claimed:", Phase::map, true},
          std::tuple{"reduce-taken:", Phase::reduce, false},
          std::tuple{"reduce-claimed:", Phase::reduce, true}}) {
      if (spec.starts_with(prefix)) {
        fault.phase = phase;
        fault.claimed = claimed;
        rest = spec.substr(std::string_view(prefix).size());
      }
    }
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), fault.task);
    if (fault.phase == Phase::idle || rest.empty() || error != std::errc() ||
        end != rest.data() + rest.size()) {
      throw UsageError(
          "MAPREDUCE_TEST_FAULT must be map-taken:N, map-claimed:N, reduce-taken:N or "
          "reduce-claimed:N, not '" +
          std::string(spec) + "'");
    }
    return fault;
  }
};

// Forking a multi-threaded process leaves the child with locks that threads
// which no longer exist may hold; refuse rather than deadlock at random.
void require_single_thread() {
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return;
  int threads = 0;
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] != '.') ++threads;
  }
  ::closedir(tasks);
  if (threads > 1) {
    throw ResourceError(
        "cannot fork worker processes while " + std::to_string(threads) +
        " threads run in this process; run the job before starting threads, or use the sequential "
        "engine");
  }
}

// Everything a worker needs, set up before the fork and inherited.
class ConcurrentJob {
 public:
  ConcurrentJob(ErasedJob& job, const InputSet& input, const EngineSettings& settings, Counters& counters,
                JobClock& clock)
      : job_(job),
        input_(input),
        settings_(settings),
        counters_(counters),
        clock_(clock),
        workers_(settings.processes),
        map_tasks_(input.tasks().size()),
        partitions_(std::size_t(workers_) * kPartitionsPerProcess),
        control_(workers_, map_tasks_, partitions_),
        fault_(FaultPoint::from_environment()),
        map_attempts_(map_tasks_, 0),
        reduce_attempts_(partitions_, 0) {
    map_arenas_.reserve(workers_);
    reduce_arenas_.reserve(workers_);
    for (unsigned w = 0; w < workers_; ++w) {
      map_arenas_.emplace_back("mapreduce-map");
      reduce_arenas_.emplace_back("mapreduce-reduce");
    }
  }

  void run(Output& out) {
    require_single_thread();
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    WorkerPool pool(workers_, [this](unsigned index, int channel) { serve(index, channel); });
    clock_.start_phase("map", input_.stored_bytes());
    run_phase(pool, Phase::map);
    clock_.start_phase("reduce", partitions_);
    run_phase(pool, Phase::reduce);
    pool.shut_down();
    input_.check_unchanged();
    clock_.start_phase("output", 0);
    merge(out);
  }

 private:
  std::size_t task_count(Phase phase) const { return phase == Phase::map ? map_tasks_ : partitions_; }

  // In the parent: how far the phase is, for the progress line.
  void show_progress(Phase phase) {
    std::uint64_t done = 0;
    for (std::size_t t = 0; t < task_count(phase); ++t) {
      if (control_.is_done(phase, t)) done += phase == Phase::map ? input_.tasks()[t].bytes.size() : 1;
    }
    clock_.set_done(done);
  }

  // In the parent: one phase, from handing out its tasks to every worker's
  // reply, replacing workers that die.
  void run_phase(WorkerPool& pool, Phase phase) {
    const char command = phase == Phase::map ? kCommandMap : kCommandReduce;
    control_.start_phase(phase);
    std::vector<unsigned> pending(workers_);
    for (unsigned w = 0; w < workers_; ++w) {
      pending[w] = w;
      pool.send(w, command);
    }
    std::vector<bool> timed_out(workers_, false);
    int poll_ms = settings_.task_timeout > 0 ? std::clamp(int(settings_.task_timeout * 250), 1, 100) : -1;
    if (settings_.show_progress && (poll_ms < 0 || poll_ms > 200)) poll_ms = 200;
    while (!pending.empty()) {
      const WorkerPool::Event event = pool.wait(pending, poll_ms);
      const unsigned w = event.worker;
      if (settings_.show_progress) show_progress(phase);
      switch (event.kind) {
        case WorkerPool::Event::Kind::timeout:
          // The poll also wakes for the progress line; only a task timeout
          // kills.
          if (settings_.task_timeout > 0) kill_overdue(pool, pending, timed_out);
          continue;
        case WorkerPool::Event::Kind::reply:
          if (event.reply == WorkerPool::kReplyDone) {
            pending.erase(std::find(pending.begin(), pending.end(), w));
            continue;
          }
          if (!(settings_.retry_exceptions && control_.slot(w).error_kind == ErrorKind::user_code)) {
            throw_reported_error(w);
          }
          pool.kill_and_reap(w);
          ++counters_(kEngineCounters, "failed task attempts");
          recover(phase, w, "failed: " + reported_error(w), event.pid, true);
          break;
        case WorkerPool::Event::Kind::death:
          if (event.signal == SIGBUS) input_.check_unchanged();
          ++counters_(kEngineCounters, "failed task attempts");
          recover(phase, w,
                  event.exit_text + (timed_out[w]
                                         ? " after running a task for over " +
                                               seconds_text(settings_.task_timeout) + " s (the task timeout)"
                                         : ""),
                  event.pid);
          break;
      }
      timed_out[w] = false;
      pool.replace(w);
      pool.send(w, command);
    }
    // Every worker found no free task, so every task is done; if one is not,
    // the claims were lost somewhere, and the job must stop rather than go on
    // without a task's output.
    for (std::uint32_t task = 0; task < task_count(phase); ++task) {
      if (!control_.is_done(phase, task)) {
        throw WorkerError("internal error: " + describe_task(phase, task) +
                          " was never completed, though every worker finished the phase");
      }
    }
  }

  // Kills the workers whose task has run past the timeout; their deaths are
  // then handled as crashes.
  void kill_overdue(WorkerPool& pool, const std::vector<unsigned>& pending, std::vector<bool>& timed_out) {
    const std::int64_t limit = static_cast<std::int64_t>(settings_.task_timeout * 1e9);
    const std::int64_t now = monotonic_ns();
    for (unsigned w : pending) {
      const std::int64_t started = control_.slot(w).task_started_ns;
      if (started != 0 && now - started > limit && !timed_out[w]) {
        timed_out[w] = true;
        pool.kill(w);
      }
    }
  }

  // Worker w of this phase is gone: queue its unfinished task again, unless
  // that task has used up its attempts. `what` says how the worker ended;
  // `user_code`: user code threw (with retry_exceptions), which is then also
  // what the job's error is.
  void recover(Phase phase, unsigned w, const std::string& what, pid_t pid, bool user_code = false) {
    WorkerSlot& slot = control_.slot(w);
    // The claim, not what the worker recorded after it, says which task it
    // held: it may have died between the two.
    const std::optional<std::uint32_t> held = control_.holding_task(phase, task_count(phase), w);
    slot.phase = Phase::idle;
    slot.task_started_ns = 0;
    if (!held) {
      // A worker may also die between tasks; bound how often, or a worker
      // that cannot even start would be replaced for ever.
      if (++idle_deaths_ > settings_.max_attempts * workers_) {
        throw WorkerError("worker " + std::to_string(w) + " (pid " + std::to_string(pid) + ") " + what +
                          " between tasks; workers died " + std::to_string(idle_deaths_) +
                          " times outside a task");
      }
      return;
    }
    const std::uint32_t task = *held;
    unsigned& attempts = (phase == Phase::map ? map_attempts_ : reduce_attempts_)[task];
    if (++attempts >= settings_.max_attempts) {
      if (user_code) {
        throw UserCodeError(describe_task(phase, task) + " failed after " + std::to_string(attempts) +
                            " attempts; the last: " + reported_error(w) + " (in worker " + std::to_string(w) +
                            ")");
      }
      throw WorkerError(describe_task(phase, task) + " failed after " + std::to_string(attempts) +
                        (attempts == 1 ? " attempt" : " attempts") + "; the last: worker " +
                        std::to_string(w) + " (pid " + std::to_string(pid) + ") " + what);
    }
    control_.release_task(phase, task);
  }

  std::string reported_error(unsigned w) {
    const WorkerSlot& slot = control_.slot(w);
    return std::string(slot.error, slot.error_length);
  }

  [[noreturn]] void throw_reported_error(unsigned w) {
    const std::string message = reported_error(w) + " (in worker " + std::to_string(w) + ")";
    switch (control_.slot(w).error_kind) {
      case ErrorKind::user_code:
        throw UserCodeError(message);
      case ErrorKind::input:
        throw InputError(message);
      case ErrorKind::resource:
        throw ResourceError(message);
      default:
        throw WorkerError(message);
    }
  }

  std::string describe_task(Phase phase, std::uint32_t task) const {
    if (phase == Phase::map) {
      return "map task " + std::to_string(task + 1) + " of " + std::to_string(map_tasks_) + " (" +
             input_.describe(task) + ")";
    }
    return "reduce task " + std::to_string(task + 1) + " of " + std::to_string(partitions_) + " (partition " +
           std::to_string(task) + ")";
  }

  // In the worker: serve phases until told to quit.
  void serve(unsigned index, int channel) {
    WorkerSlot& slot = control_.slot(index);
    for (;;) {
      const char command = WorkerPool::receive_command(channel);
      if (command == WorkerPool::kCommandQuit) return;
      try {
        if (command == kCommandMap) {
          map_phase(index, slot);
        } else {
          reduce_phase(index, slot);
        }
        slot.phase = Phase::idle;
        WorkerPool::send_reply(channel, WorkerPool::kReplyDone);
        continue;
      } catch (const UserCodeError& e) {
        report(slot, ErrorKind::user_code, e.what());
      } catch (const ReduceFailure& failure) {
        report(slot, ErrorKind::user_code, describe(failure));
      } catch (const InputError& e) {
        report(slot, ErrorKind::input, e.what());
      } catch (const ResourceError& e) {
        report(slot, ErrorKind::resource,
               std::string(e.what()) + " (in " + describe_task(slot.phase, slot.task) + ")");
      } catch (const std::bad_alloc&) {
        report(slot, ErrorKind::resource, "out of memory during " + describe_task(slot.phase, slot.task));
      } catch (...) {
        report(slot, ErrorKind::other, current_exception_message());
      }
      WorkerPool::send_reply(channel, WorkerPool::kReplyError);
    }
  }

  static void report(WorkerSlot& slot, ErrorKind kind, const std::string& message) {
    slot.error_kind = kind;
    slot.error_length = static_cast<std::uint32_t>(std::min(message.size(), kErrorCapacity));
    std::memcpy(slot.error, message.data(), slot.error_length);
  }

  // The next task of the phase for the worker in slot `index`, claimed and
  // recorded in its slot; nullopt when none is left.
  std::optional<std::uint32_t> next_task(Phase phase, unsigned index, WorkerSlot& slot) {
    const auto inject = [&](std::uint32_t task, bool claimed) {
      if (fault_.phase == phase && fault_.claimed == claimed && fault_.task == task && control_.fire_fault())
        ::raise(SIGKILL);
    };
    const std::optional<std::uint32_t> task = control_.claim_task(
        phase, task_count(phase), index, [&](std::uint32_t taken) { inject(taken, false); });
    if (!task) return std::nullopt;
    inject(*task, true);
    slot.task = *task;
    slot.task_started_ns = monotonic_ns();
    return task;
  }

  void map_phase(unsigned index, WorkerSlot& slot) {
    slot.phase = Phase::map;
    MapOutput mapped(partitions_);
    std::vector<std::string_view> pieces(partitions_ + 1);
    SharedArena& arena = map_arenas_[index];
    arena.resume_at(slot.map_bytes);
    while (const auto task = next_task(Phase::map, index, slot)) {
      mapped.clear();
      const Counters before = counters_;
      const std::uint64_t bytes = input_.map(job_, *task, mapped);
      count_map_task(counters_, mapped, bytes, job_.has_combiner());
      const std::string counted = counters_.since(before).serialize();
      // The partitions, then what the task counted.
      for (std::size_t p = 0; p < partitions_; ++p) pieces[p] = mapped.partition(p);
      pieces[partitions_] = counted;
      std::uint64_t offset = arena.append(pieces);
      std::uint64_t* bounds = control_.partition_bounds(*task);
      for (std::size_t p = 0; p <= partitions_; ++p) {
        bounds[p] = offset;
        offset += pieces[p].size();
      }
      bounds[partitions_ + 1] = offset;
      control_.map_worker(*task) = index;
      slot.map_bytes = arena.size();
      control_.finish_task(Phase::map, *task);
      slot.task_started_ns = 0;
    }
  }

  void reduce_phase(unsigned index, WorkerSlot& slot) {
    slot.phase = Phase::reduce;
    std::vector<MappedRegion> map_outputs;
    map_outputs.reserve(workers_);
    for (unsigned w = 0; w < workers_; ++w)
      map_outputs.push_back(map_arenas_[w].map(control_.slot(w).map_bytes));
    std::vector<std::string_view> sections(map_tasks_);
    ReduceOutput reduced;
    SharedArena& arena = reduce_arenas_[index];
    arena.resume_at(slot.reduce_bytes);
    while (const auto partition = next_task(Phase::reduce, index, slot)) {
      for (std::size_t t = 0; t < map_tasks_; ++t) {
        const std::uint64_t* bounds = control_.partition_bounds(t);
        sections[t] = map_outputs[control_.map_worker(t)].view().substr(
            bounds[*partition], bounds[*partition + 1] - bounds[*partition]);
      }
      reduced.clear();
      const Counters before = counters_;
      reduce_partition(job_, sections, reduced);
      count_reduce_task(counters_, reduced);
      const std::string counted = counters_.since(before).serialize();
      // The reduced records, then what the task counted.
      const std::string_view pieces[2] = {reduced.bytes(), counted};
      const std::uint64_t offset = arena.append(pieces);
      control_.reduced(*partition) = ReducedPartition{index, offset, pieces[0].size(), pieces[1].size()};
      slot.reduce_bytes = arena.size();
      control_.finish_task(Phase::reduce, *partition);
      slot.task_started_ns = 0;
    }
  }

  // In the parent, after every worker replied: sum what the tasks counted and
  // hand on the sorted partitions.
  void merge(Output& out) {
    std::vector<MappedRegion> map_outputs;
    map_outputs.reserve(workers_);
    for (unsigned w = 0; w < workers_; ++w)
      map_outputs.push_back(map_arenas_[w].map(control_.slot(w).map_bytes));
    for (std::size_t t = 0; t < map_tasks_; ++t) {
      const std::uint64_t* bounds = control_.partition_bounds(t);
      counters_.add_serialized(map_outputs[control_.map_worker(t)].view().substr(
          bounds[partitions_], bounds[partitions_ + 1] - bounds[partitions_]));
    }
    map_outputs.clear();
    std::vector<MappedRegion> outputs;
    outputs.reserve(workers_);
    for (unsigned w = 0; w < workers_; ++w)
      outputs.push_back(reduce_arenas_[w].map(control_.slot(w).reduce_bytes));
    std::vector<std::string_view> runs(partitions_);
    for (std::size_t p = 0; p < partitions_; ++p) {
      const ReducedPartition& r = control_.reduced(p);
      runs[p] = outputs[r.worker].view().substr(r.offset, r.length);
      counters_.add_serialized(outputs[r.worker].view().substr(r.offset + r.length, r.counters_length));
    }
    out.write_partitions(runs);
  }

  ErasedJob& job_;
  const InputSet& input_;
  EngineSettings settings_;
  Counters& counters_;  // in a worker, its own copy
  JobClock& clock_;     // parent only
  unsigned workers_;
  std::size_t map_tasks_;
  std::size_t partitions_;
  ControlBlock control_;
  FaultPoint fault_;
  std::vector<SharedArena> map_arenas_;
  std::vector<SharedArena> reduce_arenas_;
  std::vector<unsigned> map_attempts_;     // parent only
  std::vector<unsigned> reduce_attempts_;  // parent only
  unsigned idle_deaths_ = 0;               // parent only
};

}  // namespace

void run_concurrent(ErasedJob& job, const InputSet& input, const EngineSettings& settings, Counters& counters,
                    JobClock& clock, Output& out) {
  ConcurrentJob(job, input, settings, counters, clock).run(out);
}

}  // namespace mapreduce::detail
