#pragma once

#include <unistd.h>

#include <string_view>

namespace mapreduce::detail {

// Writes `text` to standard error with write(2), around any stdio buffering,
// as reports that must not interleave with the job's output (progress,
// counters) need. Best effort: a closed or full stderr is ignored.
inline void write_to_standard_error(std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, text.data(), text.size());
    if (written <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace mapreduce::detail
