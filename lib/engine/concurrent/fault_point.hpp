#pragma once

#include <atomic>
#include <cstdint>

#include "ipc/control_block.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {

// A test hook: MAPREDUCE_TEST_FAULT=PHASE-POINT:TASK (PHASE map or reduce,
// POINT taken or claimed, for map also mapped, committed or spilling, for
// reduce also merging and output; TASK 0-based) makes the first worker that reaches
// that point for that task kill itself with SIGKILL, once per job. "taken":
// the shared counter handed the worker the task number, which it has not
// claimed yet; "claimed": it holds the claim but has recorded nothing else;
// "mapped": the task is mapped into a run not yet committed; "committed":
// its run is committed, but the task not yet marked done; "spilling": a
// spilled run of the task has written its first bytes to the worker's
// spill file, not all of them (with a memory limit); "merging": a merge
// pass or a hot key of the partition has written its first bytes to the
// worker's scratch file, its reducer has not finished; "output" (reduce
// only; TASK is the worker's number): the worker has merged its part of the
// output, not yet committed it. These are the
// instants a debugger would otherwise be needed to hit.
struct FaultPoint {
  enum class Point { taken, claimed, mapped, committed, spilling, merging, output };
  Phase phase = Phase::idle;  // idle: no fault
  Point point = Point::taken;
  std::uint32_t task = 0;

  // Read in the parent, before the fork. Throws UsageError for a malformed
  // value.
  static FaultPoint from_environment();

  // In a worker: dies here if this is the fault's point, the first time.
  void strike_if_due(ControlBlock& control, Phase at_phase, std::uint32_t at_task, Point at_point) const;
};

// While it lives, `file`'s appends strike `fault` at `point` of `phase`
// for the task that `task` holds then (the worker slot's current task), so
// that a worker dies part way through writing a spilled run or a merge
// pass. Does nothing unless that is the fault's point.
class FaultOnAppend {
 public:
  FaultOnAppend(const FaultPoint& fault, ControlBlock& control, SpillFile& file, Phase phase,
                FaultPoint::Point point, const std::atomic<std::uint32_t>& task);
  ~FaultOnAppend();
  FaultOnAppend(const FaultOnAppend&) = delete;
  FaultOnAppend& operator=(const FaultOnAppend&) = delete;

 private:
  SpillFile* armed_ = nullptr;
};

}  // namespace mapreduce::detail
