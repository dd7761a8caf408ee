// The examples' word splitter (examples/words.hpp): for_each_word, and the
// byte-at-a-time version it keeps for targets without SSE2, find the same
// words in the same order as a plain byte loop written here, for every byte
// value, wherever words fall against the 16- and 64-byte blocks a vector scan
// works in, and read no byte outside the text (each text is also checked
// against a page that faults on access, on either side).
#define BOOST_TEST_MODULE words
#include "../examples/words.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace {

// A word by where it lies in its text.
struct Word {
  std::size_t offset;
  std::size_t length;
  bool operator==(const Word&) const = default;
};

// The rule written as plainly as possible, independent of kWordByte.
bool reference_is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '\'';
}

std::vector<Word> reference_words(std::string_view text) {
  std::vector<Word> words;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool word_byte = reference_is_word_byte(static_cast<unsigned char>(text[i]));
    const bool after_word_byte = i > 0 && reference_is_word_byte(static_cast<unsigned char>(text[i - 1]));
    if (word_byte && !after_word_byte) words.push_back({i, 0});
    if (word_byte) ++words.back().length;
  }
  return words;
}

// What a splitter calls back with, as offsets; "" if every word is a view
// into the text, else what is wrong.
template <class Split>
std::string words_of(std::string_view text, Split split, std::vector<Word>& words) {
  std::string wrong;
  split(text, [&](std::string_view word) {
    if (word.data() < text.data() || word.data() + word.size() > text.data() + text.size()) {
      wrong = "a word outside the text";
    }
    words.push_back({static_cast<std::size_t>(word.data() - text.data()), word.size()});
  });
  return wrong;
}

std::string printable(std::string_view text) {
  std::ostringstream out;
  out << '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\' && c != '"') {
      out << c;
    } else {
      static const char kHex[] = "0123456789abcdef";
      out << "\\x" << kHex[byte >> 4] << kHex[byte & 15];
    }
  }
  out << "\" (" << text.size() << " bytes)";
  return out.str();
}

// "" if `split` finds the reference's words in `text`, else the first
// difference.
template <class Split>
std::string difference(std::string_view text, Split split) {
  const std::vector<Word> expected = reference_words(text);
  std::vector<Word> actual;
  const std::string wrong = words_of(text, split, actual);
  if (!wrong.empty()) return wrong + " of " + printable(text);
  for (std::size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
    if (i < expected.size() && i < actual.size() && expected[i] == actual[i]) continue;
    std::ostringstream out;
    out << "word " << i << " of " << printable(text) << ": expected ";
    if (i < expected.size()) {
      out << "@" << expected[i].offset << "+" << expected[i].length;
    } else {
      out << "none";
    }
    out << ", got ";
    if (i < actual.size()) {
      out << "@" << actual[i].offset << "+" << actual[i].length;
    } else {
      out << "none";
    }
    return out.str();
  }
  return "";
}

// Pages to put a text against: readable pages with an inaccessible page on
// each side, so that reading a byte before the text's start or past its end
// faults.
class GuardedPages {
 public:
  static constexpr std::size_t kReadablePages = 4;

  GuardedPages() : page_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) {
    void* mapping = ::mmap(nullptr, (kReadablePages + 2) * page_, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    BOOST_TEST_REQUIRE(mapping != MAP_FAILED);
    mapping_ = static_cast<char*>(mapping);
    BOOST_TEST_REQUIRE(::mprotect(mapping_, page_, PROT_NONE) == 0);
    BOOST_TEST_REQUIRE(::mprotect(readable() + kReadablePages * page_, page_, PROT_NONE) == 0);
  }
  ~GuardedPages() { ::munmap(mapping_, (kReadablePages + 2) * page_); }
  GuardedPages(const GuardedPages&) = delete;
  GuardedPages& operator=(const GuardedPages&) = delete;

  std::size_t capacity() const { return kReadablePages * page_; }
  // A copy of `text` that ends where the trailing guard page begins.
  std::string_view at_end(std::string_view text) {
    char* copy = readable() + capacity() - text.size();
    std::memcpy(copy, text.data(), text.size());
    return {copy, text.size()};
  }
  // A copy of `text` that starts where the leading guard page ends.
  std::string_view at_start(std::string_view text) {
    std::memcpy(readable(), text.data(), text.size());
    return {readable(), text.size()};
  }

 private:
  char* readable() { return mapping_ + page_; }
  std::size_t page_;
  char* mapping_ = nullptr;
};

const auto kForEachWord = [](std::string_view text, auto&& f) { examples::for_each_word(text, f); };
const auto kBytewise = [](std::string_view text, auto&& f) {
  examples::detail::for_each_word_bytewise(text, f);
};

// "" if both splitters find the reference's words in `text` as it is,
// against the end of a page and against the start of one.
std::string check(std::string_view text) {
  static GuardedPages pages;
  if (text.size() > pages.capacity()) return "test text too long: " + std::to_string(text.size());
  for (std::string_view placed : {text, pages.at_end(text), pages.at_start(text)}) {
    for (std::string found : {difference(placed, kForEachWord), difference(placed, kBytewise)}) {
      if (!found.empty()) return found;
    }
  }
  return "";
}

// Every byte value in classes: word bytes, and separators among them the
// bytes next to the word ranges, where a range compare is easiest to get
// wrong.
std::string word_bytes() {
  std::string bytes;
  for (int c = 0; c < 256; ++c) {
    if (reference_is_word_byte(static_cast<unsigned char>(c))) bytes += static_cast<char>(c);
  }
  return bytes;
}
std::string separators() {
  std::string bytes;
  for (int c = 0; c < 256; ++c) {
    if (!reference_is_word_byte(static_cast<unsigned char>(c))) bytes += static_cast<char>(c);
  }
  return bytes;
}
const std::string kBoundarySeparators = {
    '@',    '[',    '`',    '{',    '/',    ':',    '&',  '(',  '^',  '~', '\x7f', '\x80', '\x9f',
    '\xa0', '\xc1', '\xda', '\xdf', '\xe1', '\xff', '\0', '\r', '\n', ' ', '\t',   '-',    '.'};
const std::string kBoundaryWordBytes = "azAZ09_'mM";

// The block sizes the implementation works in, and what lies around them.
const std::size_t kBoundaries[] = {16, 32, 48, 64, 128, 192};

}  // namespace

BOOST_AUTO_TEST_CASE(the_table_is_the_rule) {
  for (int c = 0; c < 256; ++c) {
    BOOST_TEST_CONTEXT("byte " << c) {
      BOOST_TEST(examples::kWordByte[c] == reference_is_word_byte(static_cast<unsigned char>(c)));
      BOOST_TEST(examples::is_word_byte(static_cast<char>(c)) ==
                 reference_is_word_byte(static_cast<unsigned char>(c)));
    }
  }
}

BOOST_AUTO_TEST_CASE(hand_checked_words) {
  std::vector<std::string> words;
  examples::for_each_word(
      "It's  a_b\xc3\xa9"
      "c9 don't\r\n'q'@x`y{z[w]\0v",
      [&](std::string_view word) { words.emplace_back(word); });
  const std::vector<std::string> expected = {"It's", "a_b", "c9", "don't", "'q'", "x", "y", "z", "w"};
  BOOST_TEST(words == expected, boost::test_tools::per_element());
  // The literal stops at its NUL; with it, the NUL separates one more word.
  words.clear();
  const std::string with_nul("w]\0v", 4);
  examples::for_each_word(with_nul, [&](std::string_view word) { words.emplace_back(word); });
  BOOST_TEST(words == (std::vector<std::string>{"w", "v"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_text) { BOOST_TEST(check("") == ""); }

BOOST_AUTO_TEST_CASE(all_separators_and_all_word_bytes_at_every_length) {
  const std::string separator_bytes = separators();
  const std::string word_byte_set = word_bytes();
  for (std::size_t length = 0; length <= 200; ++length) {
    std::string no_words;
    std::string one_word;
    for (std::size_t i = 0; i < length; ++i) {
      no_words += separator_bytes[(i * 7) % separator_bytes.size()];
      one_word += word_byte_set[(i * 5) % word_byte_set.size()];
    }
    BOOST_TEST(check(no_words) == "");
    BOOST_TEST(check(one_word) == "");
  }
}

// Every pair of bytes: each byte value as a whole short text and next to
// every other one.
BOOST_AUTO_TEST_CASE(every_pair_of_bytes) {
  std::size_t failures = 0;
  std::string first_failure;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const char text[] = {static_cast<char>(a), static_cast<char>(b)};
      for (std::size_t length : {1, 2}) {
        const std::string found = check(std::string_view(text, length));
        if (!found.empty() && failures++ == 0) first_failure = found;
      }
    }
  }
  BOOST_TEST(failures == 0u);
  BOOST_TEST(first_failure == "");
}

// Each byte value at each position of a run of word bytes and of a run of
// separators, long enough to span several 16-byte blocks and a 64-byte one.
BOOST_AUTO_TEST_CASE(every_byte_at_every_position) {
  std::size_t failures = 0;
  std::string first_failure;
  for (std::size_t length : {5, 15, 16, 17, 40, 63, 64, 65, 100, 130}) {
    for (char background : {'a', 'Z', '\'', ' ', '\xff', '@'}) {
      for (std::size_t at = 0; at < length; ++at) {
        for (int c = 0; c < 256; ++c) {
          std::string text(length, background);
          text[at] = static_cast<char>(c);
          const std::string found = check(text);
          if (!found.empty() && failures++ == 0) first_failure = found;
        }
      }
    }
  }
  BOOST_TEST(failures == 0u);
  BOOST_TEST(first_failure == "");
}

// Words of every length from 1 to 80 starting at every offset near each
// block boundary, so that words start, end and cross there, in texts that
// end right after the word or go on.
BOOST_AUTO_TEST_CASE(words_across_block_boundaries) {
  std::size_t failures = 0;
  std::string first_failure;
  for (std::size_t boundary : kBoundaries) {
    for (std::size_t start = boundary > 20 ? boundary - 20 : 0; start <= boundary + 2; ++start) {
      for (std::size_t length = 1; length <= 80; ++length) {
        for (std::size_t after : {0, 1, 3, 20}) {
          const char separator = kBoundarySeparators[(start + length + after) % kBoundarySeparators.size()];
          const char word_byte = kBoundaryWordBytes[(start * 3 + length) % kBoundaryWordBytes.size()];
          std::string text(start, separator);
          // A word before the one that crosses, sometimes right at the start.
          if (start >= 3) text.replace(start % 3, 2, 2, word_byte);
          text.append(length, word_byte);
          text.append(after, separator);
          const std::string found = check(text);
          if (!found.empty() && failures++ == 0) first_failure = found;
        }
      }
    }
  }
  BOOST_TEST(failures == 0u);
  BOOST_TEST(first_failure == "");
}

// Random texts of every length from 0 to 200 over an alphabet that mixes
// word bytes, the separators next to them, bytes >= 0x80 and NUL, with words
// and gaps of random lengths.
BOOST_AUTO_TEST_CASE(random_texts_of_every_length) {
  std::mt19937_64 random(20240611);
  const std::string alphabet = kBoundaryWordBytes + kBoundarySeparators;
  std::size_t failures = 0;
  std::string first_failure;
  for (std::size_t length = 0; length <= 200; ++length) {
    for (int round = 0; round < 200; ++round) {
      std::string text;
      // Half the texts byte by byte, half in runs, so both short and long
      // words and gaps appear.
      const bool runs = round % 2 == 1;
      while (text.size() < length) {
        const char c = alphabet[random() % alphabet.size()];
        text.append(runs ? 1 + random() % 24 : 1, c);
      }
      text.resize(length);
      const std::string found = check(text);
      if (!found.empty() && failures++ == 0) first_failure = found;
    }
  }
  BOOST_TEST(failures == 0u);
  BOOST_TEST(first_failure == "");
}

// Longer random texts, with any byte value, as the longest lines.
BOOST_AUTO_TEST_CASE(long_random_texts) {
  std::mt19937_64 random(7);
  std::size_t failures = 0;
  std::string first_failure;
  for (int round = 0; round < 300; ++round) {
    std::string text(200 + random() % 10000, '\0');
    for (char& c : text) {
      // Mostly word bytes, so words are long enough to cross blocks.
      c = random() % 4 == 0 ? static_cast<char>(random()) : kBoundaryWordBytes[random() % 10];
    }
    const std::string found = check(text);
    if (!found.empty() && failures++ == 0) first_failure = found;
  }
  BOOST_TEST(failures == 0u);
  BOOST_TEST(first_failure == "");
}
