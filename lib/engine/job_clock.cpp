#include "engine/job_clock.hpp"

#include <cstdio>

#include "base/monotonic_clock.hpp"

namespace mapreduce::detail {

JobClock::JobClock(Counters& counters, bool show_progress, const char* step_label)
    : counters_(counters), progress_(show_progress), step_label_(step_label), started_ns_(monotonic_ns()) {}

void JobClock::start_phase(std::string_view phase, std::uint64_t total) {
  const std::int64_t now = monotonic_ns();
  if (!phase_.empty()) {
    counters_(kEngineCounters, phase_ + " phase ms") += (now - phase_started_ns_) / 1'000'000;
    // A phase ends only when all its work is done (a failure throws).
    progress_.end_phase(phase_, total_, total_, now - phase_started_ns_);
  }
  if (phase == "map") bytes_read_ += total;
  phase_ = phase;
  progress_.set_note({});
  phase_started_ns_ = now;
  total_ = total;
  done_ = 0;
  if (!phase_.empty()) progress_.show(phase_, done_, total_, 0, true);
}

void JobClock::set_done(std::uint64_t done) {
  done_ = done;
  progress_.show(phase_, done_, total_, monotonic_ns() - phase_started_ns_, false);
}

std::string JobClock::spill_note(std::string_view phase, std::uint64_t bytes) {
  if (bytes == 0) return {};
  char megabytes[32];
  std::snprintf(megabytes, sizeof megabytes, "%.1f", double(bytes) / 1e6);
  return std::string(phase == "map" ? "spilling, " : "merging, ") + megabytes + " MB spilled to disk";
}

void JobClock::finish() {
  start_phase("", 0);
  progress_.finish(step_label_ != nullptr ? std::string(step_label_) + " done" : "done", bytes_read_,
                   monotonic_ns() - started_ns_);
}

}  // namespace mapreduce::detail
