#include "output/progress_line.hpp"

#include <cstdio>
#include <string>

#include "base/monotonic_clock.hpp"
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

void ProgressLine::show(std::string_view phase, std::uint64_t done, std::uint64_t total,
                        std::int64_t elapsed_ns, bool force) {
  if (!enabled_) return;
  const std::int64_t now = monotonic_ns();
  if (!force && last_drawn_ns_ != 0 && now - last_drawn_ns_ < kRedrawNs) return;
  last_drawn_ns_ = now;
  const double seconds = double(elapsed_ns) / 1e9;
  std::string line = "\r" + std::string(phase);
  if (phase == "map" && total > 0) {
    const double fraction = double(done) / double(total);
    line += " " + fixed(100 * fraction, 0) + "% of " + fixed(double(total) / 1e6, 1) + " MB";
    if (done > 0 && seconds > 0) {
      line += ", " + fixed(double(done) / 1e6 / seconds, 1) + " MB/s";
      line += ", about " + fixed(seconds * (1 - fraction) / fraction, 0) + " s left";
    }
  } else if (phase == "reduce" && total > 0) {
    line += " " + std::to_string(done) + " of " + std::to_string(total) + " partitions";
  }
  line += "\x1b[K";
  write_to_standard_error(line);
  drawn_ = true;
  set_progress_line_shown(true);
}

void ProgressLine::clear() {
  if (drawn_) write_to_standard_error("\r\x1b[K");
  drawn_ = false;
  set_progress_line_shown(false);
}

}  // namespace mapreduce::detail
