// expensive_mapper: a job whose mapper burns about 2 ms of CPU on every line,
// for tools/bench's check that a small input keeps every process busy: on
// 1,000 short lines the work is all in the mappers, so -p 2 should take little
// more than half the time of -p 1 if the input is cut into enough map tasks.
// The mapper spins on this thread's CPU-time clock rather than sleeping or
// watching the wall clock, so a line costs 2 ms of CPU whatever else runs on
// the machine, and processes that share one core cannot look parallel.
// Prints each distinct line with the number of times it occurs.
//
//   expensive_mapper [-p N | --sequential] FILE

#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <mapreduce/mapreduce.hpp>

namespace {

std::int64_t thread_cpu_ns() {
  timespec now;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

constexpr std::int64_t kBurnNs = 2'000'000;

class ExpensiveMapper final
    : public mapreduce::MapReduceConcurrent<ExpensiveMapper, std::string, std::int64_t> {
 public:
  using MapReduceConcurrent::MapReduceConcurrent;

  void mapper(std::string_view line, Emitter& emit) {
    const std::int64_t until = thread_cpu_ns() + kBurnNs;
    while (thread_cpu_ns() < until) {
    }
    emit(line, 1);
  }

  std::pair<std::string_view, std::int64_t> reducer(std::string_view line, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t count : counts) total += count;
    return {line, total};
  }
};

}  // namespace

int main(int argc, char** argv) {
  return mapreduce::run_main<ExpensiveMapper>(
      argc, argv, "Prints each distinct line of INPUT with its count, after 2 ms of CPU per line.");
}
