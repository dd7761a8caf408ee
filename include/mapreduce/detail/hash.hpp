#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

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

inline std::uint64_t load32(const char* p) {
  std::uint32_t word;
  std::memcpy(&word, p, 4);
  return word;
}

// Short inputs (most keys: words, ids) are read with a few fixed-size,
// possibly overlapping loads instead of a byte loop or a library call.
// Always inlined: emit hashes every pair, and GCC would otherwise call it
// (inlined, a word count runs about 8% faster).
[[gnu::always_inline]] inline std::uint64_t hash_bytes(std::string_view bytes) {
  constexpr std::uint64_t kSeed = 0x9e3779b97f4a7c15ULL;
  constexpr std::uint64_t kMul = 0xbf58476d1ce4e5b9ULL;
  constexpr std::uint64_t kMul2 = 0x94d049bb133111ebULL;
  const char* p = bytes.data();
  const std::size_t n = bytes.size();
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  if (n <= 16) {
    if (n >= 8) {
      a = load64(p);
      b = load64(p + n - 8);
    } else if (n >= 4) {
      a = load32(p);
      b = load32(p + n - 4);
    } else if (n > 0) {
      a = (std::uint64_t(static_cast<unsigned char>(p[0])) << 16) |
          (std::uint64_t(static_cast<unsigned char>(p[n >> 1])) << 8) | static_cast<unsigned char>(p[n - 1]);
    }
  } else {
    std::uint64_t h = kSeed;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) h = mix64(load64(p + i) ^ kMul, load64(p + i + 8) ^ h);
    a = load64(p + n - 16) ^ h;
    b = load64(p + n - 8);
  }
  return mix64(kMul2 ^ n, mix64(a ^ kMul, b ^ kSeed));
}

// The default reduce partition of a key with this hash_bytes: by the hash's
// high 32 bits scaled to the partition count, because hash tables probe by
// its low bits: the keys of one partition then still spread over all the
// slots of a table of them.
inline std::size_t hash_partition(std::uint64_t hash, std::size_t partitions) {
  return static_cast<std::size_t>((hash >> 32) * partitions >> 32);
}

}  // namespace mapreduce::detail
