// inner_join: joins two TSV files on their first column. For every pair of a
// LEFT line and a RIGHT line with equal keys, one line `key<TAB>left-rest<TAB>
// right-rest`, where a line's rest is what follows its first TAB (a line
// without a TAB is all key, with an empty rest, as Hadoop's
// KeyValueTextInputFormat reads it). Sorted by key, then by LEFT line order,
// then by RIGHT line order; nothing for keys on one side only. A reduce-side
// join: the mapper tags each line with its side, and the reducer, which
// receives a key's values in input order (LEFT's lines, then RIGHT's), writes
// their cross product.
//
//   inner_join [-p N | --sequential] [-o OUT] LEFT RIGHT   (two files)

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mapreduce/mapreduce.hpp>

class InnerJoin final : public mapreduce::MapReduceConcurrent<InnerJoin, std::string, std::string> {
 public:
  // LEFT and RIGHT are files (compressed ones too); one file for a
  // self-join, read once.
  InnerJoin(std::string left, std::string right, mapreduce::Options options)
      : MapReduceConcurrent(
            left == right ? std::vector<std::string>{left} : std::vector<std::string>{left, right},
            std::move(options)),
        left_path_(std::move(left)),
        right_path_(std::move(right)) {}

  void mapper(std::string_view line, Emitter& emit) {
    const std::size_t tab = line.find('\t');
    const std::string_view key = line.substr(0, tab);
    const std::string_view rest = tab == std::string_view::npos ? std::string_view() : line.substr(tab + 1);
    // In a self-join each line is on both sides.
    const std::string_view path = input_context().path();
    if (path == left_path_) emit_tagged(emit, key, 'L', rest);
    if (path == right_path_) emit_tagged(emit, key, 'R', rest);
  }

  void reducer(std::string_view key, Values tagged, Out& out) {
    left_.clear();
    right_.clear();
    for (std::string_view value : tagged) (value[0] == 'L' ? left_ : right_).push_back(value.substr(1));
    for (std::string_view left : left_) {
      for (std::string_view right : right_) {
        row_.assign(left);
        row_ += '\t';
        row_ += right;
        out(key, row_);
      }
    }
  }

 private:
  void emit_tagged(Emitter& emit, std::string_view key, char side, std::string_view rest) {
    value_.assign(1, side);
    value_ += rest;
    emit(key, value_);
  }

  std::string left_path_;
  std::string right_path_;
  std::string value_;
  std::vector<std::string_view> left_;
  std::vector<std::string_view> right_;
  std::string row_;
};

int main(int argc, char** argv) {
  mapreduce::Runner runner(
      argc > 0 ? argv[0] : "inner_join",
      "Joins two TSV files, LEFT and RIGHT, on their first column: key<TAB>left-rest<TAB>"
      "right-rest for every pair of lines with equal keys.");
  runner.set_operands("LEFT RIGHT");
  return runner.run(argc, argv,
                    [](const std::vector<std::string>& inputs, const mapreduce::Options& options) {
                      if (inputs.size() != 2) {
                        throw mapreduce::UsageError("give two inputs, LEFT and RIGHT, not " +
                                                    std::to_string(inputs.size()));
                      }
                      InnerJoin job(inputs[0], inputs[1], options);
                      job.run();
                    });
}
