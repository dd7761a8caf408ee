#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce::detail {

// A fast 64-bit hash of bytes, the same in every process and on every run, so
// that a key lands in the same partition whichever worker mapped it.
inline std::uint64_t mix64(std::uint64_t a, std::uint64_t b) {
  __uint128_t product = static_cast<__uint128_t>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

inline std::uint64_t load64(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

// A key of at most 16 bytes as two 64-bit words of its bytes, zero-padded:
// a short key is hashed, queued, stored and compared as these, with no
// branch on its length (which varies from word to word, and a mispredicted
// branch per word cost a word count about a third of its time).
struct ShortKey {
  static constexpr std::size_t kMaxSize = 16;
  std::uint64_t low = 0;   // bytes 0-7, as load64 reads them
  std::uint64_t high = 0;  // bytes 8-15
};

// The ShortKey of the n <= 16 bytes at p. Where the 16 bytes from p lie in
// one page, one 16-byte load and a mask: the bytes past the key are read
// but dropped, and a page that holds the key's first byte holds them too, so
// the load cannot fault. The load is an asm statement, which the compiler
// takes as reading memory it knows nothing of: a C++ load past the key's
// object would be undefined behaviour (and a -Warray-bounds warning in the
// user's code). It is volatile: GCC 12 at -O3 otherwise took two loads from
// one address (a key made in a stack temporary for each emit) as one, and
// hashed some keys by an earlier key's bytes. Otherwise the bytes are copied.
[[gnu::always_inline]] inline ShortKey short_key(const char* p, std::size_t n) {
  ShortKey key;
#if defined(__SSE2__) && defined(__GNUC__)
  constexpr std::uintptr_t kPage = 4096;  // the smallest page size of x86-64
  // (An empty key's pointer may be null.)
  if (n != 0 && (reinterpret_cast<std::uintptr_t>(p) & (kPage - 1)) <= kPage - ShortKey::kMaxSize) {
    const __m128i lanes = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i kept = _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(n)), lanes);
    __m128i loaded;
    asm volatile("movdqu (%1), %0" : "=x"(loaded) : "r"(p) : "memory");
    const __m128i bytes = _mm_and_si128(loaded, kept);
    key.low = static_cast<std::uint64_t>(_mm_cvtsi128_si64(bytes));
    key.high = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(bytes, bytes)));
    return key;
  }
#endif
  char bytes[ShortKey::kMaxSize] = {};
  if (n != 0) std::memcpy(bytes, p, n);
  key.low = load64(bytes);
  key.high = load64(bytes + 8);
  return key;
}

inline constexpr std::uint64_t kHashSeed = 0x9e3779b97f4a7c15ULL;
inline constexpr std::uint64_t kHashMul = 0xbf58476d1ce4e5b9ULL;
inline constexpr std::uint64_t kHashMul2 = 0x94d049bb133111ebULL;

// hash_bytes of a key of n <= 16 bytes, from its ShortKey.
[[gnu::always_inline]] inline std::uint64_t hash_short(ShortKey key, std::size_t n) {
  return mix64(kHashMul2 ^ n, mix64(key.low ^ kHashMul, key.high ^ kHashSeed));
}

// Always inlined: emit hashes every pair, and GCC would otherwise call it
// (inlined, a word count runs about 8% faster).
[[gnu::always_inline]] inline std::uint64_t hash_bytes(std::string_view bytes) {
  const char* p = bytes.data();
  const std::size_t n = bytes.size();
  if (n <= ShortKey::kMaxSize) return hash_short(short_key(p, n), n);
  std::uint64_t h = kHashSeed;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) h = mix64(load64(p + i) ^ kHashMul, load64(p + i + 8) ^ h);
  const std::uint64_t a = load64(p + n - 16) ^ h;
  const std::uint64_t b = load64(p + n - 8);
  return mix64(kHashMul2 ^ n, mix64(a ^ kHashMul, b ^ kHashSeed));
}

// The default reduce partition of a key with this hash_bytes: by the hash's
// high 32 bits scaled to the partition count, so by the top bits of those
// 32, because hash tables (CombineTable::home) probe by their low bits: the
// keys of one partition then still spread over all the slots of a table of
// them (of up to 2^32 / partitions slots).
inline std::size_t hash_partition(std::uint64_t hash, std::size_t partitions) {
  return static_cast<std::size_t>((hash >> 32) * partitions >> 32);
}

}  // namespace mapreduce::detail
