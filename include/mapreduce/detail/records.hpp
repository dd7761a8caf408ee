#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mapreduce/detail/byte_buffer.hpp"
#include "mapreduce/detail/hash.hpp"
#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce::detail {

// The one record layout the engine stores, in memory, in shared memory and
// in spill files:
//   [first length][second length][first bytes][second bytes]
// where a length below 255 is one byte, and any other is the byte 255
// followed by the length as 4 bytes (host order) once both length bytes
// have been written: a word and a count take 2 bytes of header, not 8. A
// map record holds (key, value); a reduce record holds (key, output line).
constexpr std::size_t kMinRecordHeader = 2;
constexpr std::size_t kMaxRecordHeader = 10;
constexpr unsigned char kLongLength = 255;

// The header's size for fields of these lengths.
constexpr std::size_t record_header_size(std::size_t first, std::size_t second) {
  return kMinRecordHeader + (first >= kLongLength ? 4 : 0) + (second >= kLongLength ? 4 : 0);
}

// The header's size, from its first kMinRecordHeader bytes at `at`.
inline std::size_t record_header_size_at(const char* at) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(at);
  return kMinRecordHeader + (bytes[0] == kLongLength ? 4 : 0) + (bytes[1] == kLongLength ? 4 : 0);
}

// Writes the header of a record with fields of these lengths (each below
// 2^32) at `out`, which has room for record_header_size(first, second)
// bytes, and returns where the first field's bytes go.
inline char* write_record_header(char* out, std::size_t first, std::size_t second) {
  const bool long_first = first >= kLongLength;
  const bool long_second = second >= kLongLength;
  out[0] = static_cast<char>(long_first ? kLongLength : first);
  out[1] = static_cast<char>(long_second ? kLongLength : second);
  out += kMinRecordHeader;
  if (long_first) [[unlikely]] {
    const auto length = static_cast<std::uint32_t>(first);
    std::memcpy(out, &length, 4);
    out += 4;
  }
  if (long_second) [[unlikely]] {
    const auto length = static_cast<std::uint32_t>(second);
    std::memcpy(out, &length, 4);
    out += 4;
  }
  return out;
}

// The parts of the record that starts at a header.
struct RecordFields {
  std::size_t header;
  std::size_t first;
  std::size_t second;
  std::size_t size() const { return header + first + second; }
};

// Reads the header at `at` (the whole header is there).
inline RecordFields read_record_header(const char* at) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(at);
  RecordFields fields{kMinRecordHeader, bytes[0], bytes[1]};
  if (fields.first == kLongLength) [[unlikely]] {
    std::uint32_t length;
    std::memcpy(&length, at + fields.header, 4);
    fields.first = length;
    fields.header += 4;
  }
  if (fields.second == kLongLength) [[unlikely]] {
    std::uint32_t length;
    std::memcpy(&length, at + fields.header, 4);
    fields.second = length;
    fields.header += 4;
  }
  return fields;
}

// The first field (a key) of the record that starts at `at`.
inline std::string_view record_key_at(const char* at) {
  const RecordFields fields = read_record_header(at);
  return {at + fields.header, fields.first};
}

// Appends a record header for the given lengths and returns where the first
// field's bytes go (the second follows right after).
inline char* append_record(ByteBuffer& buffer, std::size_t first, std::size_t second) {
  if ((first | second) > UINT32_MAX) [[unlikely]] {
    throw std::length_error("a key or value of " + std::to_string(first > second ? first : second) +
                            " bytes is over the 4 GiB limit");
  }
  char* out = buffer.extend(record_header_size(first, second) + first + second);
  return write_record_header(out, first, second);
}

// Walks the records of a byte range laid out by append_record.
class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bool next(std::string_view& first, std::string_view& second) {
    if (p_ >= end_) return false;
    const RecordFields fields = read_record_header(p_);
    first = std::string_view(p_ + fields.header, fields.first);
    second = std::string_view(p_ + fields.header + fields.first, fields.second);
    p_ += fields.size();
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

class MapOutput;

// Where a MapOutput's records go when they outgrow the memory they may hold
// (the engine's spill to disk): spill() writes them out and empties the
// partitions (MapOutput::drop_records), keeping the counts.
class MapSpill {
 public:
  virtual void spill(MapOutput& out) = 0;

 protected:
  ~MapSpill() = default;
};

// What one map task produces: its intermediate (key, value) records, already
// split into hash partitions. Owned by the process running the task.
class MapOutput {
 public:
  // What a record held costs besides its bytes, at most, in the memory it
  // is charged against: the sort's entry when the records spill, a value's
  // view when reduce groups them (records of a few bytes cost more there
  // than their bytes).
  static constexpr std::size_t kRecordCost = 16;

  explicit MapOutput(std::size_t partitions) : partitions_(partitions == 0 ? 1 : partitions) {}

  std::size_t partition_count() const { return partitions_.size(); }
  // The default partition of an encoded key (hash_partition).
  std::size_t partition_of(std::string_view key) const { return partition_of_hash(hash_bytes(key)); }

  // The default partition of a key with this hash_bytes.
  std::size_t partition_of_hash(std::uint64_t hash) const {
    return partitions_.size() == 1 ? 0 : hash_partition(hash, partitions_.size());
  }
  // Makes room for `bytes` more in `partition` at once, unless they would
  // take the records held past the spill limit.
  void reserve(std::size_t partition, std::size_t bytes) {
    if (cost_ <= spill_past_ && bytes <= spill_past_ - cost_) partitions_[partition].reserve(bytes);
  }

  // Room in `partition` for a record with an encoded key and a value of
  // value_size bytes; the value's bytes go at the returned pointer.
  char* add_key(std::size_t partition, std::string_view key, std::size_t value_size) {
    // Checked before a record rather than after, when its value is still to
    // be written: the records stored stay under the limit plus one record.
    if (cost_ > spill_past_) [[unlikely]]
      spill_->spill(*this);
    const std::size_t size = record_header_size(key.size(), value_size) + key.size() + value_size;
    bytes_ += size;
    cost_ += size + kRecordCost;
    char* out = append_record(partitions_[partition], key.size(), value_size);
    if (!key.empty()) std::memcpy(out, key.data(), key.size());
    ++records_;
    return out + key.size();
  }

  std::string_view partition(std::size_t p) const { return partitions_[p].view(); }
  // Records stored (after the combiner, if any), the spilled ones included.
  std::uint64_t record_count() const { return records_; }
  // The bytes of the records held, in all partitions.
  std::size_t bytes() const { return bytes_; }
  // What the records held cost in memory: their bytes and kRecordCost each.
  std::size_t cost() const { return cost_; }

  // Once the records held cost more than `bytes` (cost()), the next add_key
  // first hands them to `spill`; none: never (the default).
  void spill_past(std::size_t bytes, MapSpill* spill) {
    spill_past_ = spill == nullptr ? SIZE_MAX : bytes;
    spill_ = spill;
  }
  // The records are stored elsewhere now: empties the partitions, keeping
  // what was counted and the buffers' memory.
  void drop_records() {
    for (auto& partition : partitions_) partition.clear();
    bytes_ = 0;
    cost_ = 0;
  }

  // What the task saw and made, for the engine's counters: lines read and
  // pairs emitted by mapper (before the combiner).
  void count_line() { ++lines_; }
  void count_emitted() { ++emitted_; }
  std::uint64_t line_count() const { return lines_; }
  std::uint64_t emitted_count() const { return emitted_; }

  void clear() {
    drop_records();
    records_ = 0;
    lines_ = 0;
    emitted_ = 0;
  }

 private:
  std::vector<ByteBuffer> partitions_;
  std::size_t bytes_ = 0;
  std::size_t cost_ = 0;
  std::size_t spill_past_ = SIZE_MAX;
  MapSpill* spill_ = nullptr;
  std::uint64_t records_ = 0;
  std::uint64_t lines_ = 0;
  std::uint64_t emitted_ = 0;
};

class ReduceOutput;

// Where a ReduceOutput's records go when they outgrow the memory they may
// hold: spill() appends them to a file (they are in key order already) and
// empties the buffer (ReduceOutput::drop_records), keeping the counts.
class ReduceSpill {
 public:
  virtual void spill(ReduceOutput& out) = 0;

 protected:
  ~ReduceSpill() = default;
};

// What reducing one partition produces: (key, formatted output line) records
// in ascending key order, a key's records in the order they were written.
class ReduceOutput {
 public:
  // One more key reduced (it may have written any number of records).
  void count_key() { ++keys_; }
  std::uint64_t key_count() const { return keys_; }

  void add(std::string_view key, std::string_view line) {
    if (buffer_.size() > spill_past_) [[unlikely]]
      spill_->spill(*this);
    char* out = append_record(buffer_, key.size(), line.size());
    if (!key.empty()) std::memcpy(out, key.data(), key.size());
    if (!line.empty()) std::memcpy(out + key.size(), line.data(), line.size());
    ++records_;
  }
  // The records held (those not spilled).
  std::string_view bytes() const { return buffer_.view(); }
  // Records added since the last clear(), the spilled ones included.
  std::uint64_t record_count() const { return records_; }
  void clear() {
    buffer_.clear();
    records_ = 0;
    keys_ = 0;
  }

  // Once the records held pass `bytes`, the next add first hands them to
  // `spill`; none: never (the default).
  void spill_past(std::size_t bytes, ReduceSpill* spill) {
    spill_past_ = spill == nullptr ? SIZE_MAX : bytes;
    spill_ = spill;
  }
  // The records are stored elsewhere now: empties the buffer, keeping what
  // was counted and its memory.
  void drop_records() { buffer_.clear(); }

 private:
  ByteBuffer buffer_;
  std::size_t spill_past_ = SIZE_MAX;
  ReduceSpill* spill_ = nullptr;
  std::uint64_t records_ = 0;
  std::uint64_t keys_ = 0;
};

}  // namespace mapreduce::detail
