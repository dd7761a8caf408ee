#pragma once

#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mapreduce/detail/byte_buffer.hpp"

namespace mapreduce::detail {

// This process's place in an MPI job (MPI_COMM_WORLD), through MPI's C API,
// for the cluster engine: joining, agreeing on failures, and moving bytes.
// One per process: MPI is initialised when it is made and finalised when it
// goes, so a program runs at most one --mpi job.
//
// Failures are agreed on before every collective call: each rank runs a step
// of the job through step(), and then every rank learns whether any rank's
// step failed, so that no rank is left waiting in a collective call for one
// that has given up.
class MpiWorld {
 public:
  // Checks that an MPI launcher started this process (Open MPI's mpirun, or
  // a PMIx launcher such as srun --mpi=pmix), then initialises MPI. Throws
  // UsageError without a launcher, or under another MPI's launcher (which
  // would start N unrelated singletons), ResourceError when MPI fails, and
  // UsageError when MPI was already finalised (a second --mpi job).
  MpiWorld();
  // Finalises MPI: waits for every rank to do the same.
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  // Whether the failure being handled is one every rank agreed on (step()).
  bool failure_agreed() const { return agreed_failure_; }
  // For a failure the others did not agree on (a bug): ends every rank of
  // the job, so that none waits for this one.
  [[noreturn]] void abort_job(const std::string& message);

  int rank() const { return rank_; }
  int size() const { return size_; }
  const std::string& host() const { return host_; }

  // Runs `f` on every rank, then agrees: when `f` threw on any rank, every
  // rank throws the failure of the lowest such rank, of the same kind
  // (UserCodeError, InputError, ...), its message prefixed "rank R on HOST: ".
  template <class F>
  void step(F&& f) {
    std::exception_ptr failure;
    try {
      f();
    } catch (...) {
      failure = std::current_exception();
    }
    agree(failure);
  }
  void agree(std::exception_ptr failure);

  // Collective calls. Every rank calls them in the same order.

  // Every rank's `mine` (of any length), in rank order.
  std::vector<std::vector<std::uint64_t>> all_gather(std::span<const std::uint64_t> mine);
  // The bytes of `send`, `send_counts[d]` of them for rank d one after the
  // other, to every rank; the bytes from rank s arrive in `receive`, at
  // `receive_offsets[s]`, `receive_counts[s]` of them. Counts and offsets
  // are below 2 GiB (the caller sends in rounds).
  void all_to_all(const char* send, std::span<const int> send_counts, char* receive,
                  std::span<const int> receive_counts, std::span<const int> receive_offsets);
  // Rank 0 gets every other rank's `pieces`, in rank order, then piece order;
  // the others get nothing. Sent point to point, in messages under 1 GiB,
  // once rank 0 has made room for them: its running out of memory is agreed
  // on, as a step's failure.
  std::vector<ByteBuffer> gather_to_root(std::span<const std::string_view> pieces);
  // Rank 0's `text`, on every rank.
  std::string broadcast_from_root(std::string text);
  // The sum of `value` over the ranks.
  std::uint64_t sum(std::uint64_t value);

 private:
  int rank_ = 0;
  int size_ = 1;
  std::string host_;
  bool agreed_failure_ = false;  // the error leaving is one every rank agreed on
};

}  // namespace mapreduce::detail
