#pragma once

#include <cstdint>
#include <string_view>

namespace mapreduce::detail {

// One self-updating line on standard error showing how far a phase is: "map
// 45% of 256.0 MB, 231.4 MB/s, about 1 s left", "reduce 3 of 8 partitions".
// Redrawn at most 5 times a second; cleared by clear() and on destruction, so
// that messages start on a clean line. Lives in the parent.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // `done` of `total` units of `phase` (bytes for "map", partitions for
  // "reduce"), `elapsed_ns` into it. `force`: draw even if drawn lately (a
  // new phase).
  void show(std::string_view phase, std::uint64_t done, std::uint64_t total, std::int64_t elapsed_ns,
            bool force);
  void clear();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::int64_t last_drawn_ns_ = 0;
};

}  // namespace mapreduce::detail
