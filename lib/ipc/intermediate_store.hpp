#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/mapped_region.hpp"
#include "ipc/control_block.hpp"
#include "ipc/shared_memory.hpp"
#include "mapreduce/detail/records.hpp"
#include "spill/map_spill.hpp"
#include "spill/spill_file.hpp"

namespace mapreduce::detail {

// Where the concurrent engine's intermediate data lives, and the one owner of
// its layout: each worker slot has a map arena and a reduce arena (memfds,
// created before the fork and inherited), and the control block records where
// each finished task's output is in them.
//
// A map run's output (the output of the map tasks it holds, see
// ControlBlock) is its partitions one after the other, then what its tasks
// counted; a reduce task's, its (key, line) records, then what it counted.
// Past its share of the memory limit, a worker spills a map run instead:
// its records go to sorted runs in the slot's spill file (an unlinked file,
// also created before the fork), and the arena holds, in place of each
// partition, where its records are in that file (MapRunSpiller::index). A
// worker commits a run's output only when its tasks have succeeded, and only
// then marks the run committed and its tasks done; readers map what was
// committed. A replacement worker continues its slot's arenas after the last
// committed task, overwriting whatever its predecessor left half-written.
class IntermediateStore {
 public:
  // Throws ResourceError.
  IntermediateStore(ControlBlock& control, unsigned workers, std::size_t map_tasks, std::size_t partitions,
                    const std::string& spill_dir);

  // In a worker, before its first task of a phase: append after what its slot
  // committed.
  void resume_map(unsigned worker);
  void resume_reduce(unsigned worker);

  // In worker `worker`: stores the partitions of the map run headed by task
  // `head` and what its tasks counted (the caller then commits the run in the
  // control block). Throws ResourceError when shared memory runs out.
  void store_map_run(unsigned worker, std::size_t head, const MapOutput& out, std::string_view counted);
  // Likewise for a map run that `spiller` spilled, all of it.
  void store_spilled_map_run(unsigned worker, std::size_t head, const MapRunSpiller& spiller,
                             std::string_view counted);
  // What the map output slot `worker` holds in memory costs: its bytes, and
  // MapOutput::kRecordCost a record (the view of each that reduce takes when
  // it groups them).
  std::uint64_t map_cost_held(unsigned worker) const;
  // The slot's spill file: where its worker spills, and writes the merge
  // passes of its reduce tasks past what it committed.
  SpillFile& spill_file(unsigned worker) { return spill_files_[worker]; }
  // In worker `worker`: stores reduce task `partition`'s records and counts.
  void commit_reduce_task(unsigned worker, std::size_t partition, std::string_view records,
                          std::string_view counted);
  // Likewise for a task whose records were spilled to `records` of the
  // slot's spill file.
  void commit_spilled_reduce_task(unsigned worker, std::size_t partition, SpillExtent records,
                                  std::string_view counted);
  // The bytes of reduce output slot `worker` holds in memory.
  std::uint64_t reduce_bytes_held(unsigned worker) const { return reduce_arenas_[worker].size(); }
  // In worker `worker`, once every reduce task is done and the parent has
  // read what the map runs counted: frees the memory of the slot's map runs,
  // which no one reads again, so that the workers free the map output side
  // by side rather than the parent alone at the end. The slot's map runs
  // read as zeros after.
  void discard_map_runs(unsigned worker) { map_arenas_[worker].discard(); }
  // In worker `worker`, after the reduce phase: its part of the output
  // merge, stored after what its slot committed some lines at a time
  // (append_output), from begin_output_part on, then committed.
  void begin_output_part(unsigned worker);
  void append_output(unsigned worker, std::string_view lines);
  void commit_output_part(unsigned worker);
  // Where the slot's reduce tasks write their merge passes: a spill file of
  // its own, never committed, so that a task's spilled output stays one
  // extent of the other.
  SpillFile& scratch_file(unsigned worker) { return scratch_files_[worker]; }

  // Every committed map run's output, mapped read-only for as long as the
  // object lives.
  class MapOutputs {
   public:
    // The heads of the committed runs, in task order: with one task per
    // run, the map tasks in input order.
    const std::vector<std::uint32_t>& runs() const { return runs_; }
    // Partition `partition` of the run: its records, or, when the run
    // spilled, their extents in spill_file(head) (MapRunSpiller::index).
    std::string_view section(std::size_t head, std::size_t partition) const;
    std::string_view counted(std::size_t head) const;
    bool spilled(std::size_t head) const;
    bool any_spilled() const;
    const SpillFile& spill_file(std::size_t head) const;
    // The mappings, for a caller that keeps views of section() past this
    // object.
    std::vector<MappedRegion> release() { return std::move(arenas_); }

   private:
    friend class IntermediateStore;
    MapOutputs(const IntermediateStore& store);
    const IntermediateStore* store_;
    std::vector<MappedRegion> arenas_;
    std::vector<std::uint32_t> runs_;
  };
  MapOutputs map_outputs() const { return MapOutputs(*this); }

  // Every finished reduce task's output, likewise (the spill files' too).
  class ReduceOutputs {
   public:
    std::string_view records(std::size_t partition) const;
    std::string_view counted(std::size_t partition) const;
    // Slot `worker`'s part of the output merge (commit_output_part).
    std::string_view output_part(unsigned worker) const;
    // The mappings, for a caller that keeps views of records() past this
    // object.
    std::vector<MappedRegion> release();

   private:
    friend class IntermediateStore;
    ReduceOutputs(const IntermediateStore& store);
    const IntermediateStore* store_;
    std::vector<MappedRegion> arenas_;
    std::vector<MappedRegion> spill_maps_;  // per slot, when any reduce task spilled
  };
  ReduceOutputs reduce_outputs() const { return ReduceOutputs(*this); }

 private:
  // Each arena's committed prefix (as `committed` in its slot says), mapped.
  std::vector<MappedRegion> map_committed(const std::vector<SharedArena>& arenas,
                                          std::atomic<std::uint64_t> WorkerSlot::*committed) const;

  // Stores a map run's pieces: each partition's, then the counters.
  void store_map_pieces(unsigned worker, std::size_t head, std::span<const std::string_view> pieces,
                        bool spilled);

  ControlBlock& control_;
  std::size_t map_tasks_;
  std::size_t partitions_;
  std::vector<SharedArena> map_arenas_;
  std::vector<SharedArena> reduce_arenas_;
  std::vector<SpillFile> spill_files_;
  std::vector<SpillFile> scratch_files_;
};

}  // namespace mapreduce::detail
