#include "spill/map_spill.hpp"

#include <algorithm>
#include <cstring>

#include "mapreduce/detail/order_prefix.hpp"

namespace mapreduce::detail {

std::string_view record_at(const char* record) { return {record, read_record_header(record).size()}; }

namespace {

// A record and the first 8 bytes of its key (big-endian, so that integer
// order is byte order), sorted by.
struct SortEntry {
  std::uint64_t prefix;
  const char* record;
};

// The records of `records` in key order: by prefix, then by the whole key,
// then by position, so that the order is stable without std::stable_sort's
// buffer. 16 bytes per record.
std::vector<SortEntry> sorted_entries(std::string_view records) {
  std::vector<SortEntry> entries;
  const char* const end = records.data() + records.size();
  for (const char* at = records.data(); at < end;) {
    const RecordFields fields = read_record_header(at);
    entries.push_back(SortEntry{order_prefix(std::string_view(at + fields.header, fields.first)), at});
    at += fields.size();
  }
  std::sort(entries.begin(), entries.end(), [](const SortEntry& a, const SortEntry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    const std::string_view a_key = record_key_at(a.record);
    const std::string_view b_key = record_key_at(b.record);
    if (a_key.size() > 8 || b_key.size() > 8 || a_key.size() != b_key.size()) {
      const int order = a_key.compare(b_key);
      if (order != 0) return order < 0;
    }
    return a.record < b.record;
  });
  return entries;
}

}  // namespace

std::vector<const char*> records_by_key(std::string_view records) {
  const std::vector<SortEntry> entries = sorted_entries(records);
  std::vector<const char*> sorted;
  sorted.reserve(entries.size());
  for (const SortEntry& entry : entries) sorted.push_back(entry.record);
  return sorted;
}

void MapRunSpiller::spill(MapOutput& out) {
  SpillWriter writer(file_);
  std::uint64_t end = file_.size();
  for (std::size_t p = 0; p < extents_.size(); ++p) {
    const std::string_view records = out.partition(p);
    if (records.empty()) continue;
    for (const SortEntry& entry : sorted_entries(records)) writer.add(record_at(entry.record));
    writer.finish();
    const std::uint64_t start = end;
    end = file_.size();
    extents_[p].push_back(SpillExtent{start, end - start});
  }
  spilled_bytes_ += out.bytes();
  ++runs_;
  out.drop_records();
}

void MapRunSpiller::reset() {
  for (auto& extents : extents_) extents.clear();
  runs_ = 0;
  spilled_bytes_ = 0;
}

std::vector<SpillExtent> spill_extents(std::string_view index) {
  std::vector<SpillExtent> extents(index.size() / sizeof(SpillExtent));
  if (!extents.empty()) std::memcpy(extents.data(), index.data(), extents.size() * sizeof(SpillExtent));
  return extents;
}

}  // namespace mapreduce::detail
