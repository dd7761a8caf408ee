// consumer: a word counter built outside the source tree against the installed
// library (install_test.sh) or against the project used as a Meson subproject
// (subproject_test.sh). It uses only the public headers.
//
//   consumer [-o OUT] [-p N | --sequential] INPUT    the shared command line
//   consumer --direct INPUT OUTPUT                   constructs and runs the job
//
// A word is a maximal run of bytes other than ' ' and '\t'; prints
// `word<TAB>count`. With --direct, a missing input must surface as a
// mapreduce::InputError caught here (exit 3), which checks that the
// exception's type information crosses the library boundary.

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include <mapreduce/mapreduce.hpp>

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

class WordCount final : public mapreduce::MapReduceConcurrent<WordCount, std::string, long> {
 public:
  using MapReduceConcurrent::MapReduceConcurrent;

  void mapper(std::string_view line, Emitter& emit) {
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_blank(line[i])) ++i;
      const std::size_t start = i;
      while (i < line.size() && !is_blank(line[i])) ++i;
      if (i > start) emit(line.substr(start, i - start), 1);
    }
  }

  void combiner(std::string_view, long& total, long count) { total += count; }

  std::pair<std::string_view, long> reducer(std::string_view word, Values counts) {
    long total = 0;
    for (long count : counts) total += count;
    return {word, total};
  }
};

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--direct") {
    mapreduce::Options options;
    options.output = argv[3];
    options.processes = 2;
    try {
      WordCount(argv[2], options).run();
      return 0;
    } catch (const mapreduce::InputError& error) {
      std::fprintf(stderr, "consumer: InputError: %s\n", error.what());
      return 3;
    } catch (const mapreduce::Error& error) {
      std::fprintf(stderr, "consumer: other mapreduce::Error: %s\n", error.what());
      return 4;
    }
  }
  return mapreduce::run_main<WordCount>(argc, argv, "Counts blank-separated words.");
}
