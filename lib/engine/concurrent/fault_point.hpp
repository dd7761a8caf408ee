#pragma once

#include <cstdint>

#include "ipc/control_block.hpp"

namespace mapreduce::detail {

// A test hook: MAPREDUCE_TEST_FAULT=PHASE-POINT:TASK (PHASE map or reduce,
// POINT taken or claimed, and for map also mapped or committed; TASK
// 0-based) makes the first worker that reaches that point for that task kill
// itself with SIGKILL, once per job. "taken": the shared counter handed the
// worker the task number, which it has not claimed yet; "claimed": it holds
// the claim but has recorded nothing else; "mapped": the task is mapped into
// a run not yet committed; "committed": its run is committed, but the task
// not yet marked done. These are the instants a debugger would otherwise be
// needed to hit.
struct FaultPoint {
  enum class Point { taken, claimed, mapped, committed };
  Phase phase = Phase::idle;  // idle: no fault
  Point point = Point::taken;
  std::uint32_t task = 0;

  // Read in the parent, before the fork. Throws UsageError for a malformed
  // value.
  static FaultPoint from_environment();

  // In a worker: dies here if this is the fault's point, the first time.
  void strike_if_due(ControlBlock& control, Phase at_phase, std::uint32_t at_task, Point at_point) const;
};

}  // namespace mapreduce::detail
