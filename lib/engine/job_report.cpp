#include "engine/job_report.hpp"

#include <sys/resource.h>

#include "base/stderr_writer.hpp"
#include "engine/streaming.hpp"

namespace mapreduce::detail {

std::int64_t peak_rss_kib() {
  rusage self{};
  rusage children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  return self.ru_maxrss > children.ru_maxrss ? self.ru_maxrss : children.ru_maxrss;
}

void count_job(Counters& counters, const InputSet& input) {
  counters(kEngineCounters, "input files") = static_cast<std::int64_t>(input.file_count());
  counters(kEngineCounters, "map tasks") = static_cast<std::int64_t>(input.tasks().size());
  // Shown only when there were some, as a hint that --recursive was meant.
  if (input.skipped_subdirectories() != 0) {
    counters(kEngineCounters, "skipped subdirectories") =
        static_cast<std::int64_t>(input.skipped_subdirectories());
  }
  counters(kEngineCounters, kPeakRssCounter) = peak_rss_kib();
}

void print_counters(const Counters& counters, const char* step_label) {
  std::string text = step_label != nullptr ? std::string("counters of ") + step_label + ":\n" : "counters:\n";
  std::string_view group;
  for (const auto& [name, value] : counters.entries()) {
    if (name.first != group) {
      group = name.first;
      text += "  " + name.first + "\n";
    }
    text += "    " + name.second + "=" + std::to_string(value) + "\n";
  }
  write_to_standard_error(text);
}

}  // namespace mapreduce::detail
