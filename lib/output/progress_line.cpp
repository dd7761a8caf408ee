#include "output/progress_line.hpp"

#include <unistd.h>

#include <cstdio>

#include "base/monotonic_clock.hpp"
#include "base/stderr_writer.hpp"
#include "ipc/interruption.hpp"

namespace mapreduce::detail {
namespace {

constexpr std::int64_t kRedrawNs = 200'000'000;
// A line a second is what a log can take for hours.
constexpr std::int64_t kPlainLineNs = 1'000'000'000;
// Throughput and data sizes in MB (10^6 bytes), as dd and Hadoop's logs give
// them; memory sizes elsewhere are MiB.
constexpr double kMegabyte = 1e6;

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// "0.42 s", "12.3 s", "754 s": three significant digits or so.
std::string seconds_text(double seconds) {
  return fixed(seconds, seconds < 10 ? 2 : seconds < 100 ? 1 : 0) + " s";
}

std::string describe(std::string_view phase, std::uint64_t done, std::uint64_t total, std::int64_t elapsed_ns,
                     std::string_view note) {
  const double seconds = double(elapsed_ns) / 1e9;
  if (phase == "output") return "writing the output";
  std::string line(phase);
  if (phase == "map" && total > 0) {
    const double fraction = double(done) / double(total);
    // Appended piece by piece: GCC 12 warns (wrongly) about `" " + text`.
    line.append(" ").append(fixed(100 * fraction, 0)).append("% of ");
    line.append(fixed(double(total) / kMegabyte, 1)).append(" MB");
    if (done > 0 && seconds > 0) {
      line.append(", ").append(fixed(double(done) / kMegabyte / seconds, 1)).append(" MB/s");
      // Under half a second left would read "about 0 s left": say nothing.
      if (const double left = seconds * (1 - fraction) / fraction; done < total && left >= 0.5)
        line.append(", about ").append(fixed(left, 0)).append(" s left");
    }
  } else if (phase == "reduce" && total > 0) {
    line.append(" ")
        .append(std::to_string(done))
        .append(" of ")
        .append(std::to_string(total))
        .append(total == 1 ? " partition" : " partitions");
  }
  if (!note.empty()) line.append(", ").append(note);
  return line;
}

}  // namespace

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled), terminal_(enabled && ::isatty(STDERR_FILENO)) {}

void ProgressLine::put(const std::string& text) {
  if (terminal_) {
    write_to_standard_error("\r" + text + "\x1b[K");
    drawn_ = true;
    set_progress_line_shown(true);
  } else {
    write_to_standard_error(text + "\n");
  }
}

void ProgressLine::show(std::string_view phase, std::uint64_t done, std::uint64_t total,
                        std::int64_t elapsed_ns, bool force) {
  if (!enabled_) return;
  const std::int64_t now = monotonic_ns();
  const std::int64_t interval = terminal_ ? kRedrawNs : kPlainLineNs;
  if (!force && last_shown_ns_ != 0 && now - last_shown_ns_ < interval) return;
  // As plain lines, a state already shown is not shown again.
  if (!terminal_ && !force && phase == last_phase_ && done == last_done_) return;
  last_shown_ns_ = now;
  last_phase_ = phase;
  last_done_ = done;
  put(describe(phase, done, total, elapsed_ns, note_));
}

void ProgressLine::end_phase(std::string_view phase, std::uint64_t done, std::uint64_t total,
                             std::int64_t elapsed_ns) {
  // A terminal's line is redrawn by what comes next; the output phase has
  // nothing to count.
  if (!enabled_ || terminal_ || total == 0) return;
  if (phase == last_phase_ && done == last_done_) return;
  last_shown_ns_ = monotonic_ns();
  last_phase_ = phase;
  last_done_ = done;
  put(describe(phase, done, total, elapsed_ns, note_));
}

void ProgressLine::finish(std::string_view what, std::uint64_t bytes, std::int64_t elapsed_ns) {
  if (!enabled_) return;
  const double seconds = double(elapsed_ns) / 1e9;
  std::string summary(what);
  summary.append(": ");
  summary.append(fixed(double(bytes) / kMegabyte, 1)).append(" MB read in ").append(seconds_text(seconds));
  if (bytes > 0 && seconds > 0)
    summary.append(", ").append(fixed(double(bytes) / kMegabyte / seconds, 1)).append(" MB/s");
  put(summary);
  if (terminal_) write_to_standard_error("\n");
  drawn_ = false;
  set_progress_line_shown(false);
}

void ProgressLine::clear() {
  if (drawn_) write_to_standard_error("\r\x1b[K");
  drawn_ = false;
  set_progress_line_shown(false);
}

}  // namespace mapreduce::detail
