// The baseline for the word-count benchmark: a plain single-threaded C++ word
// count with a good open-addressing hash map, written the way a careful
// programmer would without any framework. It maps the file, counts maximal
// runs of [A-Za-z0-9_'] with views into the mapping as keys, and prints
// `word<TAB>count` lines in byte order, exactly like examples/word_count.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace {

constexpr std::array<bool, 256> kWordByte = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '\'';
  }
  return table;
}();

bool is_word_byte(char c) { return kWordByte[static_cast<unsigned char>(c)]; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  const int fd = ::open(argv[1], O_RDONLY);
  struct stat status;
  if (fd < 0 || ::fstat(fd, &status) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  const char* text = "";
  if (size > 0) {
    void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
      std::perror(argv[1]);
      return 1;
    }
    text = static_cast<const char*>(address);
  }

  boost::unordered_flat_map<std::string_view, std::uint64_t> counts;
  std::size_t i = 0;
  while (i < size) {
    while (i < size && !is_word_byte(text[i])) ++i;
    const std::size_t start = i;
    while (i < size && is_word_byte(text[i])) ++i;
    if (i > start) ++counts[std::string_view(text + start, i - start)];
  }

  std::vector<std::pair<std::string_view, std::uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (const auto& [word, count] : sorted) {
    out.append(word);
    out += '\t';
    out += std::to_string(count);
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
