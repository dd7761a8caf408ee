// generate_corpus: writes the benchmark inputs, byte-identical on every machine
// for a given kind, size, vocabulary and seed.
//
//   generate_corpus --kind zipf|text|ratings|records --size BYTES [--vocabulary N]
//                   [--seed S] [--catalogue FILE] -o FILE
//
//   zipf     ~10 words a line drawn from Zipf(s = 1) over N synthetic lowercase
//            words of 2-12 letters (N defaults to 1000000).
//   text     Shakespeare-like prose: N words (default 15000) with Zipf
//            frequencies, capitalised sentences, punctuation, apostrophes,
//            lines of 40-80 characters and blank lines between paragraphs.
//   ratings  JSON lines {"user_id": U, "movie_id": M, "rating": R} over N movies
//            (default 1000) of Zipf-like popularity; R is an integer 1-10 or a
//            one-decimal value. --catalogue FILE also writes the matching
//            {"id": M, "name": "Movie M"} lines.
//   records  key<TAB>value lines, the input of a group-by: keys "k" followed
//            by a number below N (default 1000000) in Zipf order, values
//            numbers below 10^9, uniform.
//
// The output is whole LF-terminated lines, at least BYTES bytes: it ends with
// the first line (for text, the first sentence) that reaches BYTES. BYTES may
// end in K, M or G (binary multiples). A file is written beside its final name
// and renamed into place when complete, so an interrupted run never leaves a
// truncated corpus that looks finished.
//
// Only std::mt19937_64, whose output sequence the standard fixes, is taken from
// <random>: the distributions, std::shuffle and floating-point arithmetic all
// may differ between standard libraries or compilers, so every sample is drawn
// with integer arithmetic of our own.
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using Rng = std::mt19937_64;
__extension__ typedef unsigned __int128 Uint128;

constexpr std::string_view kUsage =
    "usage: generate_corpus --kind zipf|text|ratings|records --size BYTES [--vocabulary N] [--seed S]\n"
    "                       [--catalogue FILE] -o FILE\n";

// A command-line mistake: reported with the usage text and exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A uniform integer in [0, n) for n >= 1, by Lemire's multiply-shift; the bias
// (below 2^-40 for every n used here) does not matter, portability does.
std::uint64_t below(Rng& rng, std::uint64_t n) {
  return static_cast<std::uint64_t>((static_cast<Uint128>(rng()) * n) >> 64);
}

// Whether an event of probability per_mille / 1000 happens.
bool chance(Rng& rng, std::uint64_t per_mille) { return below(rng, 1000) < per_mille; }

// SplitMix64's finaliser: builds the synthetic words from their index alone, so
// a vocabulary does not depend on the seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1), i.e.
// Zipf with s = 1. The weights are integers (2^40 / (rank + 1)) so the table is
// the same everywhere; a guide table indexed by the top bits of the uniform
// draw narrows the binary search over the cumulative weights to a few entries.
class ZipfSampler {
 public:
  explicit ZipfSampler(std::size_t n) : cumulative_(n) {
    std::uint64_t total = 0;
    for (std::size_t rank = 0; rank < n; ++rank) {
      total += (std::uint64_t(1) << 40) / (rank + 1);
      cumulative_[rank] = total;
    }
    while (((total - 1) >> shift_) >= kGuideSize) ++shift_;
    const std::uint64_t buckets = ((total - 1) >> shift_) + 1;
    guide_.resize(buckets + 1);
    std::size_t rank = 0;
    for (std::uint64_t bucket = 0; bucket <= buckets; ++bucket) {
      const std::uint64_t start = bucket << shift_;
      while (rank + 1 < n && cumulative_[rank] <= start) ++rank;
      guide_[bucket] = static_cast<std::uint32_t>(rank);
    }
  }

  std::size_t operator()(Rng& rng) const {
    const std::uint64_t u = below(rng, cumulative_.back());
    const std::uint64_t bucket = u >> shift_;
    const auto first = cumulative_.begin() + guide_[bucket];
    const auto last = cumulative_.begin() + guide_[bucket + 1] + 1;
    return static_cast<std::size_t>(std::upper_bound(first, last, u) - cumulative_.begin());
  }

 private:
  static constexpr std::uint64_t kGuideSize = 1 << 16;
  std::vector<std::uint64_t> cumulative_;
  std::vector<std::uint32_t> guide_;
  unsigned shift_ = 0;
};

// A fixed set of distinct words, each in a 16-byte slot so that looking one
// up by rank touches a single cache line, with an open-addressing index that
// rejects duplicates while the set is built.
class Vocabulary {
 public:
  static constexpr std::size_t kMaxLength = 15;

  explicit Vocabulary(std::size_t capacity) {
    std::size_t slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    index_.assign(slots, kFree);
    words_.reserve(capacity);
  }

  // Adds word unless it is already present; returns whether it was added.
  // Precondition: fewer words than the capacity, none longer than kMaxLength.
  bool add(std::string_view word) {
    assert(word.size() <= kMaxLength && words_.size() * 2 < index_.size());
    Word entry{};
    std::memcpy(entry.bytes, word.data(), word.size());
    entry.length = static_cast<std::uint8_t>(word.size());
    const std::size_t mask = index_.size() - 1;
    for (std::size_t slot = hash(entry) & mask;; slot = (slot + 1) & mask) {
      if (index_[slot] == kFree) {
        index_[slot] = static_cast<std::uint32_t>(words_.size());
        words_.push_back(entry);
        return true;
      }
      if (std::memcmp(&words_[index_[slot]], &entry, sizeof entry) == 0) return false;
    }
  }
  std::size_t size() const { return words_.size(); }
  std::string_view operator[](std::size_t i) const { return {words_[i].bytes, words_[i].length}; }
  // Frees the index once the vocabulary is complete.
  void seal() { index_ = {}; }

 private:
  struct Word {
    char bytes[kMaxLength];
    std::uint8_t length;
  };
  static_assert(sizeof(Word) == 16);
  static constexpr std::uint32_t kFree = UINT32_MAX;

  static std::uint64_t hash(const Word& word) {
    std::uint64_t halves[2];
    std::memcpy(halves, &word, sizeof halves);
    return mix(halves[0] ^ mix(halves[1]));
  }

  std::vector<Word> words_;
  std::vector<std::uint32_t> index_;
};

// N distinct words of 2-12 lowercase letters, each built from its index alone
// (a clash with an earlier word is retried with the next attempt number).
Vocabulary synthetic_words(std::size_t n) {
  Vocabulary words(n);
  std::string word;
  for (std::uint64_t i = 0; words.size() < n; ++i) {
    for (std::uint64_t attempt = 0;; ++attempt) {
      std::uint64_t h = mix(mix(i) ^ (attempt * 0xd6e8feb86659fd93));
      const std::size_t length = 2 + h % 11;
      h = mix(h);
      word.clear();
      for (std::size_t k = 0; k < length; ++k, h /= 26) word += static_cast<char>('a' + h % 26);
      if (words.add(word)) break;
    }
  }
  words.seal();
  return words;
}

// The most frequent words of Shakespeare's plays in about their order, then
// the contractions that give the text its apostrophes; names keep capitals.
constexpr std::string_view kCommonWords[] = {
    "the",        "and",       "to",       "I",       "of",      "you",      "my",      "a",       "that",
    "in",         "is",        "not",      "for",     "with",    "me",       "it",      "be",      "your",
    "his",        "but",       "this",     "he",      "have",    "as",       "thou",    "him",     "so",
    "what",       "thy",       "will",     "by",      "no",      "all",      "king",    "we",      "shall",
    "her",        "if",        "our",      "are",     "do",      "thee",     "lord",    "now",     "on",
    "good",       "from",      "come",     "sir",     "or",      "which",    "more",    "then",    "at",
    "O",          "would",     "was",      "they",    "how",     "well",     "here",    "she",     "than",
    "their",      "them",      "duke",     "am",      "hath",    "say",      "let",     "when",    "one",
    "I'll",       "go",        "love",     "were",    "may",     "us",       "make",    "like",    "upon",
    "yet",        "Richard",   "there",    "must",    "should",  "an",       "first",   "queen",   "why",
    "know",       "man",       "had",      "did",     "'tis",    "where",    "see",     "some",    "too",
    "death",      "give",      "who",      "these",   "take",    "speak",    "Edward",  "York",    "up",
    "out",        "mine",      "such",     "Henry",   "Romeo",   "can",      "time",    "father",  "tell",
    "Gloucester", "most",      "lady",     "son",     "nor",     "God",      "life",    "made",    "hear",
    "day",        "heart",     "art",      "much",    "think",   "Warwick",  "never",   "brother", "doth",
    "true",       "before",    "cannot",   "both",    "blood",   "thus",     "any",     "being",   "ay",
    "away",       "name",      "men",      "fair",    "been",    "hand",     "noble",   "look",    "again",
    "very",       "night",     "pray",     "sweet",   "own",     "done",     "Juliet",  "second",  "myself",
    "great",      "therefore", "leave",    "against", "though",  "poor",     "honour",  "down",    "prince",
    "hast",       "way",       "Angelo",   "fear",    "old",     "nay",      "heaven",  "till",    "call",
    "world",      "eyes",      "nurse",    "live",    "stay",    "many",     "bear",    "wife",    "house",
    "grace",      "dead",      "comes",    "stand",   "even",    "die",      "nothing", "ever",    "whose",
    "other",      "head",      "friends",  "peace",   "unto",    "those",    "better",  "gone",    "word",
    "still",      "off",       "mother",   "hence",   "two",     "master",   "since",   "news",    "could",
    "little",     "gentleman", "daughter", "soul",    "thing",   "lords",    "long",    "whom",    "put",
    "once",       "himself",   "face",     "thine",   "set",     "o'",       "ere",     "else",    "words",
    "none",       "might",     "tongue",   "rest",    "that's",  "let's",    "don't",   "o'er",    "ne'er",
    "he's",       "we'll",     "e'er",     "what's",  "there's", "king's",   "'twere",  "'twas",   "she's",
    "banish'd",   "you'll",    "look'd",   "man's",   "here's",  "call'd",   "kill'd",  "is't",    "'em",
    "ta'en",      "on't",      "England",  "know'st", "men's",   "mother's", "love's",  "'twixt",  "'gainst",
    "i'",         "father's",
};

// The text vocabulary: the common words, then pronounceable synthetic ones of
// one to four syllables (mostly one or two), one in 64 of them a capitalised
// name.
Vocabulary text_words(std::size_t n) {
  static constexpr std::string_view kOnsets[] = {"b",  "c",  "d",  "f",  "g",  "h",  "l",  "m",
                                                 "n",  "p",  "r",  "s",  "t",  "v",  "w",  "th",
                                                 "st", "br", "gr", "ch", "sh", "pl", "cr", "wh"};
  static constexpr std::string_view kVowels[] = {"a", "e", "i", "o", "u", "ea", "ou", "ai", "ee", "y"};
  static constexpr std::size_t kSyllables[] = {1, 1, 1, 2, 2, 2, 2, 3, 3, 4};
  static constexpr std::string_view kCodas[] = {"", "", "", "n", "r", "s", "t", "ll", "nd", "ng", "rt", "st"};
  Vocabulary words(n);
  for (std::string_view word : kCommonWords) {
    if (words.size() == n) break;
    words.add(word);
  }
  std::string word;
  for (std::uint64_t i = 0; words.size() < n; ++i) {
    std::uint64_t h = mix(i);
    const std::size_t syllables = kSyllables[h % std::size(kSyllables)];
    h /= std::size(kSyllables);
    word.clear();
    for (std::size_t k = 0; k < syllables; ++k) {
      word += kOnsets[h % std::size(kOnsets)];
      h = mix(h);
      word += kVowels[h % std::size(kVowels)];
      h = mix(h);
      word += kCodas[h % std::size(kCodas)];
      h = mix(h);
    }
    if (word.size() > 12 || word.size() < 2) continue;
    if (h % 64 == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
    words.add(word);
  }
  words.seal();
  return words;
}

// Buffered output to a file that gets its final name only when complete.
class Output {
 public:
  explicit Output(std::string path) : path_(std::move(path)) {
    if (path_ == "-") {
      file_ = stdout;
    } else {
      temporary_ = path_ + ".tmp." + std::to_string(::getpid());
      file_ = std::fopen(temporary_.c_str(), "wbx");
      if (file_ == nullptr) fail("cannot create " + path_);
    }
    buffer_.reserve(kFlushBytes + 4096);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output() {
    if (!temporary_.empty()) {
      if (file_ != nullptr) std::fclose(file_);
      std::remove(temporary_.c_str());
    }
  }

  // The buffer lines are appended to; call end_line() after each.
  std::string& buffer() { return buffer_; }
  void end_line() {
    buffer_ += '\n';
    if (buffer_.size() >= kFlushBytes) flush();
  }
  std::uint64_t bytes() const { return written_ + buffer_.size(); }

  void commit() {
    flush();
    if (file_ == stdout) {
      if (std::fflush(file_) != 0) fail("cannot write the standard output");
      return;
    }
    FILE* file = file_;
    file_ = nullptr;
    if (std::fclose(file) != 0) fail("cannot write " + temporary_);
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0)
      fail("cannot rename " + temporary_ + " to " + path_);
    temporary_.clear();
  }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t(1) << 20;

  void flush() {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      fail("cannot write " + (temporary_.empty() ? std::string("the standard output") : temporary_));
    }
    written_ += buffer_.size();
    buffer_.clear();
  }
  [[noreturn]] static void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
  }

  std::string path_;
  std::string temporary_;
  FILE* file_ = nullptr;
  std::string buffer_;
  std::uint64_t written_ = 0;
};

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void generate_zipf(Output& out, std::uint64_t size, std::size_t vocabulary, Rng& rng) {
  const Vocabulary words = synthetic_words(vocabulary);
  const ZipfSampler sample(words.size());
  std::string& line = out.buffer();
  while (out.bytes() < size) {
    const std::uint64_t count = 6 + below(rng, 9);
    for (std::uint64_t i = 0; i < count; ++i) {
      if (i > 0) line += ' ';
      line += words[sample(rng)];
    }
    out.end_line();
  }
}

// Prose is a stream of tokens (a word with any punctuation after it) filled
// into lines of a width chosen per line; paragraphs are a few sentences.
class TextWriter {
 public:
  TextWriter(Output& out, std::size_t vocabulary, Rng& rng)
      : out_(out), words_(text_words(vocabulary)), sample_(words_.size()), rng_(rng) {}

  void run(std::uint64_t size) {
    while (out_.bytes() + line_.size() < size) {
      if (out_.bytes() > 0) out_.end_line();  // the blank line between paragraphs
      const std::uint64_t sentences = 1 + below(rng_, 8);
      for (std::uint64_t s = 0; s < sentences && out_.bytes() + line_.size() < size; ++s) sentence();
      end_line();
    }
  }

 private:
  static constexpr std::size_t kMinWidth = 40;
  static constexpr std::size_t kMaxWidth = 80;

  void sentence() {
    const std::uint64_t length = 3 + below(rng_, 16);
    for (std::uint64_t i = 0; i < length; ++i) {
      token_ = words_[sample_(rng_)];
      if (i == 0) capitalise(token_);
      if (i + 1 == length) {
        const std::uint64_t end = below(rng_, 100);
        token_ += end < 70 ? '.' : end < 85 ? '?' : '!';
      } else if (chance(rng_, 150)) {
        const std::uint64_t mark = below(rng_, 100);
        token_ += mark < 80 ? ',' : mark < 92 ? ';' : ':';
      }
      add(token_);
    }
  }

  static void capitalise(std::string& word) {
    const auto letter = std::find_if(word.begin(), word.end(), [](char c) { return c != '\''; });
    if (letter != word.end() && *letter >= 'a' && *letter <= 'z')
      *letter = static_cast<char>(*letter - 'a' + 'A');
  }

  // Fills to this line's width, but never ends a line short of kMinWidth
  // unless the paragraph ends there.
  void add(const std::string& token) {
    if (!line_.empty()) {
      const std::size_t wider = line_.size() + 1 + token.size();
      if (wider <= width_ || (line_.size() < kMinWidth && wider <= kMaxWidth)) {
        line_ += ' ';
        line_ += token;
        return;
      }
      end_line();
    }
    line_ = token;
  }

  void end_line() {
    if (line_.empty()) return;
    out_.buffer() += line_;
    out_.end_line();
    line_.clear();
    width_ = kMinWidth + below(rng_, kMaxWidth - kMinWidth + 1);
  }

  Output& out_;
  const Vocabulary words_;
  const ZipfSampler sample_;
  Rng& rng_;
  std::string line_;
  std::string token_;
  std::size_t width_ = 60;
};

void generate_ratings(Output& out, std::uint64_t size, std::size_t movies, Rng& rng) {
  constexpr std::uint64_t kUsers = 100000;
  // Popularity rank -> movie id, a Fisher-Yates shuffle (std::shuffle's result
  // differs between libraries), and each movie's mean rating in tenths.
  std::vector<std::uint32_t> movie_of_rank(movies);
  for (std::size_t i = 0; i < movies; ++i) movie_of_rank[i] = static_cast<std::uint32_t>(i + 1);
  for (std::size_t i = movies; i > 1; --i) std::swap(movie_of_rank[i - 1], movie_of_rank[below(rng, i)]);
  std::vector<std::uint32_t> mean(movies + 1);
  for (std::size_t id = 1; id <= movies; ++id) mean[id] = static_cast<std::uint32_t>(30 + below(rng, 61));

  const ZipfSampler sample(movies);
  std::string& line = out.buffer();
  while (out.bytes() < size) {
    const std::uint32_t movie = movie_of_rank[sample(rng)];
    // Four uniform steps of +-1.5 make a bell around the movie's mean.
    std::int64_t tenths = mean[movie];
    for (int i = 0; i < 4; ++i) tenths += static_cast<std::int64_t>(below(rng, 31)) - 15;
    tenths = std::clamp<std::int64_t>(tenths, 10, 100);
    line += "{\"user_id\": ";
    append_number(line, 1 + below(rng, kUsers));
    line += ", \"movie_id\": ";
    append_number(line, movie);
    line += ", \"rating\": ";
    if (chance(rng, 500)) {
      append_number(line, static_cast<std::uint64_t>((tenths + 5) / 10));
    } else {
      append_number(line, static_cast<std::uint64_t>(tenths / 10));
      line += '.';
      line += static_cast<char>('0' + tenths % 10);
    }
    line += '}';
    out.end_line();
  }
}

void generate_records(Output& out, std::uint64_t size, std::size_t keys, Rng& rng) {
  const ZipfSampler sample(keys);
  std::string& line = out.buffer();
  while (out.bytes() < size) {
    line += 'k';
    append_number(line, sample(rng));
    line += '\t';
    append_number(line, below(rng, 1'000'000'000));
    out.end_line();
  }
}

void write_catalogue(const std::string& path, std::size_t movies) {
  Output out(path);
  std::string& line = out.buffer();
  for (std::size_t id = 1; id <= movies; ++id) {
    line += "{\"id\": ";
    append_number(line, id);
    line += ", \"name\": \"Movie ";
    append_number(line, id);
    line += "\"}";
    out.end_line();
  }
  out.commit();
}

std::uint64_t parse_number(std::string_view option, std::string_view text, bool allow_suffix) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
  unsigned shift = 0;
  if (allow_suffix && rest.size() == 1) {
    switch (rest[0]) {
      case 'K':
      case 'k':
        shift = 10;
        break;
      case 'M':
      case 'm':
        shift = 20;
        break;
      case 'G':
      case 'g':
        shift = 30;
        break;
      default:
        break;
    }
    if (shift != 0) rest.remove_prefix(1);
  }
  if (error != std::errc() || !rest.empty() || text.empty() || value > (UINT64_MAX >> shift)) {
    throw UsageError(std::string(option) + " wants a number" + (allow_suffix ? " (with K, M or G)" : "") +
                     ", not '" + std::string(text) + "'");
  }
  return value << shift;
}

struct Options {
  std::string kind;
  std::uint64_t size = 0;
  bool has_size = false;
  std::uint64_t vocabulary = 0;  // 0: the kind's default
  std::uint64_t seed = 1;
  std::string output;
  std::string catalogue;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage.data(), stdout);
      std::exit(0);
    }
    std::string_view value;
    bool inline_value = false;
    if (const auto equals = arg.find('='); arg.starts_with("--") && equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
      inline_value = true;
    }
    const auto take_value = [&]() -> std::string_view {
      if (inline_value) return value;
      if (i + 1 == argc) throw UsageError(std::string(arg) + " wants a value");
      return argv[++i];
    };
    if (arg == "--kind") {
      options.kind = take_value();
    } else if (arg == "--size") {
      options.size = parse_number(arg, take_value(), true);
      options.has_size = true;
    } else if (arg == "--vocabulary") {
      options.vocabulary = parse_number(arg, take_value(), false);
      if (options.vocabulary == 0 || options.vocabulary > 50'000'000) {
        throw UsageError("--vocabulary must be between 1 and 50000000");
      }
    } else if (arg == "--seed") {
      options.seed = parse_number(arg, take_value(), false);
    } else if (arg == "-o" || arg == "--output") {
      options.output = take_value();
    } else if (arg == "--catalogue") {
      options.catalogue = take_value();
    } else {
      throw UsageError("unknown argument '" + std::string(arg) + "'");
    }
  }
  if (options.kind != "zipf" && options.kind != "text" && options.kind != "ratings" &&
      options.kind != "records") {
    throw UsageError("--kind must be zipf, text, ratings or records");
  }
  if (!options.has_size) throw UsageError("--size is required");
  if (options.output.empty()) throw UsageError("-o FILE is required");
  if (!options.catalogue.empty() && options.kind != "ratings") {
    throw UsageError("--catalogue goes with --kind ratings");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    Rng rng(options.seed);
    Output out(options.output);
    if (options.kind == "zipf") {
      generate_zipf(out, options.size, options.vocabulary ? options.vocabulary : 1'000'000, rng);
    } else if (options.kind == "text") {
      TextWriter(out, options.vocabulary ? options.vocabulary : 15'000, rng).run(options.size);
    } else if (options.kind == "records") {
      generate_records(out, options.size, options.vocabulary ? options.vocabulary : 1'000'000, rng);
    } else {
      const std::size_t movies = options.vocabulary ? options.vocabulary : 1000;
      generate_ratings(out, options.size, movies, rng);
      if (!options.catalogue.empty()) write_catalogue(options.catalogue, movies);
    }
    out.commit();
    return 0;
  } catch (const UsageError& error) {
    std::fprintf(stderr, "generate_corpus: %s\n%s", error.what(), kUsage.data());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "generate_corpus: %s\n", error.what());
    return 1;
  }
}
