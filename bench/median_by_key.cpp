// median_by_key: the median value of each key of key<TAB>value lines (as
// generate_corpus --kind records writes), for tools/bench-spill. A median
// needs every value of its key, so the job has no combiner: all the input's
// pairs are intermediate data, which past --memory-limit spill to disk and
// are merged back. A line without a tab, or whose value is not a number, is
// an error naming it.
//
//   median_by_key [-o OUT] [-p N | --sequential] [--memory-limit SIZE] FILE

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mapreduce/mapreduce.hpp>

namespace {

class MedianByKey final : public mapreduce::MapReduceConcurrent<MedianByKey, std::string, std::uint64_t> {
 public:
  using MapReduceConcurrent::MapReduceConcurrent;

  void mapper(std::string_view line, Emitter& emit) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos) throw std::runtime_error("no tab between the key and the value");
    std::uint64_t value = 0;
    const char* end = line.data() + line.size();
    const auto [at, error] = std::from_chars(line.data() + tab + 1, end, value);
    if (error != std::errc() || at != end) throw std::runtime_error("the value is not a number");
    emit(line.substr(0, tab), value);
  }

  // The lower median: the middle value, or the lower of the middle two.
  std::pair<std::string_view, std::uint64_t> reducer(std::string_view key, Values values) {
    sorted_.assign(values.begin(), values.end());
    const auto middle = sorted_.begin() + static_cast<std::ptrdiff_t>((sorted_.size() - 1) / 2);
    std::nth_element(sorted_.begin(), middle, sorted_.end());
    const std::uint64_t median = *middle;
    // The hottest key's values (14 M on the 3 GiB records, 112 MiB) are not
    // held for the rest of the job.
    if (sorted_.capacity() > kKeptCapacity) std::vector<std::uint64_t>().swap(sorted_);
    return {key, median};
  }

 private:
  static constexpr std::size_t kKeptCapacity = std::size_t(1) << 16;
  std::vector<std::uint64_t> sorted_;
};

}  // namespace

int main(int argc, char** argv) {
  return mapreduce::run_main<MedianByKey>(
      argc, argv, "Prints the median value of each key of INPUT's key<TAB>value lines.");
}
