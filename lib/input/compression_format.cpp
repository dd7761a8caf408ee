#include "input/compression_format.hpp"

#include <cctype>
#include <cstdint>

#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

std::uint32_t little_endian_32(std::string_view bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(bytes[i]);
  return value;
}

// zstd and lz4 share skippable frames: a magic number 0x184D2A50 to
// 0x184D2A5F, a 32-bit size and that many bytes of anything. The frame after
// them says which of the two the data is.
bool is_skippable_frame(std::string_view content) {
  return content.size() >= 4 && (little_endian_32(content) & 0xFFFFFFF0u) == 0x184D2A50u;
}

std::string_view after_skippable_frames(std::string_view content) {
  while (content.size() >= 8 && is_skippable_frame(content)) {
    const std::uint64_t frame = 8 + std::uint64_t(little_endian_32(content.substr(4)));
    if (frame > content.size()) return std::string_view();  // truncated: the decoder says so
    content.remove_prefix(frame);
  }
  return content;
}

// A format recognised by its magic bytes that cannot be decompressed here,
// as the message names it ("input PATH is WHAT, ...").
struct Unsupported {
  std::string_view magic;
  const char* what;
};

// lzip's magic is followed by its version, 0 or 1, and bzip2's by the digit
// of its block size: a text that merely starts with "LZIP" or "BZh" is text.
constexpr Unsupported kUnsupported[] = {
    {"\x1f\x9d", "compressed by compress (.Z)"},
    {std::string_view("LZIP\x01", 5), "compressed by lzip"},
    {std::string_view("LZIP\x00", 5), "compressed by lzip"},
    {std::string_view("\x89LZO\x00\r\n\x1a\n", 9), "compressed by lzop"},
    {"\x02\x21\x4c\x18", "compressed by lz4 in its legacy format (lz4 -l)"},
    {"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
    {"PK\x03\x04", "a zip archive"},
    {"PK\x05\x06", "an empty zip archive"},
};

}  // namespace

InputCompression compression_of_content(std::string_view content, const std::string& path) {
  if (content.starts_with("\x1f\x8b")) return InputCompression::gzip;
  if (content.starts_with("BZh") && content.size() >= 4 && content[3] >= '1' && content[3] <= '9') {
    return InputCompression::bzip2;
  }
  if (content.starts_with(std::string_view("\xfd\x37zXZ\x00", 6))) return InputCompression::xz;
  if (is_skippable_frame(content)) {
    return after_skippable_frames(content).starts_with("\x04\x22\x4d\x18") ? InputCompression::lz4
                                                                           : InputCompression::zstd;
  }
  if (content.starts_with("\x28\xb5\x2f\xfd")) return InputCompression::zstd;
  if (content.starts_with("\x04\x22\x4d\x18")) return InputCompression::lz4;
  for (const Unsupported& format : kUnsupported) {
    if (content.starts_with(format.magic)) {
      throw InputError("input " + path + " is " + format.what +
                       ", which is not supported: decompress it first");
    }
  }
  return InputCompression::none;
}

InputCompression compression_by_name(std::string_view path) {
  std::string extension;
  if (const auto dot = path.rfind('.'); dot != std::string_view::npos) {
    for (const char c : path.substr(dot))
      extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (extension == ".gz") return InputCompression::gzip;
  if (extension == ".zst") return InputCompression::zstd;
  if (extension == ".bz2") return InputCompression::bzip2;
  if (extension == ".xz") return InputCompression::xz;
  if (extension == ".lz4") return InputCompression::lz4;
  return InputCompression::none;
}

InputCompression compression_of(std::string_view content, const std::string& path, bool named) {
  const InputCompression by_content = compression_of_content(content, path);
  if (by_content != InputCompression::none || !named) return by_content;
  return compression_by_name(path);
}

}  // namespace mapreduce::detail
