#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/mapped_region.hpp"
#include "ipc/control_block.hpp"
#include "ipc/shared_memory.hpp"
#include "mapreduce/detail/records.hpp"

namespace mapreduce::detail {

// Where the concurrent engine's intermediate data lives, and the one owner of
// its layout: each worker slot has a map arena and a reduce arena (memfds,
// created before the fork and inherited), and the control block records where
// each finished task's output is in them.
//
// A map run's output (the output of the map tasks it holds, see
// ControlBlock) is its partitions one after the other, then what its tasks
// counted; a reduce task's, its (key, line) records, then what it counted. A
// worker commits a run's output only when its tasks have succeeded, and only
// then marks the run committed and its tasks done; readers map what was
// committed. A replacement worker continues its slot's arenas after the last
// committed task, overwriting whatever its predecessor left half-written.
class IntermediateStore {
 public:
  // Throws ResourceError.
  IntermediateStore(ControlBlock& control, unsigned workers, std::size_t map_tasks, std::size_t partitions);

  // In a worker, before its first task of a phase: append after what its slot
  // committed.
  void resume_map(unsigned worker);
  void resume_reduce(unsigned worker);

  // In worker `worker`: stores the partitions of the map run headed by task
  // `head` and what its tasks counted (the caller then commits the run in the
  // control block). Throws ResourceError when shared memory runs out.
  void store_map_run(unsigned worker, std::size_t head, const MapOutput& out, std::string_view counted);
  // In worker `worker`: stores reduce task `partition`'s records and counts.
  void commit_reduce_task(unsigned worker, std::size_t partition, std::string_view records,
                          std::string_view counted);

  // Every committed map run's output, mapped read-only for as long as the
  // object lives.
  class MapOutputs {
   public:
    // The heads of the committed runs, in task order: with one task per
    // run, the map tasks in input order.
    const std::vector<std::uint32_t>& runs() const { return runs_; }
    std::string_view section(std::size_t head, std::size_t partition) const;
    std::string_view counted(std::size_t head) const;
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

  // Every finished reduce task's output, likewise.
  class ReduceOutputs {
   public:
    std::string_view records(std::size_t partition) const;
    std::string_view counted(std::size_t partition) const;
    // The mappings, for a caller that keeps views of records() past this
    // object.
    std::vector<MappedRegion> release() { return std::move(arenas_); }

   private:
    friend class IntermediateStore;
    ReduceOutputs(const IntermediateStore& store);
    const IntermediateStore* store_;
    std::vector<MappedRegion> arenas_;
  };
  ReduceOutputs reduce_outputs() const { return ReduceOutputs(*this); }

 private:
  // Each arena's committed prefix (as `committed` in its slot says), mapped.
  std::vector<MappedRegion> map_committed(const std::vector<SharedArena>& arenas,
                                          std::atomic<std::uint64_t> WorkerSlot::*committed) const;

  ControlBlock& control_;
  std::size_t map_tasks_;
  std::size_t partitions_;
  std::vector<SharedArena> map_arenas_;
  std::vector<SharedArena> reduce_arenas_;
};

}  // namespace mapreduce::detail
