#include "input/chunking.hpp"

#include <string.h>

#include <algorithm>
#include <cstring>

#include "mapreduce/detail/record_formats.hpp"

namespace mapreduce::detail {
namespace {

// The place right after the first `terminator` at or after `at`, or the end.
std::size_t after_next(std::string_view text, std::size_t at, char terminator) {
  if (at == 0 || at >= text.size() || text[at - 1] == terminator) return std::min(at, text.size());
  const void* found = std::memchr(text.data() + at, terminator, text.size() - at);
  return found == nullptr ? text.size()
                          : static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) + 1;
}

// The place right after the last `terminator`, or 0.
std::size_t after_last(std::string_view text, char terminator) {
  const void* found = ::memrchr(text.data(), terminator, text.size());
  return found == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) + 1;
}

// The place right after the first `separator` that ends at or after `at`,
// or the end. A separator that cannot overlap itself ends a record wherever
// it occurs, so the search may start anywhere: from `at` - len, which finds
// one ending right at `at` (then `at` is a place to cut already) or one that
// `at` falls inside.
std::size_t after_next_separator(std::string_view text, std::size_t at, std::string_view separator) {
  const std::size_t from = at > separator.size() ? at - separator.size() : 0;
  const char* const end = text.data() + text.size();
  const char* found = find_separator(text.data() + from, end, separator);
  return found == nullptr ? text.size() : static_cast<std::size_t>(found - text.data()) + separator.size();
}

}  // namespace

std::size_t next_record_boundary(std::string_view text, std::size_t at, const RecordFormat& format) {
  const std::size_t size = text.size();
  if (at == 0 || at >= size) return std::min(at, size);
  switch (format.kind) {
    case RecordKind::lines:
      return after_next(text, at, '\n');
    case RecordKind::nul:
      return after_next(text, at, '\0');
    case RecordKind::paragraphs: {
      // Only a place after a '\n' may end a blank line.
      const char* const begin = text.data();
      for (std::size_t p = at;;) {
        if (ends_blank_line(begin, begin + p)) return p;
        const void* newline = std::memchr(begin + p, '\n', size - p);
        if (newline == nullptr) return size;
        p = static_cast<std::size_t>(static_cast<const char*>(newline) - begin) + 1;
        if (p == size) return size;
      }
    }
    case RecordKind::file:
      return size;
    case RecordKind::fixed:
      return std::min(size, (at + format.size - 1) / format.size * format.size);
    case RecordKind::separated:
      return after_next_separator(text, at, format.separator());
  }
  return size;
}

std::size_t last_record_boundary(std::string_view text, const RecordFormat& format) {
  switch (format.kind) {
    case RecordKind::lines:
      return after_last(text, '\n');
    case RecordKind::nul:
      return after_last(text, '\0');
    case RecordKind::paragraphs: {
      const char* const begin = text.data();
      for (std::size_t end = text.size(); end > 0;) {
        const void* newline = ::memrchr(begin, '\n', end);
        if (newline == nullptr) return 0;
        const auto p = static_cast<std::size_t>(static_cast<const char*>(newline) - begin) + 1;
        if (ends_blank_line(begin, begin + p)) return p;
        end = p - 1;
      }
      return 0;
    }
    case RecordKind::file:
      return 0;
    case RecordKind::fixed:
      return text.size() / format.size * format.size;
    case RecordKind::separated: {
      const std::size_t found = text.rfind(format.separator());
      return found == std::string_view::npos ? 0 : found + format.size;
    }
  }
  return 0;
}

std::vector<std::string_view> record_aligned_ranges(std::string_view text, std::size_t count,
                                                    const RecordFormat& format,
                                                    const std::function<void()>& after_each_cut) {
  if (count == 0) count = 1;
  std::vector<std::string_view> ranges;
  ranges.reserve(count);
  const std::size_t size = text.size();
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= count; ++i) {
    std::size_t end = i == count ? size : size / count * i + size % count * i / count;
    end = next_record_boundary(text, std::max(end, begin), format);
    if (after_each_cut) after_each_cut();
    ranges.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return ranges;
}

std::vector<std::string_view> line_aligned_ranges(std::string_view text, std::size_t count) {
  return record_aligned_ranges(text, count, RecordFormat::lines());
}

std::size_t map_task_size(std::uint64_t total_bytes) {
  constexpr std::uint64_t kSpreadTasks = 64;
  constexpr std::uint64_t kMinTaskBytes = 512;
  constexpr std::uint64_t kMaxTaskBytes = std::uint64_t(4) << 20;
  constexpr std::uint64_t kMaxTasks = 4096;
  const std::uint64_t spread = std::clamp(total_bytes / kSpreadTasks, kMinTaskBytes, kMaxTaskBytes);
  const std::uint64_t bounded = (total_bytes + kMaxTasks - 1) / kMaxTasks;
  return static_cast<std::size_t>(std::max(spread, bounded));
}

std::size_t map_task_count(std::size_t bytes, std::size_t task_size) {
  const std::size_t tasks = (bytes + task_size - 1) / task_size;
  return tasks == 0 ? 1 : tasks;
}

}  // namespace mapreduce::detail
