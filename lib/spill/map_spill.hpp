#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mapreduce/detail/records.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {

// The map side of spilling: writes a MapOutput's records to a spill file as
// a run sorted by key (stably: a key's records keep their order), each
// partition's records one extent of it, and empties the MapOutput. A map
// run (one map task, or a worker's combined tasks) that spills once spills
// all its records, the last ones at the end (finish); reduce then reads the
// partition's extents of its runs, in the order they were written, instead
// of a section in memory.
class MapRunSpiller final : public MapSpill {
 public:
  MapRunSpiller(SpillFile& file, std::size_t partitions) : file_(file), extents_(partitions) {}

  // One sorted run of `out`'s records. Throws ResourceError.
  void spill(MapOutput& out) override;

  // Whether this map run has spilled since the last reset().
  bool spilled() const { return runs_ > 0; }
  // Partition p's extents in the spill file, one per run that holds any of
  // its records, in order, packed (SpillExtent after SpillExtent): what
  // reduce reads in place of the partition's section.
  std::string_view index(std::size_t p) const {
    return {reinterpret_cast<const char*>(extents_[p].data()), extents_[p].size() * sizeof(SpillExtent)};
  }
  // For the next map run.
  void reset();

  // This map run's, for the counters: the bytes of records spilled, and
  // the sorted runs written.
  std::uint64_t spilled_bytes() const { return spilled_bytes_; }
  std::uint64_t spilled_runs() const { return runs_; }

 private:
  SpillFile& file_;
  std::vector<std::vector<SpillExtent>> extents_;
  std::uint64_t runs_ = 0;
  std::uint64_t spilled_bytes_ = 0;
};

// How a process's share of the memory limit, `budget`, is used on the map
// side: the map runs it keeps in memory hold at most half of it; the run
// being built spills once its records pass a quarter, which leaves room for
// the buffers that grow by doubling, and for the reduce side's output (a
// quarter too). Records are charged MapOutput::kRecordCost each beyond their
// bytes (MapOutput::cost), the sort's entry or reduce's view of each, so
// that records of a few bytes fit the same budget, in the runs kept too
// (IntermediateStore::map_cost_held).
inline std::uint64_t kept_limit(std::uint64_t budget) { return budget / 2; }
inline std::uint64_t spill_threshold(std::uint64_t budget) { return budget / 4; }

// The extents of an index (MapRunSpiller::index) read back.
std::vector<SpillExtent> spill_extents(std::string_view index);

// Where each record of `records` (laid out by append_record) starts, sorted
// by key bytes, stably. What a spilled partition is written from, and how a
// section kept in memory joins the merge of spilled runs.
std::vector<const char*> records_by_key(std::string_view records);

// The whole record (header, key, value) that starts at `record`.
std::string_view record_at(const char* record);

}  // namespace mapreduce::detail
