#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "input/compression_format.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce::detail {

// Decompresses `compressed` (the whole file named `path`) and calls
// `records(block)` with blocks of whole records of `format`, in order: every
// block but the last ends where a record may be cut (chunking.hpp); a file
// record is one block, even an empty one. Concatenated streams (gzip
// members, zstd and lz4 frames, bzip2 and xz streams) are read one after the
// other; with `compression` none, `compressed` is handed on as it is, in one
// block. Throws InputError naming the path and the format if the data is
// corrupt or truncated, or, for fixed records, not a whole number of records.
void decompress_records(InputCompression compression, std::string_view compressed, const std::string& path,
                        const RecordFormat& format,
                        const std::function<void(std::string_view block)>& records);

}  // namespace mapreduce::detail
