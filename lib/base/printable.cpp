#include "base/printable.hpp"

#include "mapreduce/detail/escape.hpp"

namespace mapreduce::detail {

std::string printable(std::string_view bytes, std::size_t limit) {
  std::string text;
  const std::size_t shown = bytes.size() > limit ? limit : bytes.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (const char* escape = c_escape(bytes[i])) {
      text += escape;
    } else if (c >= 0x20 && c < 0x7f) {
      text += static_cast<char>(c);
    } else {
      append_hex_escape(text, "\\x", c);
    }
  }
  if (shown < bytes.size()) text += "...";
  return text;
}

}  // namespace mapreduce::detail
