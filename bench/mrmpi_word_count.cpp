// mrmpi_word_count: examples/word_count written against MR-MPI (Sandia's
// MapReduce-MPI library, Debian's libmrmpi-dev), the baseline tools/bench-mpi
// times our --mpi engine against. Same word rule (examples/words.hpp), same
// output: `word<TAB>count` lines in byte order of the words, byte for byte
// what `word_count --sequential` prints, to stdout or to OUT.
//
// It is what a careful engineer writes with the idioms MR-MPI's manual
// documents, plus one thing any fast word count does, counting in a hash
// table before anything leaves the map, and it is tuned otherwise only
// through the library's own settings:
//   - map(nmap, nfiles, files, recurse, readfile, '\n', delta, ...): the
//     file-chunk variant. MR-MPI cuts the files into nmap chunks of about the
//     same size at newlines, reads each chunk itself and passes it to
//     map_chunk. nmap is a multiple of the rank count, for chunks of at most
//     32 MiB.
//   - map_chunk counts the chunk's words in a hash table
//     (boost::unordered_flat_map, keyed by string_views into the chunk, which
//     MR-MPI keeps while the callback runs, so no word is copied before it is
//     added) and adds one (word, count) pair per distinct word of the chunk:
//     in-map combining. The table is reused from chunk to chunk. No
//     compress() follows: it would merge only the pairs of a rank's few
//     chunks (of up to 32 MiB each), which collate() merges anyway. That is
//     about 2x as fast as the pair-per-word style on the text corpus and
//     1.2-1.4x on the Zipf one, so it is the default, the baseline
//     tools/bench-mpi measures against.
//   - --per-word: MR-MPI's wordfreq example instead, one (word, no value)
//     pair per word, then compress(): on each rank, a word's pairs become one
//     (word, count) pair before anything is sent, MR-MPI's combiner
//     (--no-compress skips it too, to show what it saves). Kept to compare
//     with.
//   - collate(): every word hashed to one rank (aggregate), its values grouped
//     (convert); reduce() adds up the partial counts.
//   - gather(1), sort_keys(): all the (word, count) pairs to rank 0, sorted by
//     the words' bytes; scan() prints them there.
//   - memsize, the size of MR-MPI's pages: a key-value set larger than one
//     page is written out to files under fpath, so by default a page holds
//     one rank's map output with room to spare, however many distinct words
//     its chunks have (3 bytes per input byte, what --per-word needs, at
//     least MR-MPI's default 64 MiB, at most 2 GiB); fpath is $TMPDIR or
//     /tmp rather than the working directory.
//
// MR-MPI prints its warnings and errors on stdout; this program moves them to
// stderr, so that stdout holds the counts alone.
//
// After MPI_Init it turns Nagle's algorithm off on the rank's connection to
// Open MPI's launcher, as word_count --mpi does
// (lib/cluster/launcher_connection.hpp): without that, MPI_Finalize stalls
// about 40 ms, and the ratio would count our fix as the engine's speed.
//
//   mpirun -np N mrmpi_word_count [-o OUT] [--memsize MIB] [--delta BYTES]
//                                 [--per-word [--no-compress]] FILE...
#include <mpi.h>
#include <mrmpi/keyvalue.h>
#include <mrmpi/mapreduce.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "cluster/launcher_connection.hpp"
#include "words.hpp"

namespace {

using MAPREDUCE_NS::KeyValue;
using MAPREDUCE_NS::MapReduce;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kMaxChunkBytes = 32 * kMiB;
// MR-MPI finds a chunk's first and last newline within `delta` bytes of the
// cut, and fails when a line is longer.
constexpr int kDefaultDelta = 64 * 1024;
// A (word, no value) pair (--per-word) takes two 4-byte lengths and the word
// padded to 4 bytes, 16 bytes for most words: about twice the input bytes of
// a word and its separators (2.0 on the text corpus, 1.75 on the Zipf one, by
// MR-MPI's verbosity = 1 statistics). Pages of 3 bytes per input byte leave
// room. A (word, count) pair is 8 bytes more, but one per distinct word of a
// chunk rather than per word, so it needs no more unless nearly every word of
// a chunk is new.
constexpr std::uint64_t kPairBytesPerInputByte = 3;

constexpr std::string_view kUsage =
    "usage: mpirun -np N mrmpi_word_count [-o OUT] [--memsize MIB] [--delta BYTES] "
    "[--per-word [--no-compress]] FILE...\n";

struct Options {
  std::string output;   // empty: stdout
  int memsize_mib = 0;  // 0: sized from the input
  int delta = kDefaultDelta;
  bool per_word = false;  // one (word, no value) pair per word, not per distinct word of a chunk
  bool compress = true;   // with per_word: compress() before collate()
  std::vector<char*> files;
};

// Parses a positive int; false when `text` is not one.
bool parse_positive(const char* text, int& value) {
  const char* end = text + std::strlen(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  return ec == std::errc() && ptr == end && value > 0;
}

// The value of option `name` when argv[i] is it, as "NAME VALUE" (i moves on
// to VALUE) or "NAME=VALUE"; `missing` when argv[i] is NAME last. Null when
// argv[i] is another argument.
const char* option_value(int argc, char** argv, int& i, std::string_view name, bool& missing) {
  const std::string_view arg = argv[i];
  if (arg == name) {
    if (i + 1 == argc) {
      missing = true;
      return nullptr;
    }
    return argv[++i];
  }
  if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
    return argv[i] + name.size() + 1;
  }
  return nullptr;
}

// Returns 0 when the options are good (with `done` set after --help), else 2
// after a usage message. Every rank parses the same argv; rank 0 alone prints.
int parse_options(int argc, char** argv, int rank, Options& options, bool& done) {
  const auto usage_error = [&](const std::string& message) {
    if (rank == 0) {
      std::fprintf(stderr, "mrmpi_word_count: %s\n%.*s", message.c_str(), static_cast<int>(kUsage.size()),
                   kUsage.data());
    }
    return 2;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    bool missing = false;
    if (arg == "-h" || arg == "--help") {
      if (rank == 0) std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      done = true;
      return 0;
    } else if (const char* path = option_value(argc, argv, i, "-o", missing); path != nullptr || missing) {
      if (missing) return usage_error("-o needs a file name");
      options.output = path;
    } else if (const char* mib = option_value(argc, argv, i, "--memsize", missing);
               mib != nullptr || missing) {
      if (missing || !parse_positive(mib, options.memsize_mib)) {
        return usage_error("--memsize needs a positive number of MiB");
      }
    } else if (const char* delta = option_value(argc, argv, i, "--delta", missing);
               delta != nullptr || missing) {
      if (missing || !parse_positive(delta, options.delta)) {
        return usage_error("--delta needs a positive number of bytes");
      }
    } else if (arg == "--per-word") {
      options.per_word = true;
    } else if (arg == "--no-compress") {
      options.compress = false;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option " + std::string(arg));
    } else {
      options.files.push_back(argv[i]);
    }
  }
  if (options.files.empty()) return usage_error("no input FILE");
  if (!options.compress && !options.per_word) return usage_error("--no-compress needs --per-word");
  return 0;
}

// The bytes of the inputs, summed on rank 0 (where MR-MPI lists the files) and
// broadcast; a directory counts as nothing.
std::uint64_t input_bytes(const Options& options, int rank) {
  std::uint64_t total = 0;
  if (rank == 0) {
    for (const char* file : options.files) {
      struct stat status;
      if (::stat(file, &status) == 0 && S_ISREG(status.st_mode)) total += status.st_size;
    }
  }
  MPI_Bcast(&total, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  return total;
}

// The number of map tasks: a multiple of the rank count, so every rank maps
// the same share, with chunks of at most kMaxChunkBytes. MR-MPI warns about,
// and cuts, any chunk no longer than delta; an input too small to cut into
// chunks longer than 2 * delta is one task per file, which never needs delta.
int map_tasks(std::uint64_t bytes, int ranks, int delta, int files, int& used_delta) {
  const std::uint64_t per_round = static_cast<std::uint64_t>(ranks) * kMaxChunkBytes;
  const std::uint64_t tasks = ranks * std::max<std::uint64_t>(1, (bytes + per_round - 1) / per_round);
  if (bytes / tasks <= 2 * static_cast<std::uint64_t>(delta)) {
    used_delta = 0;
    return files;
  }
  used_delta = delta;
  return static_cast<int>(tasks);
}

// MR-MPI's page size for this rank's share of `bytes`, in MiB.
int page_mib(std::uint64_t bytes, int ranks) {
  const std::uint64_t pair_bytes = kPairBytesPerInputByte * bytes / ranks;
  return static_cast<int>(std::clamp<std::uint64_t>((pair_bytes + kMiB - 1) / kMiB, 64, 2048));
}

// MR-MPI's callbacks take no const pointers, though they never write through
// the ones given here.
char* mutable_bytes(const char* bytes) { return const_cast<char*>(bytes); }

void add_count(char* key, int key_bytes, std::int64_t count, KeyValue* kv) {
  kv->add(key, key_bytes, reinterpret_cast<char*>(&count), sizeof count);
}

// A chunk's words and their counts, keyed by views into the chunk. One table,
// cleared (its buckets kept) after each chunk, serves all of a rank's chunks.
using ChunkCounts = boost::unordered_flat_map<std::string_view, std::int64_t>;

// map(), the default: one (word, count) pair per distinct word of a chunk;
// `size` counts the NUL MR-MPI puts after the chunk.
void map_chunk_counted(int, char* chunk, int size, KeyValue* kv, void* table) {
  auto& counts = *static_cast<ChunkCounts*>(table);
  examples::for_each_word(std::string_view(chunk, size - 1),
                          [&counts](std::string_view word) { ++counts[word]; });
  for (const auto& [word, count] : counts) {
    add_count(mutable_bytes(word.data()), static_cast<int>(word.size()), count, kv);
  }
  counts.clear();
}

// map() with --per-word: one (word, no value) pair per word of a chunk.
void map_chunk_per_word(int, char* chunk, int size, KeyValue* kv, void*) {
  examples::for_each_word(std::string_view(chunk, size - 1), [kv](std::string_view word) {
    kv->add(mutable_bytes(word.data()), static_cast<int>(word.size()), nullptr, 0);
  });
}

// A key's values, whether they fit in one page (nvalues > 0) or, for a key
// with more values than a page holds, come in blocks (nvalues == 0, and
// `sizes` is then the MapReduce object: MR-MPI's convention).
template <class F>
void for_each_value_block(char* multivalue, int nvalues, int* sizes, F&& f) {
  if (nvalues > 0) {
    f(multivalue, nvalues, sizes);
    return;
  }
  auto* mr = reinterpret_cast<MapReduce*>(sizes);
  int blocks = 0;
  mr->multivalue_blocks(blocks);
  for (int block = 0; block < blocks; ++block) {
    char* values = nullptr;
    int* block_sizes = nullptr;
    const int n = mr->multivalue_block(block, &values, &block_sizes);
    f(values, n, block_sizes);
  }
}

// --per-word's compress(), and its reduce() without compress(): (word, its
// number of values).
void count_values(char* key, int key_bytes, char* multivalue, int nvalues, int* sizes, KeyValue* kv, void*) {
  std::int64_t count = 0;
  for_each_value_block(multivalue, nvalues, sizes, [&](char*, int n, int*) { count += n; });
  add_count(key, key_bytes, count, kv);
}

// reduce() after in-map counting or compress(): (word, the sum of its partial
// counts). Values are packed, 4-byte aligned at most, so each is copied out.
void sum_counts(char* key, int key_bytes, char* multivalue, int nvalues, int* sizes, KeyValue* kv, void*) {
  std::int64_t total = 0;
  for_each_value_block(multivalue, nvalues, sizes, [&](char* values, int n, int*) {
    for (int i = 0; i < n; ++i) {
      std::int64_t count;
      std::memcpy(&count, values + i * sizeof count, sizeof count);
      total += count;
    }
  });
  add_count(key, key_bytes, total, kv);
}

// sort_keys(): byte order, a prefix first (keys have no NUL terminator).
int compare_words(char* a, int a_bytes, char* b, int b_bytes) {
  const int order = std::memcmp(a, b, static_cast<std::size_t>(std::min(a_bytes, b_bytes)));
  if (order != 0) return order;
  return (a_bytes > b_bytes) - (a_bytes < b_bytes);
}

// The output of rank 0, built in a buffer and written in large pieces.
class Output {
 public:
  explicit Output(std::FILE* file) : file_(file) {}

  void line(std::string_view word, std::int64_t count) {
    buffer_.append(word);
    buffer_ += '\t';
    char digits[24];
    buffer_.append(digits, std::to_chars(digits, digits + sizeof digits, count).ptr);
    buffer_ += '\n';
    if (buffer_.size() >= kFlushAt) flush();
  }

  // Writes what is buffered; false when a write failed, now or before.
  bool flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      failed_ = true;
    }
    buffer_.clear();
    return !failed_;
  }

 private:
  static constexpr std::size_t kFlushAt = std::size_t{1} << 20;

  std::FILE* file_;
  std::string buffer_;
  bool failed_ = false;
};

// scan(): prints a (word, count) pair; only rank 0 has any after gather(1).
void print_pair(char* key, int key_bytes, char* value, int, void* output) {
  std::int64_t count;
  std::memcpy(&count, value, sizeof count);
  static_cast<Output*>(output)->line(std::string_view(key, key_bytes), count);
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "mrmpi_word_count: %s\n", message.c_str());
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  mapreduce::detail::send_small_messages_to_launcher_at_once();
  int rank = 0;
  int ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);

  Options options;
  bool done = false;
  if (const int status = parse_options(argc, argv, rank, options, done); status != 0 || done) {
    MPI_Finalize();
    return status;
  }

  // The counts go to the real stdout (or OUT); MR-MPI's printf()s go to stderr.
  std::fflush(stdout);
  const int stdout_fd = ::dup(STDOUT_FILENO);
  if (stdout_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    fail("dup: " + std::string(std::strerror(errno)));
  }
  std::FILE* out = nullptr;
  if (rank == 0) {
    out = options.output.empty() ? ::fdopen(stdout_fd, "w") : std::fopen(options.output.c_str(), "w");
    if (out == nullptr) {
      fail((options.output.empty() ? "stdout" : options.output) + ": " + std::strerror(errno));
    }
  } else {
    ::close(stdout_fd);
  }

  const std::uint64_t bytes = input_bytes(options, rank);
  int delta = 0;
  const int nmap = map_tasks(bytes, ranks, options.delta, static_cast<int>(options.files.size()), delta);

  Output output(out);
  {
    // Destroyed before MPI_Finalize, which it needs MPI for.
    const auto mr = std::make_unique<MapReduce>(MPI_COMM_WORLD);
    mr->memsize = options.memsize_mib > 0 ? options.memsize_mib : page_mib(bytes, ranks);
    const char* tmpdir = std::getenv("TMPDIR");
    mr->set_fpath(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");

    const int nfiles = static_cast<int>(options.files.size());
    if (options.per_word) {
      mr->map(nmap, nfiles, options.files.data(), 0, 0, '\n', delta, &map_chunk_per_word, nullptr);
      if (options.compress) mr->compress(&count_values, nullptr);
    } else {
      ChunkCounts counts;
      mr->map(nmap, nfiles, options.files.data(), 0, 0, '\n', delta, &map_chunk_counted, &counts);
    }
    mr->collate(nullptr);
    mr->reduce(options.per_word && !options.compress ? &count_values : &sum_counts, nullptr);
    mr->gather(1);
    mr->sort_keys(&compare_words);
    mr->scan(&print_pair, &output);
  }

  if (rank == 0) {
    const bool written = output.flush();
    if (std::fclose(out) != 0 || !written) {
      fail((options.output.empty() ? "stdout" : options.output) + ": write failed: " + std::strerror(errno));
    }
  }
  MPI_Finalize();
  return 0;
}
