#include "engine/job_clock.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "base/stderr_writer.hpp"
#include "ipc/interruption.hpp"

namespace mapreduce::detail {
namespace {

constexpr std::int64_t kRedrawNs = 200'000'000;

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

std::int64_t monotonic_ns() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

JobClock::JobClock(Counters& counters, bool show_progress)
    : counters_(counters), show_progress_(show_progress) {}

JobClock::~JobClock() {
  if (drawn_) write_to_standard_error("\r\x1b[K");
  set_progress_line_shown(false);
}

void JobClock::start_phase(std::string_view phase, std::uint64_t total) {
  const std::int64_t now = monotonic_ns();
  if (!phase_.empty())
    counters_(kEngineCounters, phase_ + " phase ms") += (now - phase_started_ns_) / 1'000'000;
  phase_ = phase;
  phase_started_ns_ = now;
  total_ = total;
  done_ = 0;
  last_drawn_ns_ = 0;
  tick();
}

void JobClock::set_done(std::uint64_t done) {
  done_ = done;
  tick();
}

void JobClock::tick() {
  if (!show_progress_) return;
  const std::int64_t now = monotonic_ns();
  if (last_drawn_ns_ != 0 && now - last_drawn_ns_ < kRedrawNs) return;
  last_drawn_ns_ = now;
  draw();
}

void JobClock::draw() {
  const double seconds = double(monotonic_ns() - phase_started_ns_) / 1e9;
  std::string line = "\r" + phase_;
  if (phase_ == "map" && total_ > 0) {
    const double fraction = double(done_) / double(total_);
    line += " " + fixed(100 * fraction, 0) + "% of " + fixed(double(total_) / 1e6, 1) + " MB";
    if (done_ > 0 && seconds > 0) {
      line += ", " + fixed(double(done_) / 1e6 / seconds, 1) + " MB/s";
      line += ", about " + fixed(seconds * (1 - fraction) / fraction, 0) + " s left";
    }
  } else if (phase_ == "reduce" && total_ > 0) {
    line += " " + std::to_string(done_) + " of " + std::to_string(total_) + " partitions";
  }
  line += "\x1b[K";
  write_to_standard_error(line);
  drawn_ = true;
  set_progress_line_shown(true);
}

void JobClock::finish() {
  start_phase("", 0);
  phase_.clear();
  if (drawn_) write_to_standard_error("\r\x1b[K");
  drawn_ = false;
  set_progress_line_shown(false);
}

}  // namespace mapreduce::detail
