#include "mapreduce/counters.hpp"

#include <cstring>
#include <stdexcept>

namespace mapreduce {
namespace {

// Each counter: [u32 group length][u32 name length][i64 value][group][name].
constexpr std::size_t kHeader = 16;

}  // namespace

std::string Counters::serialize() const {
  std::string bytes;
  for (const auto& [name, value] : map_) {
    const std::uint32_t lengths[2] = {static_cast<std::uint32_t>(name.first.size()),
                                      static_cast<std::uint32_t>(name.second.size())};
    char header[kHeader];
    std::memcpy(header, lengths, sizeof lengths);
    std::memcpy(header + sizeof lengths, &value, sizeof value);
    bytes.append(header, kHeader);
    bytes += name.first;
    bytes += name.second;
  }
  return bytes;
}

void Counters::add_serialized(std::string_view bytes) {
  while (!bytes.empty()) {
    if (bytes.size() < kHeader) throw std::invalid_argument("truncated counters");
    std::uint32_t lengths[2];
    std::int64_t value;
    std::memcpy(lengths, bytes.data(), sizeof lengths);
    std::memcpy(&value, bytes.data() + sizeof lengths, sizeof value);
    bytes.remove_prefix(kHeader);
    if (bytes.size() < std::size_t(lengths[0]) + lengths[1])
      throw std::invalid_argument("truncated counters");
    (*this)(bytes.substr(0, lengths[0]), bytes.substr(lengths[0], lengths[1])) += value;
    bytes.remove_prefix(std::size_t(lengths[0]) + lengths[1]);
  }
}

}  // namespace mapreduce
