#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mapreduce::detail {

enum class Compression { none, gzip, zstd };

// The compression a file name says its file has: ".gz" gzip, ".zst" zstd.
Compression compression_of(std::string_view path);

// Decompresses `compressed` (the whole file named `path`) and calls
// `lines(block)` with blocks of whole lines, in order: every block but the
// last ends with '\n'. Concatenated
// gzip members and zstd frames are read one after the other. Throws InputError
// naming the path if the data is corrupt or truncated.
void decompress_lines(Compression compression, std::string_view compressed, const std::string& path,
                      const std::function<void(std::string_view block)>& lines);

}  // namespace mapreduce::detail
