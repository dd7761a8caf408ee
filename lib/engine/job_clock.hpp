#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mapreduce/counters.hpp"
#include "output/progress_line.hpp"

namespace mapreduce::detail {

// Times the phases of a job into its counters ("map phase ms", ...) and keeps
// the progress line, when there is one, up to date with how far the current
// phase is. Lives in the parent.
class JobClock {
 public:
  // `step_label`: "step 2 of 3" in a pipeline, for the summary; may be null.
  JobClock(Counters& counters, bool show_progress, const char* step_label = nullptr);
  JobClock(const JobClock&) = delete;
  JobClock& operator=(const JobClock&) = delete;

  // Ends the current phase, if any, and starts `phase`, which has `total`
  // units of work (bytes for "map", partitions for "reduce").
  void start_phase(std::string_view phase, std::uint64_t total);
  // The current phase; empty before the first.
  const std::string& phase() const { return phase_; }
  // Work done in the phase: `units` more, or `done` in all.
  void advance(std::uint64_t units) { set_done(done_ + units); }
  void set_done(std::uint64_t done);
  // What the phase is doing besides, shown on the progress line until the
  // next phase: "spilling, 120.4 MB on disk". Empty: nothing.
  void set_note(std::string note) { progress_.set_note(std::move(note)); }
  // The note for a phase with `bytes` of spilled data on disk, or none.
  static std::string spill_note(std::string_view phase, std::uint64_t bytes);
  // Ends the last phase; the progress line, if any, ends with a summary of
  // the job (the map phase's bytes, the time since the clock was made).
  void finish();

 private:
  Counters& counters_;
  ProgressLine progress_;
  const char* step_label_;
  std::int64_t started_ns_;
  std::uint64_t bytes_read_ = 0;
  std::string phase_;
  std::int64_t phase_started_ns_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t done_ = 0;
};

}  // namespace mapreduce::detail
