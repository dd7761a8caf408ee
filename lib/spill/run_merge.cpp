#include "spill/run_merge.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "mapreduce/detail/merge_tree.hpp"
#include "mapreduce/detail/records.hpp"
#include "mapreduce/error.hpp"
#include "spill/map_spill.hpp"

namespace mapreduce::detail {
namespace {

// Reads one run record by record: a spilled extent through a buffer, or a
// section in memory in key order.
class RunCursor {
 public:
  RunCursor(const MergeInput& input, std::size_t buffer_bytes) : file_(input.file) {
    if (file_ == nullptr) {
      sorted_ = records_by_key(input.section);
    } else {
      next_offset_ = input.extent.offset;
      end_ = input.extent.offset + input.extent.length;
      buffer_.resize(std::max<std::size_t>(buffer_bytes, kMaxRecordHeader));
    }
  }

  // To the next record, or false at the end of the run.
  bool next() {
    const char* at;
    RecordFields fields;
    if (file_ == nullptr) {
      if (next_sorted_ == sorted_.size()) return false;
      at = sorted_[next_sorted_++];
      fields = read_record_header(at);
    } else {
      if (!have(kMinRecordHeader)) return false;
      if (!have(record_header_size_at(buffer_.data() + begin_))) return false;
      fields = read_record_header(buffer_.data() + begin_);
      if (!have(fields.size())) return false;
      at = buffer_.data() + begin_;
    }
    record = std::string_view(at, fields.size());
    key = record.substr(fields.header, fields.first);
    value = record.substr(fields.header + fields.first);
    if (file_ != nullptr) begin_ += record.size();
    return true;
  }

  std::string_view key;
  std::string_view value;
  std::string_view record;

 private:
  // Whether `bytes` bytes from begin_ are in the buffer, after reading more
  // if not; false at the end of the extent (a partial record there is a
  // damaged file).
  bool have(std::size_t bytes) {
    if (filled_ - begin_ >= bytes) return true;
    std::memmove(buffer_.data(), buffer_.data() + begin_, filled_ - begin_);
    filled_ -= begin_;
    begin_ = 0;
    if (buffer_.size() < bytes) buffer_.resize(bytes);
    const std::size_t room = buffer_.size() - filled_;
    const std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(room, end_ - next_offset_));
    if (wanted > 0) {
      file_->read(next_offset_, wanted, buffer_.data() + filled_);
      next_offset_ += wanted;
      filled_ += wanted;
    }
    if (filled_ >= bytes) return true;
    if (filled_ != 0) {
      throw ResourceError("a spill file in " + file_->directory() + " holds a partial record");
    }
    return false;
  }

  const SpillFile* file_;
  std::vector<const char*> sorted_;
  std::size_t next_sorted_ = 0;
  std::uint64_t next_offset_ = 0;
  std::uint64_t end_ = 0;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t filled_ = 0;
};

// A hot key's values, written to a run of (empty key, value) records and
// read back through a cursor.
class SpilledValues final : public ValueStream {
 public:
  SpilledValues(const SpillFile& file, SpillExtent extent, std::size_t count, std::size_t buffer_bytes)
      : input_{&file, extent, {}}, count_(count), buffer_bytes_(buffer_bytes) {}
  std::size_t size() const override { return count_; }
  std::string_view at(std::size_t index) override {
    if (!cursor_ || index < index_) {
      cursor_.emplace(input_, buffer_bytes_);
      cursor_->next();
      index_ = 0;
    }
    for (; index_ < index; ++index_) cursor_->next();
    return cursor_->value;
  }

 private:
  MergeInput input_;
  std::size_t count_;
  std::size_t buffer_bytes_;
  std::optional<RunCursor> cursor_;
  std::size_t index_ = 0;  // the value the cursor is on
};

// Appends (empty key, value) records through a writer.
void add_value_record(SpillWriter& writer, std::string_view value) {
  char header[kMaxRecordHeader];
  const char* const end = write_record_header(header, 0, value.size());
  writer.add(std::string_view(header, static_cast<std::size_t>(end - header)));
  writer.add(value);
}

// Merges the runs of `inputs` and calls on_record(cursor) for each record in
// order (key, then input, then the run's order), with the cursor on it.
template <class OnRecord>
void merge(std::span<const MergeInput> inputs, std::size_t buffer_bytes, OnRecord&& on_record) {
  std::vector<std::unique_ptr<RunCursor>> cursors;
  cursors.reserve(inputs.size());
  MergeTree tree(inputs.size());
  for (const MergeInput& input : inputs) {
    cursors.push_back(std::make_unique<RunCursor>(input, buffer_bytes));
    if (cursors.back()->next()) tree.set(cursors.size() - 1, cursors.back()->key);
  }
  tree.start();
  while (!tree.empty()) {
    RunCursor& cursor = *cursors[tree.winner()];
    on_record(cursor);
    if (cursor.next()) {
      tree.replace(cursor.key);
    } else {
      tree.retire();
    }
  }
}

}  // namespace

MergeShape merge_shape(std::uint64_t budget) {
  MergeShape shape;
  shape.read_buffer = static_cast<std::size_t>(
      std::clamp<std::uint64_t>(budget / 64, std::uint64_t(4) << 10, std::uint64_t(1) << 20));
  shape.fan_in = static_cast<std::size_t>(std::clamp<std::uint64_t>(budget / 2 / shape.read_buffer, 2, 64));
  shape.hot_key_bytes = std::max<std::uint64_t>(budget / 4, 1);
  return shape;
}

MergeStats merge_runs(std::vector<MergeInput> inputs, SpillFile& scratch, const MergeShape& shape,
                      const OnKey& on_key, const OnStreamedKey& on_streamed_key) {
  MergeStats stats;
  // What the passes write to `scratch` is dead once the last pass is over:
  // given back then, so that a worker's scratch file holds one merge's runs
  // at a time, not every merge's of the job.
  const std::uint64_t scratch_start = scratch.size();
  const std::size_t fan_in = std::max<std::size_t>(shape.fan_in, 2);
  while (inputs.size() > fan_in) {
    // One pass: each group of consecutive runs into one, so that the runs
    // stay in input order.
    std::vector<MergeInput> merged;
    for (std::size_t first = 0; first < inputs.size(); first += fan_in) {
      const std::size_t count = std::min(fan_in, inputs.size() - first);
      if (count == 1) {
        merged.push_back(inputs[first]);
        continue;
      }
      SpillWriter writer(scratch, shape.read_buffer);
      merge(std::span(inputs).subspan(first, count), shape.read_buffer,
            [&](const RunCursor& cursor) { writer.add(cursor.record); });
      const SpillExtent extent = writer.finish();
      stats.scratch_bytes += extent.length;
      merged.push_back(MergeInput{&scratch, extent, {}});
      // The earlier pass's runs it merged are not read again: their disk
      // space goes back, so that a task's passes need about twice its data
      // on disk at most, not once a pass. (Only runs this merge wrote, past
      // scratch_start: the caller's runs stay, since a retried reduce task
      // reads the map runs again.)
      for (const MergeInput& merged_input : std::span(inputs).subspan(first, count)) {
        if (merged_input.file == &scratch && merged_input.extent.offset >= scratch_start) {
          scratch.give_back(merged_input.extent);
        }
      }
    }
    inputs = std::move(merged);
    ++stats.passes;
  }
  ++stats.passes;
  // The last pass: a key's values, copied out of the cursors' buffers (which
  // move on), handed over once a record of another key comes; a hot key's
  // written to the end of `scratch` instead, from when they pass
  // hot_key_bytes, then read back from there.
  std::string key;
  bool in_key = false;
  std::string bytes;
  std::vector<std::size_t> ends;
  std::vector<std::string_view> values;
  std::optional<SpillWriter> hot;
  std::size_t hot_count = 0;
  const auto hand_over = [&] {
    if (hot) {
      const SpillExtent extent = hot->finish();
      hot.reset();
      SpilledValues streamed(scratch, extent, hot_count, shape.read_buffer);
      on_streamed_key(key, streamed);
      scratch.resume_at(extent.offset);
      ++stats.streamed_keys;
    } else {
      values.clear();
      std::size_t begin = 0;
      for (std::size_t end : ends) {
        values.emplace_back(bytes.data() + begin, end - begin);
        begin = end;
      }
      on_key(key, values);
    }
    bytes.clear();
    ends.clear();
    in_key = false;
  };
  merge(inputs, shape.read_buffer, [&](const RunCursor& cursor) {
    if (in_key && cursor.key != key) hand_over();
    if (!in_key) {
      key.assign(cursor.key);
      in_key = true;
    }
    if (hot) {
      add_value_record(*hot, cursor.value);
      ++hot_count;
      return;
    }
    bytes.append(cursor.value);
    ends.push_back(bytes.size());
    // What a held key costs: its bytes, their ends, and the views handed
    // to on_key (8 + 16 bytes a value).
    if (on_streamed_key && bytes.size() + ends.size() * 24 > shape.hot_key_bytes) {
      hot.emplace(scratch, shape.read_buffer);
      std::size_t begin = 0;
      for (std::size_t end : ends) {
        add_value_record(*hot, std::string_view(bytes.data() + begin, end - begin));
        begin = end;
      }
      hot_count = ends.size();
      bytes.clear();
      bytes.shrink_to_fit();
      ends.clear();
    }
  });
  if (in_key) hand_over();
  scratch.resume_at(scratch_start);
  return stats;
}

}  // namespace mapreduce::detail
