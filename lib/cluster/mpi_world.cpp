#define OMPI_SKIP_MPICXX 1  // the C API only: Open MPI's C++ bindings are deprecated
#include "cluster/mpi_world.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/stderr_writer.hpp"
#include "cluster/launcher_connection.hpp"
#include "cluster/launcher_environment.hpp"
#include "mapreduce/error.hpp"
#include "output/output.hpp"

namespace mapreduce::detail {
namespace {

// What kind of Error a failure was, so that every rank throws the same kind.
enum class FailureKind : int { usage, input, user_code, worker, resource, output_closed, other };

FailureKind kind_of(std::exception_ptr failure, std::string& message) {
  try {
    std::rethrow_exception(failure);
  } catch (const UsageError& e) {
    message = e.what();
    return FailureKind::usage;
  } catch (const InputError& e) {
    message = e.what();
    return FailureKind::input;
  } catch (const UserCodeError& e) {
    message = e.what();
    return FailureKind::user_code;
  } catch (const WorkerError& e) {
    message = e.what();
    return FailureKind::worker;
  } catch (const OutputClosed& e) {
    message = e.what();
    return FailureKind::output_closed;
  } catch (const ResourceError& e) {
    message = e.what();
    return FailureKind::resource;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    return FailureKind::resource;
  } catch (const std::exception& e) {
    message = e.what();
    return FailureKind::other;
  } catch (...) {
    message = "unknown exception";
    return FailureKind::other;
  }
}

[[noreturn]] void throw_failure(FailureKind kind, const std::string& message) {
  switch (kind) {
    case FailureKind::usage:
      throw UsageError(message);
    case FailureKind::input:
      throw InputError(message);
    case FailureKind::user_code:
      throw UserCodeError(message);
    case FailureKind::worker:
      throw WorkerError(message);
    case FailureKind::resource:
      throw ResourceError(message);
    case FailureKind::output_closed:
      throw OutputClosed(message);
    case FailureKind::other:
      break;
  }
  throw Error(message);
}

// MPI's errors are fatal on MPI_COMM_WORLD (its default handler): a failed
// call, a dead peer included, ends the whole job through the launcher. Only
// MPI_Init's result is looked at.
void check_init(int result) {
  if (result == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(result, text, &length);
  throw ResourceError("--mpi: MPI_Init failed: " + std::string(text, static_cast<std::size_t>(length)));
}

constexpr std::size_t kMessageBytes = std::size_t(1) << 30;  // under MPI's int counts

void send_bytes(const char* data, std::size_t size, int to) {
  do {
    const std::size_t n = std::min(size, kMessageBytes);
    MPI_Send(data, static_cast<int>(n), MPI_BYTE, to, 0, MPI_COMM_WORLD);
    data += n;
    size -= n;
  } while (size > 0);
}

void receive_bytes(char* data, std::size_t size, int from) {
  do {
    const std::size_t n = std::min(size, kMessageBytes);
    MPI_Recv(data, static_cast<int>(n), MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    data += n;
    size -= n;
  } while (size > 0);
}

}  // namespace

MpiWorld::MpiWorld() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) throw UsageError("--mpi: MPI has ended in this process: a program runs one --mpi job");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) throw UsageError("--mpi: MPI is in use already: a program runs one --mpi job");
#ifdef OPEN_MPI
  check_open_mpi_launcher();
#endif
  check_init(MPI_Init(nullptr, nullptr));
  send_small_messages_to_launcher_at_once();
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(name, &length);
  host_.assign(name, static_cast<std::size_t>(length));
}

MpiWorld::~MpiWorld() { MPI_Finalize(); }

void MpiWorld::abort_job(const std::string& message) {
  write_to_standard_error("mapreduce: error: rank " + std::to_string(rank_) + " on " + host_ + ": " +
                          message + " (outside a step the ranks agree on: aborting every rank)\n");
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}
void MpiWorld::agree(std::exception_ptr failure) {
  const int mine = failure ? rank_ : size_;
  int first = size_;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == size_) return;
  // The first failing rank tells every other its kind and message.
  std::string message;
  int kind = 0;
  if (rank_ == first) {
    kind = static_cast<int>(kind_of(failure, message));
    if (kind != static_cast<int>(FailureKind::usage) && kind != static_cast<int>(FailureKind::output_closed))
      message = "rank " + std::to_string(rank_) + " on " + host_ + ": " + message;
  }
  long long header[2] = {kind, static_cast<long long>(message.size())};
  MPI_Bcast(header, 2, MPI_LONG_LONG, first, MPI_COMM_WORLD);
  message.resize(static_cast<std::size_t>(header[1]));
  MPI_Bcast(message.data(), static_cast<int>(message.size()), MPI_CHAR, first, MPI_COMM_WORLD);
  agreed_failure_ = true;
  throw_failure(static_cast<FailureKind>(header[0]), message);
}

std::vector<std::vector<std::uint64_t>> MpiWorld::all_gather(std::span<const std::uint64_t> mine) {
  const int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size_));
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> offsets(counts.size());
  int total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    offsets[r] = total;
    total += counts[r];
  }
  std::vector<std::uint64_t> all(static_cast<std::size_t>(total));
  MPI_Allgatherv(mine.data(), count, MPI_UINT64_T, all.data(), counts.data(), offsets.data(), MPI_UINT64_T,
                 MPI_COMM_WORLD);
  std::vector<std::vector<std::uint64_t>> by_rank(counts.size());
  for (std::size_t r = 0; r < counts.size(); ++r)
    by_rank[r].assign(all.begin() + offsets[r], all.begin() + offsets[r] + counts[r]);
  return by_rank;
}

void MpiWorld::all_to_all(const char* send, std::span<const int> send_counts, char* receive,
                          std::span<const int> receive_counts, std::span<const int> receive_offsets) {
  std::vector<int> send_offsets(send_counts.size());
  int offset = 0;
  for (std::size_t d = 0; d < send_counts.size(); ++d) {
    send_offsets[d] = offset;
    offset += send_counts[d];
  }
  MPI_Alltoallv(send, send_counts.data(), send_offsets.data(), MPI_BYTE, receive, receive_counts.data(),
                receive_offsets.data(), MPI_BYTE, MPI_COMM_WORLD);
}

std::vector<ByteBuffer> MpiWorld::gather_to_root(std::span<const std::string_view> pieces) {
  // The sizes first, so that rank 0 makes room for everything in a step
  // (running out of memory there is the job's error, agreed on), then the
  // bytes.
  std::vector<std::uint64_t> sizes;
  if (rank_ != 0) {
    sizes.push_back(pieces.size());
    for (std::string_view piece : pieces) sizes.push_back(piece.size());
    MPI_Send(sizes.data(), static_cast<int>(sizes.size()), MPI_UINT64_T, 0, 0, MPI_COMM_WORLD);
  } else {
    for (int from = 1; from < size_; ++from) {
      MPI_Status status;
      MPI_Probe(from, 0, MPI_COMM_WORLD, &status);
      int count = 0;
      MPI_Get_count(&status, MPI_UINT64_T, &count);
      const std::size_t at = sizes.size();
      sizes.resize(at + static_cast<std::size_t>(count));
      MPI_Recv(sizes.data() + at, count, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
  }
  std::vector<ByteBuffer> gathered;
  std::vector<char*> into;
  step([&] {
    if (rank_ != 0) return;
    for (std::size_t at = 0; at < sizes.size(); at += 1 + sizes[at]) {
      for (std::size_t i = 1; i <= sizes[at]; ++i)
        into.push_back(gathered.emplace_back().extend(sizes[at + i]));
    }
  });
  if (rank_ != 0) {
    for (std::string_view piece : pieces) {
      if (!piece.empty()) send_bytes(piece.data(), piece.size(), 0);
    }
    return gathered;
  }
  std::size_t next = 0;
  std::size_t at = 0;
  for (int from = 1; from < size_; ++from, at += 1 + sizes[at]) {
    for (std::size_t i = 1; i <= sizes[at]; ++i, ++next) {
      if (sizes[at + i] != 0) receive_bytes(into[next], sizes[at + i], from);
    }
  }
  return gathered;
}

std::string MpiWorld::broadcast_from_root(std::string text) {
  unsigned long long size = text.size();
  MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  text.resize(static_cast<std::size_t>(size));
  MPI_Bcast(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
  return text;
}

std::uint64_t MpiWorld::sum(std::uint64_t value) {
  std::uint64_t total = 0;
  MPI_Allreduce(&value, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return total;
}

}  // namespace mapreduce::detail
