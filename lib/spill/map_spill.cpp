#include "spill/map_spill.hpp"

#include <algorithm>
#include <cstring>

#include "mapreduce/detail/combine_table.hpp"

namespace mapreduce::detail {

namespace {

// The key and whole bytes of the record at `record`.
std::string_view key_at(const char* record) {
  std::uint32_t lengths[2];
  std::memcpy(lengths, record, sizeof lengths);
  return {record + kRecordHeader, lengths[0]};
}

}  // namespace

std::string_view record_at(const char* record) {
  std::uint32_t lengths[2];
  std::memcpy(lengths, record, sizeof lengths);
  return {record, kRecordHeader + std::size_t(lengths[0]) + lengths[1]};
}

std::vector<const char*> records_by_key(std::string_view records) {
  // Sorted by each key's first 8 bytes (big-endian, so integer order is byte
  // order), then by the whole key, then by position: the order stays stable
  // without std::stable_sort's buffer.
  struct Entry {
    std::uint64_t prefix;
    const char* record;
  };
  std::vector<Entry> entries;
  RecordReader reader(records);
  std::string_view key;
  std::string_view value;
  while (reader.next(key, value)) entries.push_back(Entry{order_prefix(key), key.data() - kRecordHeader});
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    const std::string_view a_key = key_at(a.record);
    const std::string_view b_key = key_at(b.record);
    if (a_key.size() > 8 || b_key.size() > 8 || a_key.size() != b_key.size()) {
      const int order = a_key.compare(b_key);
      if (order != 0) return order < 0;
    }
    return a.record < b.record;
  });
  std::vector<const char*> sorted;
  sorted.reserve(entries.size());
  for (const Entry& entry : entries) sorted.push_back(entry.record);
  return sorted;
}

void MapRunSpiller::spill(MapOutput& out) {
  SpillWriter writer(file_);
  std::uint64_t end = file_.size();
  for (std::size_t p = 0; p < extents_.size(); ++p) {
    const std::string_view records = out.partition(p);
    if (records.empty()) continue;
    for (const char* record : records_by_key(records)) writer.add(record_at(record));
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
