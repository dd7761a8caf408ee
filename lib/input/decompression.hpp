#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "mapreduce/options.hpp"

namespace mapreduce::detail {

enum class Compression { none, gzip, zstd };

// The compression a file name says its file has: ".gz" gzip, ".zst" zstd.
Compression compression_of(std::string_view path);

// Decompresses `compressed` (the whole file named `path`) and calls
// `records(block)` with blocks of whole records of `format`, in order: every
// block but the last ends where a record may be cut (chunking.hpp); a file
// record is one block, even an empty one. Concatenated gzip members and zstd
// frames are read one after the other. Throws InputError naming the path if
// the data is corrupt or truncated, or, for fixed records, not a whole number
// of records.
void decompress_records(Compression compression, std::string_view compressed, const std::string& path,
                        const RecordFormat& format,
                        const std::function<void(std::string_view block)>& records);

}  // namespace mapreduce::detail
