// grep_lines: prints every line of the inputs that contains PATTERN, a fixed
// string, as `FILE:LINE:text`, in input order — what `grep -H -n -F PATTERN
// FILE...` prints. A map-only job: it has no reducer, so what mapper emits is
// the output, in input order, and the map tasks run on the whole pool.
//
//   grep_lines [-p N | --sequential] [-o OUT] PATTERN INPUT...

#include <string>
#include <string_view>
#include <vector>

#include <mapreduce/mapreduce.hpp>

class GrepLines final : public mapreduce::MapReduceConcurrent<GrepLines, std::string, mapreduce::Nothing> {
 public:
  GrepLines(std::string pattern, std::vector<std::string> inputs, mapreduce::Options options)
      : MapReduceConcurrent(std::move(inputs), std::move(options)), pattern_(std::move(pattern)) {}

  void mapper(std::string_view line, Emitter& emit) {
    if (line.find(pattern_) == std::string_view::npos) return;
    const mapreduce::InputContext& at = input_context();
    text_.assign(at.path());
    text_ += ':';
    text_ += std::to_string(at.line());
    text_ += ':';
    text_ += line;
    if (at.dropped_cr()) text_ += '\r';  // grep prints a CRLF line's CR
    emit(text_, mapreduce::Nothing{});   // the whole line is the key: no TAB, no value
  }

 private:
  std::string pattern_;
  std::string text_;
};

int main(int argc, char** argv) {
  mapreduce::Runner runner(
      argc > 0 ? argv[0] : "grep_lines",
      "Prints the lines that contain PATTERN (a fixed string) as FILE:LINE:text, as grep "
      "-H -n -F does.");
  runner.set_operands("PATTERN INPUT...");
  return runner.run(argc, argv,
                    [](const std::vector<std::string>& arguments, const mapreduce::Options& options) {
                      // As a Hadoop Streaming mapper, the input is standard input by default.
                      const bool streaming = options.mode != mapreduce::RunMode::job;
                      if (arguments.empty() || (arguments.size() < 2 && !streaming))
                        throw mapreduce::UsageError("give a PATTERN and at least one INPUT");
                      std::vector<std::string> inputs(arguments.begin() + 1, arguments.end());
                      if (inputs.empty()) inputs.push_back("-");
                      GrepLines job(arguments[0], inputs, options);
                      job.run();
                    });
}
