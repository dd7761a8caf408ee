#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace mapreduce::detail {

// A fast 64-bit hash of bytes, the same in every process and on every run, so
// that a key lands in the same partition whichever worker mapped it.
inline std::uint64_t mix64(std::uint64_t a, std::uint64_t b) {
  __uint128_t product = static_cast<__uint128_t>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

inline std::uint64_t hash_bytes(std::string_view bytes) {
  constexpr std::uint64_t kSeed = 0x9e3779b97f4a7c15ULL;
  constexpr std::uint64_t kMul = 0xbf58476d1ce4e5b9ULL;
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t h = kSeed ^ (n * kMul);
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    h = mix64(h ^ word, kMul);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, n);
    h = mix64(h ^ word ^ (std::uint64_t(n) << 59), kMul);
  }
  return mix64(h, kSeed);
}

}  // namespace mapreduce::detail
