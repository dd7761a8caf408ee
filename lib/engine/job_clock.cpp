#include "engine/job_clock.hpp"

#include "base/monotonic_clock.hpp"

namespace mapreduce::detail {

void JobClock::start_phase(std::string_view phase, std::uint64_t total) {
  const std::int64_t now = monotonic_ns();
  if (!phase_.empty())
    counters_(kEngineCounters, phase_ + " phase ms") += (now - phase_started_ns_) / 1'000'000;
  phase_ = phase;
  phase_started_ns_ = now;
  total_ = total;
  done_ = 0;
  if (!phase_.empty()) progress_.show(phase_, done_, total_, 0, true);
}

void JobClock::set_done(std::uint64_t done) {
  done_ = done;
  progress_.show(phase_, done_, total_, monotonic_ns() - phase_started_ns_, false);
}

void JobClock::finish() {
  start_phase("", 0);
  progress_.clear();
}

}  // namespace mapreduce::detail
