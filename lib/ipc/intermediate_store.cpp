#include "ipc/intermediate_store.hpp"

namespace mapreduce::detail {

IntermediateStore::IntermediateStore(ControlBlock& control, unsigned workers, std::size_t map_tasks,
                                     std::size_t partitions, const std::string& spill_dir)
    : control_(control), map_tasks_(map_tasks), partitions_(partitions) {
  map_arenas_.reserve(workers);
  reduce_arenas_.reserve(workers);
  spill_files_.reserve(workers);
  scratch_files_.reserve(workers);
  for (unsigned w = 0; w < workers; ++w) {
    map_arenas_.emplace_back("mapreduce-map");
    reduce_arenas_.emplace_back("mapreduce-reduce");
    spill_files_.emplace_back(spill_dir);
    scratch_files_.emplace_back(spill_dir);
  }
}

void IntermediateStore::resume_map(unsigned worker) {
  map_arenas_[worker].resume_at(control_.slot(worker).map_bytes);
  spill_files_[worker].resume_at(control_.slot(worker).spill_bytes);
}

void IntermediateStore::resume_reduce(unsigned worker) {
  reduce_arenas_[worker].resume_at(control_.slot(worker).reduce_bytes);
  spill_files_[worker].resume_at(control_.slot(worker).spill_bytes);
}

// bounds[p] .. bounds[p + 1] is partition p in the arena; bounds[partitions]
// .. bounds[partitions + 1] what the task counted; bounds[partitions + 2] is
// 1 if the run spilled.
void IntermediateStore::store_map_pieces(unsigned worker, std::size_t head,
                                         std::span<const std::string_view> pieces, bool spilled) {
  SharedArena& arena = map_arenas_[worker];
  std::uint64_t offset = arena.append(pieces);
  std::uint64_t* bounds = control_.partition_bounds(head);
  for (std::size_t p = 0; p <= partitions_; ++p) {
    bounds[p] = offset;
    offset += pieces[p].size();
  }
  bounds[partitions_ + 1] = offset;
  bounds[partitions_ + 2] = spilled ? 1 : 0;
  control_.map_worker(head) = worker;
  control_.slot(worker).map_bytes = arena.size();
  control_.slot(worker).spill_bytes = spill_files_[worker].size();
}

void IntermediateStore::store_map_run(unsigned worker, std::size_t head, const MapOutput& out,
                                      std::string_view counted) {
  std::vector<std::string_view> pieces(partitions_ + 1);
  for (std::size_t p = 0; p < partitions_; ++p) pieces[p] = out.partition(p);
  pieces[partitions_] = counted;
  store_map_pieces(worker, head, pieces, false);
  control_.slot(worker).map_records += out.record_count();
}

std::uint64_t IntermediateStore::map_cost_held(unsigned worker) const {
  return map_arenas_[worker].size() + control_.slot(worker).map_records * MapOutput::kRecordCost;
}

void IntermediateStore::store_spilled_map_run(unsigned worker, std::size_t head, const MapRunSpiller& spiller,
                                              std::string_view counted) {
  std::vector<std::string_view> pieces(partitions_ + 1);
  for (std::size_t p = 0; p < partitions_; ++p) pieces[p] = spiller.index(p);
  pieces[partitions_] = counted;
  store_map_pieces(worker, head, pieces, true);
}

void IntermediateStore::commit_reduce_task(unsigned worker, std::size_t partition, std::string_view records,
                                           std::string_view counted) {
  const std::string_view pieces[2] = {records, counted};
  SharedArena& arena = reduce_arenas_[worker];
  const std::uint64_t offset = arena.append(pieces);
  control_.reduced(partition) =
      ReducedPartition{worker, 0, offset, records.size(), offset + records.size(), counted.size()};
  control_.slot(worker).reduce_bytes = arena.size();
}

void IntermediateStore::begin_output_part(unsigned worker) {
  reduce_arenas_[worker].resume_at(control_.slot(worker).reduce_bytes);
}

void IntermediateStore::append_output(unsigned worker, std::string_view lines) {
  reduce_arenas_[worker].append(std::span(&lines, 1));
}

void IntermediateStore::commit_output_part(unsigned worker) {
  const SharedArena& arena = reduce_arenas_[worker];
  WorkerSlot& slot = control_.slot(worker);
  const std::uint64_t start = slot.reduce_bytes;
  slot.output_offset = start;
  slot.output_length = arena.size() - start;
  slot.reduce_bytes = arena.size();
}

void IntermediateStore::commit_spilled_reduce_task(unsigned worker, std::size_t partition,
                                                   SpillExtent records, std::string_view counted) {
  SharedArena& arena = reduce_arenas_[worker];
  const std::uint64_t counters_offset = arena.append(std::span(&counted, 1));
  control_.reduced(partition) =
      ReducedPartition{worker, 1, records.offset, records.length, counters_offset, counted.size()};
  control_.slot(worker).reduce_bytes = arena.size();
  control_.slot(worker).spill_bytes = spill_files_[worker].size();
}

std::vector<MappedRegion> IntermediateStore::map_committed(
    const std::vector<SharedArena>& arenas, std::atomic<std::uint64_t> WorkerSlot::*committed) const {
  std::vector<MappedRegion> regions;
  regions.reserve(arenas.size());
  for (unsigned w = 0; w < arenas.size(); ++w)
    regions.push_back(arenas[w].map_prefix(control_.slot(w).*committed));
  return regions;
}

IntermediateStore::MapOutputs::MapOutputs(const IntermediateStore& store)
    : store_(&store), arenas_(store.map_committed(store.map_arenas_, &WorkerSlot::map_bytes)) {
  for (std::uint32_t head = 0; head < store.map_tasks_; ++head) {
    if (store.control_.is_committed_run(head)) runs_.push_back(head);
  }
}

std::string_view IntermediateStore::MapOutputs::section(std::size_t head, std::size_t partition) const {
  const std::uint64_t* bounds = store_->control_.partition_bounds(head);
  return arenas_[store_->control_.map_worker(head)].view().substr(bounds[partition],
                                                                  bounds[partition + 1] - bounds[partition]);
}

std::string_view IntermediateStore::MapOutputs::counted(std::size_t head) const {
  return section(head, store_->partitions_);
}

bool IntermediateStore::MapOutputs::spilled(std::size_t head) const {
  return store_->control_.partition_bounds(head)[store_->partitions_ + 2] != 0;
}

bool IntermediateStore::MapOutputs::any_spilled() const {
  for (std::uint32_t head : runs_) {
    if (spilled(head)) return true;
  }
  return false;
}

const SpillFile& IntermediateStore::MapOutputs::spill_file(std::size_t head) const {
  return store_->spill_files_[store_->control_.map_worker(head)];
}

IntermediateStore::ReduceOutputs::ReduceOutputs(const IntermediateStore& store)
    : store_(&store), arenas_(store.map_committed(store.reduce_arenas_, &WorkerSlot::reduce_bytes)) {
  bool spilled = false;
  for (std::size_t p = 0; p < store.partitions_; ++p) spilled = spilled || store.control_.reduced(p).spilled;
  if (!spilled) return;
  for (unsigned w = 0; w < store.spill_files_.size(); ++w)
    spill_maps_.push_back(store.spill_files_[w].map_prefix(store.control_.slot(w).spill_bytes));
}

std::string_view IntermediateStore::ReduceOutputs::records(std::size_t partition) const {
  const ReducedPartition& r = store_->control_.reduced(partition);
  return (r.spilled ? spill_maps_ : arenas_)[r.worker].view().substr(r.offset, r.length);
}

std::string_view IntermediateStore::ReduceOutputs::counted(std::size_t partition) const {
  const ReducedPartition& r = store_->control_.reduced(partition);
  return arenas_[r.worker].view().substr(r.counters_offset, r.counters_length);
}

std::string_view IntermediateStore::ReduceOutputs::output_part(unsigned worker) const {
  const WorkerSlot& slot = store_->control_.slot(worker);
  return arenas_[worker].view().substr(slot.output_offset, slot.output_length);
}

std::vector<MappedRegion> IntermediateStore::ReduceOutputs::release() {
  std::vector<MappedRegion> regions = std::move(arenas_);
  for (MappedRegion& region : spill_maps_) regions.push_back(std::move(region));
  spill_maps_.clear();
  return regions;
}

}  // namespace mapreduce::detail
