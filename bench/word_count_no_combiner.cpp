// word_count_no_combiner: examples/word_count without its combiner, for
// tools/bench. Every occurrence of a word then reaches the reducers as its own
// record, so comparing it with word_count shows what the combiner saves (in
// time and in intermediate data) and what the engine costs when a job cannot
// combine. Same word rule (examples/words.hpp) and same output: `word<TAB>count`
// lines in byte order of the words.
//
//   word_count_no_combiner [-o OUT] [-p N | --sequential] FILE

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "words.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

class WordCountNoCombiner final
    : public mapreduce::MapReduceConcurrent<WordCountNoCombiner, std::string, std::int64_t> {
 public:
  using MapReduceConcurrent::MapReduceConcurrent;

  void mapper(std::string_view line, Emitter& emit) {
    examples::for_each_word(line, [&](std::string_view word) { emit(word, 1); });
  }

  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t count : counts) total += count;
    return {word, total};
  }
};

}  // namespace

int main(int argc, char** argv) {
  return mapreduce::run_main<WordCountNoCombiner>(
      argc, argv, "Counts the words of INPUT without a combiner: maximal runs of [A-Za-z0-9_'], case kept.");
}
