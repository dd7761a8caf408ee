#include "output/key_range_merge.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "mapreduce/detail/merge_tree.hpp"
#include "mapreduce/detail/records.hpp"

namespace mapreduce::detail {
namespace {

// Where the record after the one at `at` starts.
const char* after(const char* at) { return at + read_record_header(at).size(); }

// The key of record `index` of `run`, which has more records than that.
std::string_view key_of_record(std::string_view run, std::size_t index) {
  const char* at = run.data();
  for (std::size_t i = 0; i < index; ++i) at = after(at);
  return record_key_at(at);
}

std::size_t record_count(std::string_view run) {
  std::size_t count = 0;
  for (const char* at = run.data(); at < run.data() + run.size(); at = after(at)) ++count;
  return count;
}

// The records of `run` from the first whose key is not below `key` (or from
// the start).
std::string_view from_key(std::string_view run, const std::optional<std::string_view>& key) {
  if (!key) return run;
  const char* at = run.data();
  const char* const end = run.data() + run.size();
  while (at < end && record_key_at(at) < *key) at = after(at);
  return {at, static_cast<std::size_t>(end - at)};
}

}  // namespace

void merge_key_range(std::span<const std::string_view> partitions, std::size_t part, std::size_t parts,
                     const std::function<void(std::string_view lines)>& write, std::size_t chunk_bytes) {
  std::size_t sample = 0;
  for (std::size_t p = 1; p < partitions.size(); ++p) {
    if (partitions[p].size() > partitions[sample].size()) sample = p;
  }
  if (partitions.empty() || partitions[sample].empty()) return;
  // The range is [low, high): split j is the key of the sample's record
  // j * records / parts, for 0 < j < parts.
  const std::size_t records = record_count(partitions[sample]);
  const auto split = [&](std::size_t j) -> std::optional<std::string_view> {
    if (j == 0 || j >= parts) return std::nullopt;
    return key_of_record(partitions[sample], j * records / parts);
  };
  const std::optional<std::string_view> low = split(part);
  const std::optional<std::string_view> high = split(part + 1);
  if (low && high && !(*low < *high)) return;
  std::vector<std::string_view> pieces(partitions.size());
  std::size_t bytes = 0;
  for (std::size_t p = 0; p < partitions.size(); ++p) {
    const std::string_view tail = from_key(partitions[p], low);
    const std::string_view beyond = high ? from_key(tail, high) : std::string_view();
    pieces[p] = tail.substr(0, tail.size() - beyond.size());
    bytes += pieces[p].size();
  }
  // One chunk's memory, written again and again (a buffer of the whole
  // part would be fresh pages for the kernel to zero, then copied once more).
  std::string chunk;
  chunk.reserve(std::min(bytes, chunk_bytes) + 1);
  for_each_merged_record(pieces, [&](std::size_t, std::string_view, std::string_view line) {
    chunk.append(line);
    if (chunk.size() >= chunk_bytes) {
      write(chunk);
      chunk.clear();
    }
  });
  if (!chunk.empty()) write(chunk);
}

}  // namespace mapreduce::detail
