#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mapreduce::detail {

// How far a job is, on standard error: "map 45% of 256.0 MB, 231.4 MB/s,
// about 1 s left", "reduce 3 of 8 partitions", "writing the output", and at
// the end "done: 256.0 MB read in 1.52 s, 168.4 MB/s". MB are 10^6 bytes, as
// dd counts them. Lives in the parent.
//
// On a terminal it is one self-updating line, redrawn at most 5 times a
// second, that ends as the summary; a job that fails or is interrupted
// clears it instead, so that the message starts on a clean line. Elsewhere (a
// file, a pipe, a log) it is plain lines without '\r' or escape codes, as
// Hadoop logs "map 45% reduce 0%": the start and the end of every phase, and
// between them at most one a second.
class ProgressLine {
 public:
  // `enabled`: shown at all; whether standard error is a terminal decides
  // how.
  explicit ProgressLine(bool enabled);
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // `done` of `total` units of `phase` (bytes for "map", partitions for
  // "reduce", none for "output"), `elapsed_ns` into it. `force`: show it even
  // if shown lately (a new phase).
  void show(std::string_view phase, std::uint64_t done, std::uint64_t total, std::int64_t elapsed_ns,
            bool force);
  // Shown after the phase's figures from the next line on, such as
  // "spilling, 120.4 MB on disk"; empty: nothing.
  void set_note(std::string note) { note_ = std::move(note); }
  // The phase is over at `done`: as plain lines, its last state, unless that
  // was the last line.
  void end_phase(std::string_view phase, std::uint64_t done, std::uint64_t total, std::int64_t elapsed_ns);
  // The job succeeded, having read `bytes` of input in `elapsed_ns`: the
  // summary, on a line of its own that stays, "WHAT: ...".
  void finish(std::string_view what, std::uint64_t bytes, std::int64_t elapsed_ns);
  // On a terminal, erases the line (nothing to erase in plain lines).
  void clear();

 private:
  void put(const std::string& text);

  bool enabled_;
  bool terminal_;
  bool drawn_ = false;
  std::int64_t last_shown_ns_ = 0;
  // What the last line showed, so that a phase's end is not shown twice.
  std::string last_phase_;
  std::string note_;
  std::uint64_t last_done_ = 0;
};

}  // namespace mapreduce::detail
