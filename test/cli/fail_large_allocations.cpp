// A preload for the mpi tests: in the rank named by FAIL_RANK (Open MPI's
// OMPI_COMM_WORLD_RANK), every allocation larger than FAIL_OVER bytes fails,
// as when one host runs out of memory; every other process allocates as
// usual. operator new goes through malloc, so C++ code sees std::bad_alloc.
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern "C" void* __libc_malloc(std::size_t size);

namespace {

std::size_t allowed_size() {
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  const char* failing_rank = std::getenv("FAIL_RANK");
  const char* over = std::getenv("FAIL_OVER");
  if (rank == nullptr || failing_rank == nullptr || over == nullptr || std::strcmp(rank, failing_rank) != 0)
    return static_cast<std::size_t>(-1);
  return std::strtoull(over, nullptr, 10);
}

}  // namespace

extern "C" void* malloc(std::size_t size) {
  static const std::size_t allowed = allowed_size();
  if (size > allowed) {
    errno = ENOMEM;
    return nullptr;
  }
  return __libc_malloc(size);
}
