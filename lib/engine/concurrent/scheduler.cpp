#include "engine/concurrent/scheduler.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <optional>

#include "base/monotonic_clock.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

std::string seconds_text(double seconds) {
  char text[32];
  return std::string(text, std::to_chars(text, text + sizeof text, seconds).ptr);
}

}  // namespace

void Scheduler::show_progress(Phase phase) {
  std::uint64_t done = 0;
  for (std::size_t t = 0; t < run_.task_count(phase); ++t) {
    if (run_.control.is_mapped(phase, t))
      done += phase == Phase::map ? run_.input.tasks()[t].bytes.size() : 1;
  }
  std::uint64_t spilled = 0;
  for (unsigned w = 0; w < run_.workers; ++w) spilled += run_.control.slot(w).spill_bytes;
  clock_.set_note(JobClock::spill_note(phase == Phase::map ? "map" : "reduce", spilled));
  clock_.set_done(done);
}

void Scheduler::run_phase(Phase phase) {
  const EngineSettings& settings = run_.settings;
  const char command = phase == Phase::map ? ConcurrentRun::kCommandMap : ConcurrentRun::kCommandReduce;
  run_.control.start_phase(phase);
  std::vector<unsigned> pending(run_.workers);
  for (unsigned w = 0; w < run_.workers; ++w) {
    pending[w] = w;
    pool_.send(w, command);
  }
  // The task each worker was killed for overrunning, if it was.
  std::vector<std::optional<std::uint32_t>> overdue(run_.workers);
  int poll_ms = settings.task_timeout > 0 ? std::clamp(int(settings.task_timeout * 250), 1, 100) : -1;
  if (settings.show_progress && (poll_ms < 0 || poll_ms > 200)) poll_ms = 200;
  while (!pending.empty()) {
    const WorkerPool::Event event = pool_.wait(pending, poll_ms);
    const unsigned w = event.worker;
    if (settings.show_progress) show_progress(phase);
    switch (event.kind) {
      case WorkerPool::Event::Kind::timeout:
        // The poll also wakes for the progress line; only a task timeout
        // kills.
        if (settings.task_timeout > 0) kill_overdue(pending, overdue);
        continue;
      case WorkerPool::Event::Kind::reply:
        if (event.reply == WorkerPool::kReplyDone) {
          pending.erase(std::find(pending.begin(), pending.end(), w));
          continue;
        }
        if (!(settings.retry_exceptions && run_.control.slot(w).error_kind == ErrorKind::user_code)) {
          throw_reported_error(w);
        }
        pool_.kill_and_reap(w);
        ++counters_(kEngineCounters, "failed task attempts");
        recover(phase, w, "failed: " + reported_error(w), event.pid, true);
        break;
      case WorkerPool::Event::Kind::death:
        if (event.signal == SIGBUS) run_.input.check_unchanged();
        ++counters_(kEngineCounters, "failed task attempts");
        recover(
            phase, w,
            event.exit_text + (overdue[w] ? " after running a task for over " +
                                                seconds_text(settings.task_timeout) + " s (the task timeout)"
                                          : ""),
            event.pid, false, overdue[w]);
        break;
    }
    overdue[w].reset();
    pool_.replace(w);
    pool_.send(w, command);
  }
  // Every worker found no free task, so every task is done; if one is not,
  // the claims were lost somewhere, and the job must stop rather than go on
  // without a task's output.
  for (std::uint32_t task = 0; task < run_.task_count(phase); ++task) {
    if (!run_.control.is_done(phase, task)) {
      throw WorkerError("internal error: " + run_.describe_task(phase, task) +
                        " was never completed, though every worker finished the phase");
    }
  }
}

// Kills the workers whose task has run past the timeout; their deaths are
// then handled as crashes.
void Scheduler::kill_overdue(const std::vector<unsigned>& pending,
                             std::vector<std::optional<std::uint32_t>>& overdue) {
  const std::int64_t limit = static_cast<std::int64_t>(run_.settings.task_timeout * 1e9);
  const std::int64_t now = monotonic_ns();
  for (unsigned w : pending) {
    const WorkerSlot& slot = run_.control.slot(w);
    // The task, read on both sides of its start time: if they differ, the
    // worker moved on meanwhile, and the next poll looks again.
    const std::uint32_t task = slot.task;
    const std::int64_t started = slot.task_started_ns;
    if (slot.task != task || started == 0 || now - started <= limit || overdue[w]) continue;
    overdue[w] = task;
    pool_.kill(w);
  }
}

// Worker w of this phase is gone: free the task it held for another attempt,
// unless that task has used up its attempts. `what` says how the worker
// ended; `user_code`: user code threw (with retry_exceptions), which is then
// also what the job's error is.
void Scheduler::recover(Phase phase, unsigned w, const std::string& what, pid_t pid, bool user_code,
                        std::optional<std::uint32_t> killed_for) {
  WorkerSlot& slot = run_.control.slot(w);
  // The tasks it mapped into a run are done if it committed the run, and
  // free again, uncharged, if not: they did nothing wrong.
  if (phase == Phase::map) run_.control.settle_mapped_tasks(w);
  // The claim, not what the worker recorded after it, says which task it
  // held: it may have died between the two.
  const std::optional<std::uint32_t> held = run_.control.holding_task(phase, run_.task_count(phase), w);
  slot.phase = Phase::idle;
  slot.task_started_ns = 0;
  // Killed for overrunning a task it finished just before the kill landed:
  // the task it had just claimed did nothing wrong, and is freed uncharged.
  const bool innocent = held && killed_for && *held != *killed_for;
  if (innocent) run_.control.release_task(phase, *held);
  if (!held || innocent) {
    // A worker may also die between tasks; bound how often, or a worker
    // that cannot even start would be replaced for ever.
    if (++idle_deaths_ > run_.settings.max_attempts * run_.workers) {
      throw WorkerError("worker " + std::to_string(w) + " (pid " + std::to_string(pid) + ") " + what +
                        " between tasks; workers died " + std::to_string(idle_deaths_) +
                        " times outside a task");
    }
    return;
  }
  const std::uint32_t task = *held;
  unsigned& attempts = (phase == Phase::map ? map_attempts_ : reduce_attempts_)[task];
  if (++attempts >= run_.settings.max_attempts) {
    if (user_code) {
      throw UserCodeError(run_.describe_task(phase, task) + " failed after " + std::to_string(attempts) +
                          " attempts; the last: " + reported_error(w) + " (in worker " + std::to_string(w) +
                          ")");
    }
    throw WorkerError(run_.describe_task(phase, task) + " failed after " + std::to_string(attempts) +
                      (attempts == 1 ? " attempt" : " attempts") + "; the last: worker " + std::to_string(w) +
                      " (pid " + std::to_string(pid) + ") " + what);
  }
  run_.control.release_task(phase, task);
}

std::string Scheduler::reported_error(unsigned w) {
  const WorkerSlot& slot = run_.control.slot(w);
  return std::string(slot.error, slot.error_length);
}

void Scheduler::throw_reported_error(unsigned w) {
  const std::string message = reported_error(w) + " (in worker " + std::to_string(w) + ")";
  switch (run_.control.slot(w).error_kind) {
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

}  // namespace mapreduce::detail
