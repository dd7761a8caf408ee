// The baseline for the word-count benchmark: the fastest single-threaded word
// count we know how to write by hand, so that tools/bench's ratios say how the
// library compares with careful serial code, not with a naive loop. It must be
// at least as fast as the hand-tuned reference tools/bench times beside it
// (../shared/bench/wc_serial.cpp, when present).
//
// A word is a maximal run of ASCII [A-Za-z0-9_'], case kept, as in
// examples/word_count. Unlike that reference, it SORTS its output: it prints
// `word<TAB>count` lines in byte order of the words, byte for byte what
// examples/word_count prints, because the library's output is sorted and a
// baseline that skipped the sort would be timed doing less work than the job
// it is compared with (and its output could not be checked with cmp).
//
// How it is fast:
//   - The file is mapped with MAP_POPULATE into a reservation a few pages
//     longer than the file, so the bytes past its end read as zeros (which are
//     not word bytes): every 64-byte block and every 16-byte key load is in
//     bounds without a tail case.
//   - Each 64-byte block becomes a 64-bit mask of its word bytes (SSE2, or a
//     byte loop elsewhere); word starts and ends are the mask's edges, found
//     with count-trailing-zeros rather than a branch per byte.
//   - Counts live in a flat open-addressing table (linear probing, at most half
//     full, 32-byte slots on huge pages when the kernel grants them). A key of
//     up to 16 bytes is stored inline as two zero-padded 64-bit words and
//     compared as two integers; a longer key is a pointer into the mapping
//     plus its full hash.
//   - Tokens pass through a 16-deep queue: each one's slot is prefetched when
//     it is found and probed 16 tokens later, hiding the cache miss.
//   - The sort orders (8-byte big-endian key prefix, slot index) pairs with an
//     MSD radix sort on the prefix bytes, comparing whole keys only when two
//     prefixes tie; the output loop prefetches the slots it will print next.
//
//   baseline_word_count FILE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);
constexpr bool kLittleEndian = std::endian::native == std::endian::little;

__extension__ typedef unsigned __int128 Uint128;

[[noreturn]] void fail(const char* what) {
  std::perror(what);
  std::exit(1);
}

// --- Input -----------------------------------------------------------------

// Bytes readable (as zeros) past the end of the file: one 64-byte block plus a
// 16-byte key load, rounded up to whole pages by the mapping.
constexpr std::size_t kPadding = 128;

// A file mapped read-only, followed by at least kPadding zero bytes.
class MappedFile {
 public:
  explicit MappedFile(const char* path) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    struct stat status;
    if (fd < 0 || ::fstat(fd, &status) != 0) fail(path);
    if (!S_ISREG(status.st_mode)) {
      std::fprintf(stderr, "%s: not a regular file\n", path);
      std::exit(1);
    }
    size_ = static_cast<std::size_t>(status.st_size);
    // An anonymous reservation reads as zeros; the file is mapped over its
    // start, and the kernel zero-fills the rest of the file's last page.
    reserved_ = size_ + kPadding;
    void* base = ::mmap(nullptr, reserved_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) fail("mmap");
    data_ = static_cast<const char*>(base);
    if (size_ > 0) {
      if (::mmap(base, size_, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0) == MAP_FAILED) {
        fail(path);
      }
      ::madvise(base, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
  }
  ~MappedFile() { ::munmap(const_cast<char*>(data_), reserved_); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t reserved_ = 0;
};

// --- The word rule ---------------------------------------------------------

constexpr bool is_word_byte(unsigned char c) {
  return static_cast<unsigned char>((c | 0x20) - 'a') < 26 || static_cast<unsigned char>(c - '0') < 10 ||
         c == '_' || c == '\'';
}
static_assert(is_word_byte('A') && is_word_byte('z') && is_word_byte('0') && is_word_byte('9') &&
              is_word_byte('_') && is_word_byte('\''));
static_assert(!is_word_byte('@') && !is_word_byte('[') && !is_word_byte('`') && !is_word_byte('{') &&
              !is_word_byte('-') && !is_word_byte(0) && !is_word_byte(0xc1) && !is_word_byte(0xe1));

// Bit i is set when block[i] is a word byte; reads 64 bytes.
inline std::uint64_t word_mask(const char* block) {
#if defined(__SSE2__)
  // The same arithmetic as is_word_byte, 16 bytes at a time: x < n unsigned
  // is min(x, n - 1) == x.
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i a = _mm_set1_epi8('a'), zero = _mm_set1_epi8('0');
  const __m128i letters = _mm_set1_epi8(25), digits = _mm_set1_epi8(9);
  const __m128i underscore = _mm_set1_epi8('_'), apostrophe = _mm_set1_epi8('\'');
  std::uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
    const __m128i letter = _mm_sub_epi8(_mm_or_si128(v, case_bit), a);
    const __m128i digit = _mm_sub_epi8(v, zero);
    const __m128i word =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(letter, letters), letter),
                                  _mm_cmpeq_epi8(_mm_min_epu8(digit, digits), digit)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, underscore), _mm_cmpeq_epi8(v, apostrophe)));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(word))) << (16 * i);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    mask |= static_cast<std::uint64_t>(is_word_byte(static_cast<unsigned char>(block[i]))) << i;
  }
  return mask;
#endif
}

// Calls token(start, length) for every word of data[0, size), in order;
// data[size, size + 64) must be readable and hold no word byte.
template <class Token>
inline void for_each_word(const char* data, std::size_t size, Token&& token) {
  const char* start = nullptr;
  bool in_word = false;
  std::uint64_t carry = 0;  // 1 when the previous block ended inside a word
  for (std::size_t base = 0; base < size; base += 64) {
    const std::uint64_t mask = word_mask(data + base);
    // A set bit marks a byte whose class differs from the byte before it:
    // alternately a word's first byte and the byte after its last.
    std::uint64_t edges = mask ^ ((mask << 1) | carry);
    carry = mask >> 63;
    while (edges != 0) {
      const char* at = data + base + std::countr_zero(edges);
      edges &= edges - 1;
      if (in_word) token(start, static_cast<std::uint32_t>(at - start));
      start = at;
      in_word = !in_word;
    }
  }
  if (in_word) token(start, static_cast<std::uint32_t>(data + size - start));
}

// --- Keys and hashing --------------------------------------------------------

constexpr std::uint32_t kInlineBytes = 16;

// kFirstBytes[n] keeps the first n bytes (in memory order) of a loaded word.
constexpr std::array<std::uint64_t, 9> kFirstBytes = [] {
  std::array<std::uint64_t, 9> masks{};
  for (int n = 1; n <= 8; ++n) {
    masks[n] = kLittleEndian ? ~std::uint64_t{0} >> (64 - 8 * n) : ~std::uint64_t{0} << (64 - 8 * n);
  }
  return masks;
}();

inline std::uint64_t load_word(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// The first 8 bytes of a key as a big-endian number, zero-padded: numbers
// order as the keys' byte strings do, up to ties on 8 common bytes (no word
// contains a zero byte, so padding orders a shorter key first).
inline std::uint64_t sort_prefix(std::uint64_t first_word) {
  return kLittleEndian ? __builtin_bswap64(first_word) : first_word;
}

inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

constexpr std::uint64_t kSeed0 = 0xa0761d6478bd642f, kSeed1 = 0xe7037ed1a0b428db, kSeed2 = 0x8ebc6af09c88c6e3;

// A key of at most 16 bytes hashes its two zero-padded words, which determine
// its length (words hold no zero bytes).
inline std::uint64_t hash_short(std::uint64_t w0, std::uint64_t w1) { return mix(w0 ^ kSeed0, w1 ^ kSeed1); }

std::uint64_t hash_long(const char* p, std::uint32_t n) {
  std::uint64_t h = mix(load_word(p) ^ kSeed0, load_word(p + 8) ^ kSeed1) ^ n;
  std::uint32_t i = 16;
  for (; i + 8 <= n; i += 8) h = mix(h ^ load_word(p + i), kSeed2);
  if (i < n) h = mix(h ^ (load_word(p + i) & kFirstBytes[n - i]), kSeed2);
  return h;
}

// A word found in the input, hashed, waiting for its slot to arrive in cache.
struct Token {
  std::uint64_t w0, w1;  // a short key's bytes; for a long key, w1 is its hash
  const char* bytes;
  std::uint32_t length;
};

inline Token make_token(const char* p, std::uint32_t n) {
  if (n <= kInlineBytes) {
    const std::uint64_t w0 = load_word(p) & kFirstBytes[std::min(n, 8u)];
    const std::uint64_t w1 = load_word(p + 8) & kFirstBytes[n > 8 ? n - 8 : 0];
    return {w0, w1, p, n};
  }
  return {0, hash_long(p, n), p, n};
}

inline std::uint64_t token_hash(const Token& t) {
  return t.length <= kInlineBytes ? hash_short(t.w0, t.w1) : t.w1;
}

// --- The table ---------------------------------------------------------------

struct Slot {
  std::uint64_t w0;  // a short key's first 8 bytes; a long key's address in the mapping
  std::uint64_t w1;  // a short key's bytes 8-15; a long key's hash
  std::uint64_t count;
  std::uint32_t length;  // 0: empty
  std::uint32_t unused;

  const char* bytes() const {
    return length <= kInlineBytes ? reinterpret_cast<const char*>(&w0) : reinterpret_cast<const char*>(w0);
  }
  std::uint64_t hash() const { return length <= kInlineBytes ? hash_short(w0, w1) : w1; }
};
static_assert(sizeof(Slot) == 32);
static_assert(offsetof(Slot, w1) == offsetof(Slot, w0) + 8, "inline key bytes must be contiguous");

// Anonymous zeroed memory for `count` slots (all empty), on huge pages if the
// kernel agrees.
class SlotArray {
 public:
  explicit SlotArray(std::size_t count) : bytes_(count * sizeof(Slot)) {
    void* memory = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) fail("mmap");
    ::madvise(memory, bytes_, MADV_HUGEPAGE);
    slots_ = static_cast<Slot*>(memory);
  }
  ~SlotArray() {
    if (slots_ != nullptr) ::munmap(slots_, bytes_);
  }
  SlotArray(SlotArray&& other) noexcept : slots_(other.slots_), bytes_(other.bytes_) {
    other.slots_ = nullptr;
  }
  SlotArray& operator=(SlotArray&& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }

  Slot* get() const { return slots_; }

 private:
  Slot* slots_ = nullptr;
  std::size_t bytes_ = 0;
};

// Word counts by open addressing with linear probing, at most half full.
class CountTable {
 public:
  static constexpr std::size_t kInitialCapacity = std::size_t{1} << 16;

  CountTable() : slots_(kInitialCapacity), mask_(kInitialCapacity - 1) {}

  void prefetch(std::uint64_t hash) const { __builtin_prefetch(&slots_.get()[hash & mask_], 1, 1); }

  void add(const Token& t, std::uint64_t hash) {
    if (t.length > kInlineBytes) return add_long(t, hash);
    Slot* const slots = slots_.get();
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots[i];
      if (((slot.w0 ^ t.w0) | (slot.w1 ^ t.w1) | (slot.length ^ t.length)) == 0) {
        ++slot.count;
        return;
      }
      if (slot.length == 0) return insert(slot, t.w0, t.w1, t.length, hash);
    }
  }

  std::size_t capacity() const { return mask_ + 1; }
  std::size_t size() const { return size_; }
  const Slot* slots() const { return slots_.get(); }

 private:
  [[gnu::noinline]] void add_long(const Token& t, std::uint64_t hash) {
    Slot* const slots = slots_.get();
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots[i];
      if (slot.length == t.length && slot.w1 == hash && std::memcmp(slot.bytes(), t.bytes, t.length) == 0) {
        ++slot.count;
        return;
      }
      if (slot.length == 0)
        return insert(slot, reinterpret_cast<std::uint64_t>(t.bytes), hash, t.length, hash);
    }
  }

  void insert(Slot& slot, std::uint64_t w0, std::uint64_t w1, std::uint32_t length, std::uint64_t hash) {
    if (2 * (size_ + 1) > capacity()) {
      grow();
      Slot* const slots = slots_.get();
      std::size_t i = hash & mask_;
      while (slots[i].length != 0) i = (i + 1) & mask_;
      slots[i] = {w0, w1, 1, length, 0};
    } else {
      slot = {w0, w1, 1, length, 0};
    }
    ++size_;
  }

  [[gnu::noinline]] void grow() {
    const std::size_t capacity = 2 * this->capacity();
    SlotArray bigger(capacity);
    Slot* const to = bigger.get();
    const Slot* const from = slots_.get();
    for (std::size_t j = 0; j <= mask_; ++j) {
      if (from[j].length == 0) continue;
      std::size_t i = from[j].hash() & (capacity - 1);
      while (to[i].length != 0) i = (i + 1) & (capacity - 1);
      to[i] = from[j];
    }
    slots_ = std::move(bigger);
    mask_ = capacity - 1;
  }

  SlotArray slots_;
  std::size_t mask_;
  std::size_t size_ = 0;
};

// Counts every word of the file, probing each token's slot 16 tokens after
// prefetching it.
void count_words(const MappedFile& file, CountTable& table) {
  constexpr unsigned kDepth = 16;  // a power of two
  struct Pending {
    Token token;
    std::uint64_t hash;
  };
  std::array<Pending, kDepth> queue;
  unsigned next = 0;
  std::size_t seen = 0;
  for_each_word(file.data(), file.size(), [&](const char* p, std::uint32_t n) {
    Pending& entry = queue[next];
    if (seen >= kDepth) table.add(entry.token, entry.hash);
    entry.token = make_token(p, n);
    entry.hash = token_hash(entry.token);
    table.prefetch(entry.hash);
    next = (next + 1) & (kDepth - 1);
    ++seen;
  });
  // The last min(seen, kDepth) tokens, oldest first.
  const unsigned waiting = static_cast<unsigned>(std::min<std::size_t>(seen, kDepth));
  for (unsigned k = 0; k < waiting; ++k) {
    const Pending& entry = queue[(next + kDepth - waiting + k) & (kDepth - 1)];
    table.add(entry.token, entry.hash);
  }
}

// --- Sorting -----------------------------------------------------------------

struct SortEntry {
  std::uint64_t prefix;  // sort_prefix of the key's first 8 bytes
  std::uint32_t slot;
};

// Orders entries of equal prefix by their whole keys (which differ after
// their 8 common bytes).
class KeyLess {
 public:
  explicit KeyLess(const Slot* slots) : slots_(slots) {}
  bool operator()(const SortEntry& a, const SortEntry& b) const {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    if (a.slot == b.slot) return false;  // std::sort may compare an entry with itself
    const Slot& x = slots_[a.slot];
    const Slot& y = slots_[b.slot];
    const std::uint32_t common = std::min(x.length, y.length);
    const int order = std::memcmp(x.bytes() + 8, y.bytes() + 8, common - 8);
    return order != 0 ? order < 0 : x.length < y.length;
  }

 private:
  const Slot* slots_;
};

// MSD radix sort of entries[0, n) on prefix byte `digit` (0 the most
// significant) and below, all entries sharing the bytes above it; small runs
// and whole-prefix ties go to std::sort.
void radix_sort(SortEntry* entries, SortEntry* scratch, std::size_t n, int digit, const KeyLess& less) {
  constexpr std::size_t kSmall = 64;
  if (n < kSmall || digit == 8) {
    std::sort(entries, entries + n, less);
    return;
  }
  const int shift = 56 - 8 * digit;
  std::array<std::size_t, 257> start{};
  for (std::size_t i = 0; i < n; ++i) ++start[((entries[i].prefix >> shift) & 0xff) + 1];
  for (int b = 0; b < 256; ++b) start[b + 1] += start[b];
  std::array<std::size_t, 256> fill;
  std::copy(start.begin(), start.end() - 1, fill.begin());
  for (std::size_t i = 0; i < n; ++i) scratch[fill[(entries[i].prefix >> shift) & 0xff]++] = entries[i];
  std::memcpy(static_cast<void*>(entries), scratch, n * sizeof(SortEntry));
  // Bucket 0 holds at most one key: the one that ends before this byte.
  for (int b = 1; b < 256; ++b) {
    const std::size_t size = start[b + 1] - start[b];
    if (size > 1) radix_sort(entries + start[b], scratch, size, digit + 1, less);
  }
}

std::vector<SortEntry> sorted_entries(const CountTable& table) {
  std::vector<SortEntry> entries;
  entries.reserve(table.size());
  const Slot* const slots = table.slots();
  for (std::size_t i = 0; i < table.capacity(); ++i) {
    const Slot& slot = slots[i];
    if (slot.length != 0) {
      entries.push_back({sort_prefix(load_word(slot.bytes()) & kFirstBytes[std::min(slot.length, 8u)]),
                         static_cast<std::uint32_t>(i)});
    }
  }
  // Left uninitialised: every entry is written before it is read.
  const auto scratch = std::make_unique_for_overwrite<SortEntry[]>(entries.size());
  radix_sort(entries.data(), scratch.get(), entries.size(), 0, KeyLess(slots));
  return entries;
}

// --- Output ------------------------------------------------------------------

// Builds output in a large buffer and writes it to stdout in big writes.
class Output {
 public:
  static constexpr std::size_t kFlushAt = std::size_t{1} << 22;
  // Room for one more line: a key is copied in 16-byte loads, and a count has
  // at most 20 digits.
  static constexpr std::size_t kSlack = 64;

  Output() : buffer_(kFlushAt + kSlack) {}

  void line(const Slot& slot) {
    if (used_ + slot.length + kSlack > buffer_.size()) make_room(slot.length);
    char* out = buffer_.data() + used_;
    if (slot.length <= kInlineBytes) {
      std::memcpy(out, &slot.w0, kInlineBytes);
    } else {
      std::memcpy(out, slot.bytes(), slot.length);
    }
    out += slot.length;
    *out++ = '\t';
    out = std::to_chars(out, out + 20, slot.count).ptr;
    *out++ = '\n';
    used_ = out - buffer_.data();
  }

  void flush() {
    const char* p = buffer_.data();
    while (used_ > 0) {
      const ssize_t written = ::write(STDOUT_FILENO, p, used_);
      if (written < 0) {
        if (errno == EINTR) continue;
        fail("write");
      }
      p += written;
      used_ -= static_cast<std::size_t>(written);
    }
  }

 private:
  void make_room(std::size_t length) {
    flush();
    if (length + kSlack > buffer_.size()) buffer_.resize(length + kSlack);
  }

  std::vector<char> buffer_;
  std::size_t used_ = 0;
};

void print_sorted(const CountTable& table, const std::vector<SortEntry>& entries) {
  constexpr std::size_t kAhead = 16;
  const Slot* const slots = table.slots();
  Output out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i + kAhead < entries.size()) __builtin_prefetch(&slots[entries[i + kAhead].slot], 0, 0);
    out.line(slots[entries[i].slot]);
  }
  out.flush();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  const MappedFile file(argv[1]);
  CountTable table;
  count_words(file, table);
  print_sorted(table, sorted_entries(table));
  return 0;
}
