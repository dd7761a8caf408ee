#pragma once
// The examples' one rule for words, word_count's: a word is a maximal run of
// ASCII letters, digits, underscores and apostrophes, case kept (what the
// Python module matches with [\w']+ on byte strings).
//
// for_each_word is most of a word count's map time, so on x86-64 it
// classifies 16 bytes at a time with SSE2 (part of x86-64 itself, so no
// -march is needed) and finds where words start and end from bit masks; the
// byte-at-a-time loop stays as the portable version and as the rule's
// plainest statement.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace examples {

inline constexpr std::array<bool, 256> kWordByte = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '\'';
  }
  return table;
}();

inline bool is_word_byte(char c) { return kWordByte[static_cast<unsigned char>(c)]; }

namespace detail {

// The rule byte by byte: the version for targets without SSE2.
template <class F>
void for_each_word_bytewise(std::string_view text, F&& f) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_byte(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && is_word_byte(text[i])) ++i;
    if (i > start) f(text.substr(start, i - start));
  }
}

#if defined(__SSE2__)

// 0xff in each lane whose byte is in [low, high], 0 elsewhere. Adding
// 0x80 - low (wrapping) moves [low, high] to the bottom of the signed byte
// range, [-128, -128 + high - low], and every other byte value above it, so
// one signed compare tests both ends; bytes >= 0x80 need no special case.
inline __m128i bytes_in_range(__m128i bytes, char low, char high) {
  const __m128i moved = _mm_add_epi8(bytes, _mm_set1_epi8(static_cast<char>(0x80 - low)));
  return _mm_cmplt_epi8(moved, _mm_set1_epi8(static_cast<char>(-128 + (high - low) + 1)));
}

// Bit i set when byte i of the 16 is a word byte: kWordByte as compares.
inline std::uint32_t word_byte_bits(__m128i bytes) {
  const __m128i digits = bytes_in_range(bytes, '0', '9');
  // Setting bit 5 folds 'A'..'Z' onto 'a'..'z' and brings no other byte
  // into 'a'..'z': the letters' neighbours land just outside it ('@' on '`',
  // '[' on '{'), and bytes >= 0x80 stay >= 0xa0.
  const __m128i letters = bytes_in_range(_mm_or_si128(bytes, _mm_set1_epi8(0x20)), 'a', 'z');
  const __m128i underscores = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('_'));
  const __m128i apostrophes = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\''));
  const __m128i word_bytes =
      _mm_or_si128(_mm_or_si128(digits, letters), _mm_or_si128(underscores, apostrophes));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(word_bytes));
}

inline std::uint64_t word_byte_bits_of_16(const char* bytes) {
  return word_byte_bits(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes)));
}

inline std::uint64_t word_byte_bits_of_64(const char* bytes) {
  return word_byte_bits_of_16(bytes) | word_byte_bits_of_16(bytes + 16) << 16 |
         word_byte_bits_of_16(bytes + 32) << 32 | word_byte_bits_of_16(bytes + 48) << 48;
}

// The word byte bits of a whole text of 16 to 63 bytes, bits from `size` up
// clear. Four 16-byte loads, the later ones moved back so as to end by the
// text's end at the latest; bytes loaded twice get the same bit twice. No
// branch on the size, which varies from line to line.
inline std::uint64_t word_byte_bits_of_under_64(const char* bytes, std::size_t size) {
  const std::size_t last_load = size - 16;
  const std::size_t second = std::min<std::size_t>(16, last_load);
  const std::size_t third = std::min<std::size_t>(32, last_load);
  const std::size_t fourth = std::min<std::size_t>(48, last_load);
  return word_byte_bits_of_16(bytes) | word_byte_bits_of_16(bytes + second) << second |
         word_byte_bits_of_16(bytes + third) << third | word_byte_bits_of_16(bytes + fourth) << fourth;
}

// The word byte bits of a whole text of 1 to 15 bytes. No 16-byte load fits
// inside it, and reading past its end could fault (a mapped file may end at
// a page's end), so it is read as two loads of 8 or 4 bytes that overlap in
// the middle (one from each end), or for 1 to 3 bytes as its first, middle
// and last byte.
inline std::uint64_t word_byte_bits_of_short(const char* bytes, std::size_t size) {
  std::size_t half = 0;  // how many bytes each of the two loads covers
  if (size >= 8) {
    half = 8;
  } else if (size >= 4) {
    half = 4;
  } else {
    return std::uint64_t{is_word_byte(bytes[0])} |
           std::uint64_t{is_word_byte(bytes[size / 2])} << (size / 2) |
           std::uint64_t{is_word_byte(bytes[size - 1])} << (size - 1);
  }
  std::uint64_t front = 0;
  std::uint64_t back = 0;
  std::memcpy(&front, bytes, half);
  std::memcpy(&back, bytes + size - half, half);
  // front in lanes 0-7, back in lanes 8-15; the zero padding is no word byte.
  const std::uint64_t bits =
      word_byte_bits(_mm_set_epi64x(static_cast<long long>(back), static_cast<long long>(front)));
  const std::uint64_t half_bits = (std::uint64_t{1} << half) - 1;
  return (bits & half_bits) | ((bits >> 8) & half_bits) << (size - half);
}

// Turns the word byte bits of text blocks, taken in order, into calls of
// f(word). A word starts at a word byte after a non-word byte and ends at a
// non-word byte after a word byte: each found for a whole block at once by
// comparing the bits with themselves shifted by one (the byte before), the
// previous block's last bit shifted in.
class WordScan {
 public:
  explicit WordScan(std::string_view text) : text_(text) {}

  // The block of 64 bytes from text[start], bit i for text[start + i]; only
  // the bits in `fresh` are bytes not scanned before. A block may overlap
  // the previous one (to end at the text's end without reading past it), or
  // be shorter than 64 (a text under 64 bytes), its bits past the text clear.
  template <class F>
  void block(std::size_t start, std::uint64_t words, std::uint64_t fresh, F& f) {
    const std::uint64_t before = (words << 1) | std::uint64_t{in_word_};
    std::uint64_t starts = words & ~before & fresh;
    std::uint64_t ends = ~words & before & fresh;
    // Starts and ends alternate, so they pair off in order, except for a
    // word already under way, which the first end closes...
    if (in_word_) {
      if (ends == 0) return;  // the word goes on past the block
      emit(word_start_, start + std::countr_zero(ends), f);
      ends &= ends - 1;
      in_word_ = false;
    }
    while (starts != 0) {
      const std::size_t word_start = start + std::countr_zero(starts);
      starts &= starts - 1;
      // ...and a last word that no end in the block closes.
      if (ends == 0) {
        word_start_ = word_start;
        in_word_ = true;
        return;
      }
      emit(word_start, start + std::countr_zero(ends), f);
      ends &= ends - 1;
    }
  }

  // After the last block: the word, if any, that runs to the text's end.
  template <class F>
  void finish(F& f) {
    if (in_word_) emit(word_start_, text_.size(), f);
  }

 private:
  template <class F>
  void emit(std::size_t begin, std::size_t end, F& f) {
    f(std::string_view(text_.data() + begin, end - begin));
  }

  std::string_view text_;
  bool in_word_ = false;        // whether the last byte scanned is a word byte
  std::size_t word_start_ = 0;  // where the word under way started, while in_word_
};

// for_each_word 64 bytes at a time. Lines are mostly short, so a text under
// 64 bytes is one block, and the last block of a longer text is its last 64
// bytes, overlapping the block before.
template <class F>
void for_each_word_sse2(std::string_view text, F&& f) {
  constexpr std::uint64_t kAllBits = ~std::uint64_t{0};
  const char* const bytes = text.data();
  const std::size_t size = text.size();
  WordScan scan(text);
  if (size >= 64) {
    std::size_t start = 0;
    for (; start + 64 <= size; start += 64) {
      scan.block(start, word_byte_bits_of_64(bytes + start), kAllBits, f);
    }
    if (start < size) {
      const std::size_t unscanned = size - start;
      scan.block(size - 64, word_byte_bits_of_64(bytes + size - 64), kAllBits << (64 - unscanned), f);
    }
  } else if (size >= 16) {
    scan.block(0, word_byte_bits_of_under_64(bytes, size), kAllBits, f);
  } else if (size > 0) {
    scan.block(0, word_byte_bits_of_short(bytes, size), kAllBits, f);
  }
  scan.finish(f);
}

#endif  // __SSE2__

}  // namespace detail

// Calls f(word) for each word of `text`, in order; each word is a view into
// `text`.
template <class F>
void for_each_word(std::string_view text, F&& f) {
#if defined(__SSE2__)
  detail::for_each_word_sse2(text, f);
#else
  detail::for_each_word_bytewise(text, f);
#endif
}

}  // namespace examples
