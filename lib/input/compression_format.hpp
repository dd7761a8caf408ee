#pragma once

#include <string>
#include <string_view>

namespace mapreduce::detail {

// The compressed formats an input may be in and is decompressed from.
enum class InputCompression { none, gzip, zstd, bzip2, xz, lz4 };

// The compression `content` is in, told by its first bytes: gzip (1f 8b),
// zstd (28 b5 2f fd, after any skippable frames), bzip2 ("BZh" and a digit
// 1-9), xz (fd "7zXZ" 00) or the lz4 frame format (04 22 4d 18, after any
// skippable frames); none for anything else. Throws InputError naming `path`
// and the format for data in a compressed format that is recognised but
// cannot be read: compress (.Z), lzip, lzop, lz4's legacy format, a 7-Zip or
// a zip archive — never read as text.
InputCompression compression_of_content(std::string_view content, const std::string& path);

// The compression the extension of `path` names, in any case: ".gz" gzip,
// ".zst" zstd, ".bz2" bzip2, ".xz" xz, ".lz4" lz4; none for any other name.
InputCompression compression_by_name(std::string_view path);

// How an input is read: the content decides (a gzip file named ".log", or
// ".zst", is read as gzip); content that is not compressed at all, in a file
// whose name (`named`: not standard input) says it is, is read as what the
// name says, so that reading it fails naming the file and the format rather
// than passing the bytes on as text. Throws as compression_of_content.
InputCompression compression_of(std::string_view content, const std::string& path, bool named);

}  // namespace mapreduce::detail
