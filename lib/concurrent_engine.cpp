// The concurrent engine: a pool of forked workers that map contiguous ranges
// of the mapped input, partition their pairs by a hash of the key into shared
// memory, then reduce whole partitions, reading every mapper's output in
// place. The parent only hands out phases and merges the sorted partitions.
//
// Tasks are handed out through an atomic counter in shared memory, several per
// worker, so that a slow range or a heavy partition does not leave the other
// workers idle. The map tasks are those of the sequential engine
// (map_task_count). Map task t's output lives in the arena of the worker that ran
// it, partition by partition; the control block records where. Because reduce
// reads the map tasks in input order, every key's values arrive in input
// order, whatever the number of processes: the output is the sequential
// engine's, byte for byte.
#include <dirent.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <vector>

#include "chunking.hpp"
#include "engines.hpp"
#include "mapreduce/error.hpp"
#include "reduce.hpp"
#include "shared_memory.hpp"
#include "user_code_failure.hpp"
#include "worker_pool.hpp"

namespace mapreduce::detail {
namespace {

// Partitions per process: enough for one heavy partition not to leave the
// other workers idle, few enough that the parent's merge stays cheap.
constexpr unsigned kPartitionsPerProcess = 4;
constexpr std::size_t kErrorCapacity = 4096;
constexpr char kCommandMap = 'M';
constexpr char kCommandReduce = 'R';

enum class Phase : std::uint32_t { idle, map, reduce };
enum class ErrorKind : std::uint32_t { none, user_code, input, resource, other };

// What one worker tells the parent, in shared memory. Written by that worker
// only; read by the parent after the worker replied or died.
struct WorkerSlot {
  std::atomic<Phase> phase;
  std::atomic<std::uint32_t> task;
  std::uint64_t map_bytes;     // the size of its map arena
  std::uint64_t reduce_bytes;  // the size of its reduce arena
  ErrorKind error_kind;
  std::uint32_t error_length;
  char error[kErrorCapacity];
};

struct ReducedPartition {
  std::uint32_t worker;
  std::uint64_t offset;
  std::uint64_t length;
};

// The layout of the control block: the task counters, one slot per worker,
// and for every map task the worker that ran it and where each of its
// partitions starts and ends in that worker's arena.
class ControlBlock {
 public:
  ControlBlock(unsigned workers, std::size_t map_tasks, std::size_t partitions)
      : workers_(workers), map_tasks_(map_tasks), partitions_(partitions), block_(layout_size()) {}

  std::atomic<std::uint32_t>& next_map_task() { return header()->next_map_task; }
  std::atomic<std::uint32_t>& next_reduce_task() { return header()->next_reduce_task; }
  WorkerSlot& slot(unsigned worker) { return reinterpret_cast<WorkerSlot*>(base() + slots_offset())[worker]; }
  std::uint32_t& map_worker(std::size_t task) {
    return reinterpret_cast<std::uint32_t*>(base() + map_workers_offset())[task];
  }
  // partition_bounds(t)[p] .. [p + 1]: partition p of map task t.
  std::uint64_t* partition_bounds(std::size_t task) {
    return reinterpret_cast<std::uint64_t*>(base() + bounds_offset()) + task * (partitions_ + 1);
  }
  ReducedPartition& reduced(std::size_t partition) {
    return reinterpret_cast<ReducedPartition*>(base() + reduced_offset())[partition];
  }

 private:
  struct Header {
    std::atomic<std::uint32_t> next_map_task;
    std::atomic<std::uint32_t> next_reduce_task;
  };
  static std::size_t align(std::size_t n) { return (n + 63) / 64 * 64; }
  std::size_t slots_offset() const { return align(sizeof(Header)); }
  std::size_t map_workers_offset() const { return slots_offset() + align(workers_ * sizeof(WorkerSlot)); }
  std::size_t bounds_offset() const { return map_workers_offset() + align(map_tasks_ * sizeof(std::uint32_t)); }
  std::size_t reduced_offset() const {
    return bounds_offset() + align(map_tasks_ * (partitions_ + 1) * sizeof(std::uint64_t));
  }
  std::size_t layout_size() const { return reduced_offset() + align(partitions_ * sizeof(ReducedPartition)); }

  char* base() const { return static_cast<char*>(block_.data()); }
  Header* header() { return reinterpret_cast<Header*>(base()); }

  unsigned workers_;
  std::size_t map_tasks_;
  std::size_t partitions_;
  SharedBlock block_;
};

// Forking a multi-threaded process leaves the child with locks that threads
// which no longer exist may hold; refuse rather than deadlock at random.
void require_single_thread() {
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return;
  int threads = 0;
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] != '.') ++threads;
  }
  ::closedir(tasks);
  if (threads > 1) {
    throw ResourceError("cannot fork worker processes while " + std::to_string(threads) +
                        " threads run in this process; run the job before starting threads, or use the sequential "
                        "engine");
  }
}

// Everything a worker needs, set up before the fork and inherited.
class ConcurrentJob {
 public:
  ConcurrentJob(ErasedJob& job, const InputFile& input, unsigned workers)
      : job_(job),
        input_(input),
        workers_(workers),
        chunks_(split_into_chunks(input.data(), map_task_count(input.data().size()))),
        partitions_(std::size_t(workers) * kPartitionsPerProcess),
        control_(workers, chunks_.size(), partitions_) {
    map_arenas_.reserve(workers);
    reduce_arenas_.reserve(workers);
    for (unsigned w = 0; w < workers; ++w) {
      map_arenas_.emplace_back("mapreduce-map");
      reduce_arenas_.emplace_back("mapreduce-reduce");
    }
  }

  void run(Output& out) {
    require_single_thread();
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    WorkerPool pool(workers_, [this](unsigned index, int channel) { serve(index, channel); });
    if (auto failure = pool.run_phase(kCommandMap)) fail(*failure);
    if (auto failure = pool.run_phase(kCommandReduce)) fail(*failure);
    if (auto failure = pool.shut_down()) {
      throw WorkerError("worker " + std::to_string(failure->worker) + " " + failure->exit_text +
                        " after finishing its work");
    }
    merge(out);
  }

 private:
  // In the worker: serve phases until told to quit.
  void serve(unsigned index, int channel) {
    WorkerSlot& slot = control_.slot(index);
    for (;;) {
      const char command = WorkerPool::receive_command(channel);
      if (command == WorkerPool::kCommandQuit) return;
      try {
        if (command == kCommandMap) {
          map_phase(index, slot);
        } else {
          reduce_phase(index, slot);
        }
        slot.phase = Phase::idle;
        WorkerPool::send_reply(channel, WorkerPool::kReplyDone);
        continue;
      } catch (const MapFailure& failure) {
        report(slot, ErrorKind::user_code, describe(failure, input_));
      } catch (const ReduceFailure& failure) {
        report(slot, ErrorKind::user_code, describe(failure));
      } catch (const InputError& e) {
        report(slot, ErrorKind::input, e.what());
      } catch (const ResourceError& e) {
        report(slot, ErrorKind::resource, e.what());
      } catch (const std::bad_alloc&) {
        report(slot, ErrorKind::resource, "out of memory during " + describe_task(slot));
      } catch (...) {
        report(slot, ErrorKind::other, current_exception_message());
      }
      WorkerPool::send_reply(channel, WorkerPool::kReplyError);
    }
  }

  static void report(WorkerSlot& slot, ErrorKind kind, const std::string& message) {
    slot.error_kind = kind;
    slot.error_length = static_cast<std::uint32_t>(std::min(message.size(), kErrorCapacity));
    std::memcpy(slot.error, message.data(), slot.error_length);
  }

  void map_phase(unsigned index, WorkerSlot& slot) {
    slot.phase = Phase::map;
    MapOutput mapped(partitions_);
    std::vector<std::string_view> pieces(partitions_);
    SharedArena& arena = map_arenas_[index];
    for (;;) {
      const std::uint32_t task = control_.next_map_task().fetch_add(1);
      if (task >= chunks_.size()) break;
      slot.task = task;
      mapped.clear();
      job_.map_lines(chunks_[task], mapped);
      input_.release(chunks_[task]);
      for (std::size_t p = 0; p < partitions_; ++p) pieces[p] = mapped.partition(p);
      std::uint64_t offset = arena.append(pieces);
      std::uint64_t* bounds = control_.partition_bounds(task);
      for (std::size_t p = 0; p < partitions_; ++p) {
        bounds[p] = offset;
        offset += pieces[p].size();
      }
      bounds[partitions_] = offset;
      control_.map_worker(task) = index;
    }
    slot.map_bytes = arena.size();
  }

  void reduce_phase(unsigned index, WorkerSlot& slot) {
    slot.phase = Phase::reduce;
    std::vector<MappedRegion> map_outputs;
    map_outputs.reserve(workers_);
    for (unsigned w = 0; w < workers_; ++w) map_outputs.push_back(map_arenas_[w].map(control_.slot(w).map_bytes));
    std::vector<std::string_view> sections(chunks_.size());
    ReduceOutput reduced;
    SharedArena& arena = reduce_arenas_[index];
    for (;;) {
      const std::uint32_t partition = control_.next_reduce_task().fetch_add(1);
      if (partition >= partitions_) break;
      slot.task = partition;
      for (std::size_t t = 0; t < chunks_.size(); ++t) {
        const std::uint64_t* bounds = control_.partition_bounds(t);
        sections[t] = map_outputs[control_.map_worker(t)].view().substr(bounds[partition],
                                                                         bounds[partition + 1] - bounds[partition]);
      }
      reduced.clear();
      reduce_partition(job_, sections, reduced);
      const std::string_view bytes = reduced.bytes();
      const std::uint64_t offset = arena.append(std::span(&bytes, 1));
      control_.reduced(partition) = ReducedPartition{index, offset, bytes.size()};
    }
    slot.reduce_bytes = arena.size();
  }

  // In the parent, after every worker replied: merge the sorted partitions.
  void merge(Output& out) {
    std::vector<MappedRegion> outputs;
    outputs.reserve(workers_);
    for (unsigned w = 0; w < workers_; ++w) outputs.push_back(reduce_arenas_[w].map(control_.slot(w).reduce_bytes));
    std::vector<std::string_view> runs(partitions_);
    for (std::size_t p = 0; p < partitions_; ++p) {
      const ReducedPartition& r = control_.reduced(p);
      runs[p] = outputs[r.worker].view().substr(r.offset, r.length);
    }
    write_merged(runs, out);
  }

  std::string describe_task(const WorkerSlot& slot) const {
    const std::uint32_t task = slot.task;
    switch (slot.phase.load()) {
      case Phase::map: {
        if (task >= chunks_.size()) return "map phase";
        const std::size_t begin = static_cast<std::size_t>(chunks_[task].data() - input_.data().data());
        return "map task " + std::to_string(task + 1) + " of " + std::to_string(chunks_.size()) + " (bytes " +
               std::to_string(begin) + "-" + std::to_string(begin + chunks_[task].size()) + " of " + input_.path() +
               ")";
      }
      case Phase::reduce:
        if (task >= partitions_) return "reduce phase";
        return "reduce task " + std::to_string(task + 1) + " of " + std::to_string(partitions_) + " (partition " +
               std::to_string(task) + ")";
      default:
        return "no task";
    }
  }

  [[noreturn]] void fail(const WorkerPool::Failure& failure) {
    WorkerSlot& slot = control_.slot(failure.worker);
    const std::string worker = "worker " + std::to_string(failure.worker);
    if (failure.reply == WorkerPool::kReplyError) {
      const std::string message = std::string(slot.error, slot.error_length) + " (in " + worker + ")";
      switch (slot.error_kind) {
        case ErrorKind::user_code:
          throw UserCodeError(message);
        case ErrorKind::input:
          throw InputError(message);
        case ErrorKind::resource:
          throw ResourceError(message);
        default:
          throw WorkerError(message);
      }
    }
    throw WorkerError(worker + " (pid " + std::to_string(failure.pid) + ") " + failure.exit_text +
                      " during " + describe_task(slot));
  }

  ErasedJob& job_;
  const InputFile& input_;
  unsigned workers_;
  std::vector<std::string_view> chunks_;
  std::size_t partitions_;
  ControlBlock control_;
  std::vector<SharedArena> map_arenas_;
  std::vector<SharedArena> reduce_arenas_;
};

}  // namespace

void run_concurrent(ErasedJob& job, const InputFile& input, unsigned processes, Output& out) {
  ConcurrentJob(job, input, processes).run(out);
}

}  // namespace mapreduce::detail
