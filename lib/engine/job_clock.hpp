#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mapreduce/counters.hpp"

namespace mapreduce::detail {

// Times the phases of a job into its counters ("map phase ms", ...) and, when
// asked, shows one self-updating progress line on standard error: the phase,
// how far it is, the speed and the time left. Lives in the parent.
class JobClock {
 public:
  JobClock(Counters& counters, bool show_progress);
  ~JobClock();
  JobClock(const JobClock&) = delete;
  JobClock& operator=(const JobClock&) = delete;

  // Ends the current phase, if any, and starts `phase`, which has `total`
  // units of work (bytes for "map", partitions for "reduce").
  void start_phase(std::string_view phase, std::uint64_t total);
  // Work done in the phase: `units` more, or `done` in all.
  void advance(std::uint64_t units) { set_done(done_ + units); }
  void set_done(std::uint64_t done);
  // Redraws the progress line if it is due (at most 5 times a second).
  void tick();
  // Ends the last phase and clears the progress line.
  void finish();

 private:
  void draw();

  Counters& counters_;
  bool show_progress_;
  std::string phase_;
  std::int64_t phase_started_ns_ = 0;
  std::int64_t last_drawn_ns_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t done_ = 0;
  bool drawn_ = false;
};

// CLOCK_MONOTONIC in nanoseconds.
std::int64_t monotonic_ns();

}  // namespace mapreduce::detail
