#pragma once

// Compressed data made and read in memory, for tests of compressed inputs
// and outputs: gzip and Zstandard, and bzip2, xz and lz4 for the tests that
// link their libraries.

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mapreduce::test {

// gzip and Zstandard data as the command-line tools write them.
inline std::string gzip(std::string_view text, int level = 6) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

// With a content checksum, as the zstd tool writes by default, so that
// corruption anywhere is detectable.
inline std::string zstd(std::string_view text, int level = 3) {
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const std::size_t size = ZSTD_compress2(context, out.data(), out.size(), text.data(), text.size());
  ZSTD_freeCCtx(context);
  if (ZSTD_isError(size)) throw std::runtime_error(ZSTD_getErrorName(size));
  out.resize(size);
  return out;
}

// One bzip2 stream, as bzip2 writes it (900 kB blocks at level 9).
inline std::string bzip2(std::string_view text, int level = 9) {
  std::string out(text.size() + text.size() / 100 + 600, '\0');
  auto size = static_cast<unsigned>(out.size());
  const int status = BZ2_bzBuffToBuffCompress(out.data(), &size, const_cast<char*>(text.data()),
                                              static_cast<unsigned>(text.size()), level, 0, 0);
  if (status != BZ_OK) throw std::runtime_error("BZ2_bzBuffToBuffCompress failed");
  out.resize(size);
  return out;
}

// One xz stream with a CRC-64 of the text, as xz writes it by default.
inline std::string xz(std::string_view text, std::uint32_t preset = 6) {
  std::string out(lzma_stream_buffer_bound(text.size()), '\0');
  std::size_t size = 0;
  const lzma_ret status = lzma_easy_buffer_encode(
      preset, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(),
      reinterpret_cast<std::uint8_t*>(out.data()), &size, out.size());
  if (status != LZMA_OK) throw std::runtime_error("lzma_easy_buffer_encode failed");
  out.resize(size);
  return out;
}

// One lz4 frame with a checksum of its content, as the lz4 tool writes it.
inline std::string lz4(std::string_view text, int level = 0) {
  LZ4F_preferences_t preferences{};
  preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  preferences.compressionLevel = level;
  std::string out(LZ4F_compressFrameBound(text.size(), &preferences), '\0');
  const std::size_t size = LZ4F_compressFrame(out.data(), out.size(), text.data(), text.size(), &preferences);
  if (LZ4F_isError(size)) throw std::runtime_error(LZ4F_getErrorName(size));
  out.resize(size);
  return out;
}

// The text of gzip data: every member, one after the other, as gzip -dc
// reads it. Throws on data that is corrupt, truncated, or followed by bytes
// that are not a member.
inline std::string gunzip(std::string_view data) {
  std::string out;
  while (!data.empty()) {
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2 failed");
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    int status = Z_OK;
    while (status == Z_OK) {
      char block[1 << 16];
      stream.next_out = reinterpret_cast<Bytef*>(block);
      stream.avail_out = sizeof block;
      status = inflate(&stream, Z_NO_FLUSH);
      out.append(block, sizeof block - stream.avail_out);
    }
    const std::size_t used = data.size() - stream.avail_in;
    inflateEnd(&stream);
    if (status != Z_STREAM_END) throw std::runtime_error("not whole gzip data");
    data.remove_prefix(used);
  }
  return out;
}

// The text of Zstandard data: every frame, one after the other. Throws on
// data that is corrupt or truncated.
inline std::string unzstd(std::string_view data) {
  ZSTD_DCtx* context = ZSTD_createDCtx();
  std::string out;
  ZSTD_inBuffer input{data.data(), data.size(), 0};
  std::size_t hint = 0;
  bool full = false;
  while (input.pos < input.size || full) {
    char block[1 << 16];
    ZSTD_outBuffer output{block, sizeof block, 0};
    hint = ZSTD_decompressStream(context, &output, &input);
    if (ZSTD_isError(hint)) {
      ZSTD_freeDCtx(context);
      throw std::runtime_error(ZSTD_getErrorName(hint));
    }
    out.append(block, output.pos);
    full = output.pos == output.size;
  }
  ZSTD_freeDCtx(context);
  if (hint != 0) throw std::runtime_error("not whole zstd data");
  return out;
}

}  // namespace mapreduce::test
