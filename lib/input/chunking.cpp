#include "input/chunking.hpp"

#include <algorithm>
#include <cstring>

namespace mapreduce::detail {

std::vector<std::string_view> line_aligned_ranges(std::string_view text, std::size_t count) {
  if (count == 0) count = 1;
  std::vector<std::string_view> ranges;
  ranges.reserve(count);
  const std::size_t size = text.size();
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= count; ++i) {
    std::size_t end = i == count ? size : size / count * i + size % count * i / count;
    if (end < begin) end = begin;
    if (end > 0 && end < size && text[end - 1] != '\n') {
      const void* newline = std::memchr(text.data() + end, '\n', size - end);
      end = newline == nullptr
                ? size
                : static_cast<std::size_t>(static_cast<const char*>(newline) - text.data()) + 1;
    }
    ranges.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return ranges;
}

std::size_t map_task_count(std::size_t bytes) {
  constexpr std::size_t kMinTaskBytes = std::size_t(1) << 20;
  constexpr std::size_t kMaxTaskBytes = std::size_t(64) << 20;
  constexpr std::size_t kUsualTasks = 16;
  const std::size_t small_tasks = (bytes + kMinTaskBytes - 1) / kMinTaskBytes;
  const std::size_t large_tasks = (bytes + kMaxTaskBytes - 1) / kMaxTaskBytes;
  const std::size_t tasks = std::max(large_tasks, std::min(kUsualTasks, small_tasks));
  return tasks == 0 ? 1 : tasks;
}

}  // namespace mapreduce::detail
