#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce::detail {

// The first 8 bytes of a key as a big-endian number, zero-padded: in the
// order of the keys' bytes (equal prefixes leave the order to the rest), so
// that a sort of keys compares these numbers first and rarely the bytes.
inline std::uint64_t order_prefix(const char* zero_padded_8_bytes) {
  std::uint64_t word;
  std::memcpy(&word, zero_padded_8_bytes, 8);
  if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
  return word;
}
inline std::uint64_t order_prefix(std::string_view key) {
  char bytes[8] = {};
  std::memcpy(bytes, key.data(), key.size() < 8 ? key.size() : 8);
  return order_prefix(bytes);
}

}  // namespace mapreduce::detail
