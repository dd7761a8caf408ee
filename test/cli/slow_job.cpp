// slow_job: the word counter of examples/word_count.hpp (words are maximal runs
// of [A-Za-z0-9_'], case kept), slowed down on request so that the cli tests
// can signal, kill or change things while it runs. Built for the tests only;
// it has the stock command line of run_main and nothing else.
//
// Environment, read by setup() in the parent and inherited by the workers:
//   MAPREDUCE_TEST_LINE_DELAY_US  microseconds mapper sleeps before each line
//   MAPREDUCE_TEST_KEY_DELAY_US   microseconds reducer sleeps before each key
//   MAPREDUCE_TEST_STARTED_FILE   a file to which each process appends
//                                 "map PID" on its first mapper call and
//                                 "reduce PID" on its first reducer call, so
//                                 that a test knows which worker is inside a
//                                 task. A replacement worker, forked afresh
//                                 from the parent, announces itself again.

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <mapreduce/mapreduce.hpp>

namespace {

bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '\'';
}

long microseconds_from_environment(const char* name) {
  const char* text = std::getenv(name);
  return text == nullptr ? 0 : std::strtol(text, nullptr, 10);
}

void sleep_microseconds(long microseconds) {
  if (microseconds <= 0) return;
  timespec delay{microseconds / 1000000, (microseconds % 1000000) * 1000};
  while (::nanosleep(&delay, &delay) != 0) {
  }
}

// One write(2) with O_APPEND, so that concurrent workers' lines do not mix.
void announce(const std::string& path, const char* phase) {
  if (path.empty()) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const std::string line = std::string(phase) + " " + std::to_string(::getpid()) + "\n";
  [[maybe_unused]] const ssize_t ignored = ::write(fd, line.data(), line.size());
  ::close(fd);
}

}  // namespace

class SlowWordCount final : public mapreduce::MapReduceConcurrent<SlowWordCount, std::string, std::int64_t> {
 public:
  using MapReduceConcurrent::MapReduceConcurrent;

  void setup() {
    line_delay_us_ = microseconds_from_environment("MAPREDUCE_TEST_LINE_DELAY_US");
    key_delay_us_ = microseconds_from_environment("MAPREDUCE_TEST_KEY_DELAY_US");
    const char* started = std::getenv("MAPREDUCE_TEST_STARTED_FILE");
    started_file_ = started == nullptr ? "" : started;
  }

  void mapper(std::string_view line, Emitter& emit) {
    if (!announced_map_) {
      announced_map_ = true;
      announce(started_file_, "map");
    }
    sleep_microseconds(line_delay_us_);
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && !is_word_byte(line[i])) ++i;
      const std::size_t start = i;
      while (i < line.size() && is_word_byte(line[i])) ++i;
      if (i > start) emit(line.substr(start, i - start), 1);
    }
  }

  void combiner(std::string_view, std::int64_t& total, std::int64_t count) { total += count; }

  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    if (!announced_reduce_) {
      announced_reduce_ = true;
      announce(started_file_, "reduce");
    }
    sleep_microseconds(key_delay_us_);
    std::int64_t total = 0;
    for (std::int64_t count : counts) total += count;
    return {word, total};
  }

 private:
  long line_delay_us_ = 0;
  long key_delay_us_ = 0;
  std::string started_file_;
  bool announced_map_ = false;
  bool announced_reduce_ = false;
};

int main(int argc, char** argv) {
  return mapreduce::run_main<SlowWordCount>(
      argc, argv, "Counts the words of INPUT like word_count, slowly (a test job).");
}
