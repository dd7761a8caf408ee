#include "engine/streaming.hpp"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "base/printable.hpp"
#include "base/stderr_writer.hpp"
#include "base/system_error.hpp"
#include "engine/task_runner.hpp"
#include "mapreduce/detail/lines.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

void run_stream_map(ErasedJob& job, const InputSet& input, Counters& counters, Output& out) {
  // Hadoop names the file a streaming task reads through standard input.
  const char* hadoop_file = std::getenv("mapreduce_map_input_file");
  if (hadoop_file == nullptr) hadoop_file = std::getenv("map_input_file");
  const std::string_view path = hadoop_file != nullptr ? hadoop_file : "";
  MapOutput mapped(1);
  std::string text;
  const auto write_mapped = [&] {
    std::string_view key;
    std::string_view value;
    RecordReader reader(mapped.partition(0));
    while (reader.next(key, value)) {
      if (job.map_only()) {
        out.write(value);  // a map-only job's records are its output lines
        continue;
      }
      text.clear();
      job.append_stream_text(key, value, text);
      out.write(text);
    }
    mapped.clear();
  };
  // A job that combines across tasks writes its table when it grows large
  // and at the end, as a worker of the concurrent engine commits its runs:
  // one line per key for the whole input when it fits.
  const bool across = job.combines_across_tasks();
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    run_map_task(job, input, t, mapped, counters, path);
    if (!run_is_full(job)) continue;
    if (across) flush_combined(job, mapped, counters);
    write_mapped();
  }
  if (across) {
    flush_combined(job, mapped, counters);
    write_mapped();
  }
}

namespace {

// The values of the current key, stored once, then viewed for reducer.
class KeyGroup {
 public:
  bool empty() const { return ends_.empty(); }
  const std::string& key() const { return key_; }
  void start(std::string_view key) {
    key_.assign(key);
    bytes_.clear();
    ends_.clear();
  }
  std::string& value_bytes() { return bytes_; }
  void end_value() { ends_.push_back(bytes_.size()); }
  std::span<const std::string_view> values() {
    views_.clear();
    std::size_t begin = 0;
    for (std::size_t end : ends_) {
      views_.emplace_back(bytes_.data() + begin, end - begin);
      begin = end;
    }
    return views_;
  }

 private:
  std::string key_;
  std::string bytes_;
  std::vector<std::size_t> ends_;
  std::vector<std::string_view> views_;
};

}  // namespace

void run_stream_reduce(ErasedJob& job, const InputSet& input, Counters& counters, Output& out) {
  KeyByKeyReduceTask task(job);
  KeyGroup group;
  ReduceOutput reduced;
  std::string key;
  std::string_view record_key;
  std::string_view line;
  auto reduce_group = [&] {
    if (group.empty()) return;
    reduced.clear();
    task.reduce(group.key(), group.values(), reduced, counters);
    RecordReader reader(reduced.bytes());
    while (reader.next(record_key, line)) out.write(line);
  };
  std::uint64_t line_number = 0;
  std::uint32_t file = UINT32_MAX;
  for (std::size_t t = 0; t < input.tasks().size(); ++t) {
    if (input.tasks()[t].file != file) {
      file = input.tasks()[t].file;
      line_number = 0;
    }
    input.read(t, [&](std::string_view text) {
      counters(kEngineCounters, "input bytes") += static_cast<std::int64_t>(text.size());
      for_each_line(text, [&](std::string_view text_line, const char*) {
        ++line_number;
        ++counters(kEngineCounters, "input lines");
        const auto tab = text_line.find('\t');
        const std::string_view key_text = text_line.substr(0, tab);
        const std::string_view value_text =
            tab == std::string_view::npos ? std::string_view() : text_line.substr(tab + 1);
        key.clear();
        std::string value_bytes;
        std::string& values = group.value_bytes();
        const std::size_t value_start = values.size();
        std::string problem = job.parse_stream_text(key_text, value_text, key, values);
        if (!problem.empty()) {
          throw InputError("line " + std::to_string(line_number) + " of " + input.path_of(t) + ": " +
                           problem + " (\"" + printable(text_line, 80) + "\")");
        }
        if (group.empty() || key != group.key()) {
          // The value parsed into the old group's bytes belongs to the new one.
          value_bytes.assign(values, value_start);
          values.resize(value_start);
          reduce_group();
          group.start(key);
          group.value_bytes() = value_bytes;
        }
        group.end_value();
      });
    });
  }
  reduce_group();
  task.finish();
}

namespace {

// Hadoop adds up a counter over every task of the job: a maximum or a time
// of this one process (peak rss KiB, output phase ms) would add up to
// nothing meaningful.
bool adds_up_across_tasks(const std::pair<std::string, std::string>& name) {
  return !(name.first == kEngineCounters &&
           (name.second == kPeakRssCounter || name.second.ends_with(" phase ms")));
}

}  // namespace

void report_counters_to_hadoop(const Counters& counters) {
  std::string text;
  for (const auto& [name, value] : counters.entries()) {
    if (!adds_up_across_tasks(name)) continue;
    // Hadoop splits the line at commas: keep them out of the names.
    auto clean = [](std::string s) {
      for (char& c : s) {
        if (c == ',' || c == '\n') c = ' ';
      }
      return s;
    };
    text += "reporter:counter:" + clean(name.first) + "," + clean(name.second) + "," + std::to_string(value) +
            "\n";
  }
  write_to_standard_error(text);
}

}  // namespace mapreduce::detail
