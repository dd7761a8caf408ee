// top_words: the N most frequent words of the inputs (word_count's rule), as
// `word<TAB>count`, by count descending, ties by word in byte order. A
// two-step pipeline: step 1 counts the words (with a combiner); step 2 reads
// its (word, count) records, typed, keys them by the negated count so that
// ascending keys are descending counts, gets each count's words sorted, and
// in its one reduce partition writes the first N.
//
//   top_words [-n N] [-p N | --sequential] [-o OUT] INPUT...

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "word_count.hpp"
#include <mapreduce/mapreduce.hpp>

class FirstWords final : public mapreduce::MapReduceConcurrent<FirstWords, std::int64_t, std::string,
                                                               mapreduce::Pairs<std::string, std::int64_t>> {
 public:
  FirstWords(std::int64_t n, std::vector<std::string> inputs, mapreduce::Options options)
      : MapReduceConcurrent(std::move(inputs), one_partition(std::move(options))), n_(n) {}

  static constexpr bool sort_values = true;  // a count's words in byte order

  void mapper(std::string_view word, std::int64_t count, Emitter& emit) { emit(-count, word); }

  void reducer(std::int64_t negated_count, Values words, Out& out) {
    for (std::string_view word : words) {
      if (written_ == n_) return;
      out(word, -negated_count);
      ++written_;
    }
  }

 private:
  // The first N of the whole ranking are the first N records of one
  // partition reduced in key order.
  static mapreduce::Options one_partition(mapreduce::Options options) {
    options.reducers = 1;
    return options;
  }

  std::int64_t n_;
  std::int64_t written_ = 0;
};

int main(int argc, char** argv) {
  mapreduce::Runner runner(
      argc > 0 ? argv[0] : "top_words",
      "Prints the N most frequent words of the INPUTs, by count descending, ties by word.");
  std::int64_t n = 10;
  runner.add_option("count,n", "N", "how many words to print", n, {.min = 0});
  return runner.run(argc, argv,
                    [&](const std::vector<std::string>& inputs, const mapreduce::Options& options) {
                      WordCount count(inputs, options);
                      FirstWords first(n, inputs, options);
                      mapreduce::run_steps(count, first);
                    });
}
