#include "input/decompression.hpp"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "input/chunking.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// Decompressed data is handed on in blocks of about this size; a longer
// record grows the buffer to hold it.
constexpr std::size_t kBlockSize = std::size_t(4) << 20;

// Collects decompressed bytes and hands on the whole records among them.
class RecordBlocks {
 public:
  RecordBlocks(const RecordFormat& format, const std::string& path,
               const std::function<void(std::string_view)>& records)
      : format_(format), path_(path), records_(records), buffer_(kBlockSize) {}

  // Where the next decompressed bytes go, and how many fit.
  char* space() { return buffer_.data() + filled_; }
  std::size_t room() {
    if (filled_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    return buffer_.size() - filled_;
  }

  // `n` bytes were written at space(): hand on the whole records. The buffer
  // always starts where a record does.
  void wrote(std::size_t n) {
    filled_ += n;
    if (filled_ < buffer_.size() / 2) return;  // collect a larger block first
    const std::size_t whole = last_record_boundary(std::string_view(buffer_.data(), filled_), format_);
    if (whole == 0) return;
    hand_on(whole);
    std::memmove(buffer_.data(), buffer_.data() + whole, filled_ - whole);
    filled_ -= whole;
  }

  void finish() {
    if (format_.kind == RecordKind::fixed && filled_ % format_.size != 0) {
      throw InputError("input " + path_ + " is " + std::to_string(handed_ + filled_) +
                       " bytes decompressed, not a whole number of " + std::to_string(format_.size) +
                       "-byte records");
    }
    // A file record is the whole file, an empty one too.
    if (filled_ > 0 || format_.kind == RecordKind::file) hand_on(filled_);
    filled_ = 0;
  }

 private:
  void hand_on(std::size_t bytes) {
    records_(std::string_view(buffer_.data(), bytes));
    handed_ += bytes;
  }

  const RecordFormat& format_;
  const std::string& path_;
  const std::function<void(std::string_view)>& records_;
  std::vector<char> buffer_;
  std::size_t filled_ = 0;
  std::uint64_t handed_ = 0;
};

void gunzip(std::string_view in, const std::string& path, RecordBlocks& out) {
  z_stream stream{};
  // 15 + 32: the largest window, and a gzip (or zlib) header detected.
  if (inflateInit2(&stream, 15 + 32) != Z_OK) throw ResourceError("cannot start decompressing " + path);
  struct End {
    z_stream& s;
    ~End() { inflateEnd(&s); }
  } end{stream};
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  std::size_t left = in.size();
  bool member_ended = false;
  for (;;) {
    if (stream.avail_in == 0 && left > 0) {
      const auto chunk = static_cast<uInt>(left < (1u << 30) ? left : (1u << 30));
      stream.avail_in = chunk;
      left -= chunk;
    }
    if (member_ended) {
      if (stream.avail_in == 0) break;
      if (inflateReset(&stream) != Z_OK) throw ResourceError("cannot decompress " + path);
      member_ended = false;
    }
    const std::size_t room = out.room();
    stream.next_out = reinterpret_cast<Bytef*>(out.space());
    stream.avail_out = static_cast<uInt>(room < (1u << 30) ? room : (1u << 30));
    const uInt offered = stream.avail_out;
    const int status = inflate(&stream, Z_NO_FLUSH);
    out.wrote(offered - stream.avail_out);
    if (status == Z_STREAM_END) {
      member_ended = true;
      continue;
    }
    if (status == Z_BUF_ERROR && stream.avail_in == 0 && left == 0) {
      throw InputError("input " + path + " is truncated: its gzip data ends in the middle of a stream");
    }
    if (status != Z_OK && status != Z_BUF_ERROR) {
      throw InputError("input " + path + " is not valid gzip data" +
                       (stream.msg != nullptr ? std::string(": ") + stream.msg : std::string()));
    }
  }
  out.finish();
}

void unzstd(std::string_view in, const std::string& path, RecordBlocks& out) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  if (stream == nullptr) throw ResourceError("cannot start decompressing " + path);
  struct End {
    ZSTD_DStream* s;
    ~End() { ZSTD_freeDStream(s); }
  } end{stream};
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::size_t hint = 1;  // 0 once a frame has ended with the data
  bool output_full = false;
  // Until every byte is read and the decoder, given room, has nothing more
  // to write.
  while (input.pos < input.size || output_full) {
    const std::size_t room = out.room();  // may move the buffer: before space()
    ZSTD_outBuffer output{out.space(), room, 0};
    hint = ZSTD_decompressStream(stream, &output, &input);
    if (ZSTD_isError(hint)) {
      throw InputError("input " + path + " is not valid zstd data: " + ZSTD_getErrorName(hint));
    }
    output_full = output.pos == output.size;
    out.wrote(output.pos);
  }
  if (hint != 0)
    throw InputError("input " + path + " is truncated: its zstd data ends in the middle of a frame");
  out.finish();
}

// bzip2 reads `unsigned int` lengths at a time.
constexpr std::size_t kMaxStep = std::size_t(1) << 30;

void bunzip2(std::string_view in, const std::string& path, RecordBlocks& out) {
  const char* next = in.data();
  std::size_t left = in.size();
  // A stream a call, until every byte is read: pbzip2 and `cat a.bz2 b.bz2`
  // write several.
  do {
    bz_stream stream{};
    if (BZ2_bzDecompressInit(&stream, 0, 0) != BZ_OK) {
      throw ResourceError("cannot start decompressing " + path);
    }
    struct End {
      bz_stream& s;
      ~End() { BZ2_bzDecompressEnd(&s); }
    } end{stream};
    for (;;) {
      if (stream.avail_in == 0 && left > 0) {
        const std::size_t chunk = left < kMaxStep ? left : kMaxStep;
        stream.next_in = const_cast<char*>(next);
        stream.avail_in = static_cast<unsigned>(chunk);
        next += chunk;
        left -= chunk;
      }
      const std::size_t room = out.room();
      stream.next_out = out.space();
      stream.avail_out = static_cast<unsigned>(room < kMaxStep ? room : kMaxStep);
      const unsigned offered = stream.avail_out;
      const int status = BZ2_bzDecompress(&stream);
      out.wrote(offered - stream.avail_out);
      if (status == BZ_STREAM_END) break;
      if (status == BZ_MEM_ERROR) throw ResourceError("out of memory decompressing " + path);
      if (status == BZ_DATA_ERROR_MAGIC) {
        throw InputError("input " + path +
                         " is not valid bzip2 data: a stream does not start with bzip2's header");
      }
      if (status == BZ_DATA_ERROR) {
        throw InputError("input " + path + " is not valid bzip2 data: a block or checksum is corrupt");
      }
      if (status != BZ_OK) throw InputError("input " + path + " is not valid bzip2 data");
      // Given room it did not fill, and nothing more to read: the stream
      // stops before its end.
      if (stream.avail_in == 0 && left == 0 && stream.avail_out > 0) {
        throw InputError("input " + path + " is truncated: its bzip2 data ends in the middle of a stream");
      }
    }
    // What the stream did not use belongs to the next one.
    next -= stream.avail_in;
    left += stream.avail_in;
  } while (left > 0);
  out.finish();
}

// liblzma's reason for refusing an xz stream.
const char* xz_problem(lzma_ret status) {
  switch (status) {
    case LZMA_FORMAT_ERROR:
      return "a stream does not start with xz's header";
    case LZMA_OPTIONS_ERROR:
      return "it uses options this liblzma cannot decode";
    case LZMA_DATA_ERROR:
      return "its data is corrupt";
    default:
      return "liblzma failed";
  }
}

void unxz(std::string_view in, const std::string& path, RecordBlocks& out) {
  lzma_stream stream = LZMA_STREAM_INIT;
  // Concatenated: the streams of `cat a.xz b.xz` and the padding between
  // them, as xz reads them.
  if (lzma_stream_decoder(&stream, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
    throw ResourceError("cannot start decompressing " + path);
  }
  struct End {
    lzma_stream& s;
    ~End() { lzma_end(&s); }
  } end{stream};
  stream.next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  stream.avail_in = in.size();
  for (;;) {
    const std::size_t room = out.room();
    stream.next_out = reinterpret_cast<std::uint8_t*>(out.space());
    stream.avail_out = room;
    // Every byte is already given: finish, so that the end of the last
    // stream is the end of the data.
    const lzma_ret status = lzma_code(&stream, LZMA_FINISH);
    out.wrote(room - stream.avail_out);
    if (status == LZMA_STREAM_END) break;
    if (status == LZMA_OK) continue;
    if (status == LZMA_MEM_ERROR) throw ResourceError("out of memory decompressing " + path);
    if (status == LZMA_BUF_ERROR) {
      throw InputError("input " + path + " is truncated: its xz data ends in the middle of a stream");
    }
    throw InputError("input " + path + " is not valid xz data: " + xz_problem(status));
  }
  out.finish();
}

void unlz4(std::string_view in, const std::string& path, RecordBlocks& out) {
  LZ4F_dctx* context = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&context, LZ4F_VERSION))) {
    throw ResourceError("cannot start decompressing " + path);
  }
  struct End {
    LZ4F_dctx* c;
    ~End() { LZ4F_freeDecompressionContext(c); }
  } end{context};
  const char* next = in.data();
  std::size_t left = in.size();
  std::size_t hint = 1;  // 0 once a frame has ended with the data
  bool output_full = false;
  // A frame ends with hint 0 and the same context reads the next one, as
  // `cat a.lz4 b.lz4` needs; until every byte is read and the decoder, given
  // room, has nothing more to write.
  while (left > 0 || output_full) {
    const std::size_t room = out.room();  // may move the buffer: before space()
    std::size_t written = room;
    std::size_t read = left;
    hint = LZ4F_decompress(context, out.space(), &written, next, &read, nullptr);
    if (LZ4F_isError(hint)) {
      // The error data of another kind gives, in words (liblz4 exports its
      // codes only to static links); the others by liblz4's name for them.
      const std::string_view name = LZ4F_getErrorName(hint);
      const std::string problem =
          name == "ERROR_frameType_unknown" ? "a frame does not start with lz4's header" : std::string(name);
      throw InputError("input " + path + " is not valid lz4 data: " + problem);
    }
    next += read;
    left -= read;
    output_full = written == room;
    out.wrote(written);
  }
  if (hint != 0) {
    throw InputError("input " + path + " is truncated: its lz4 data ends in the middle of a frame");
  }
  out.finish();
}

}  // namespace

void decompress_records(InputCompression compression, std::string_view compressed, const std::string& path,
                        const RecordFormat& format,
                        const std::function<void(std::string_view block)>& records) {
  RecordBlocks out(format, path, records);
  switch (compression) {
    case InputCompression::gzip:
      gunzip(compressed, path, out);
      break;
    case InputCompression::zstd:
      unzstd(compressed, path, out);
      break;
    case InputCompression::bzip2:
      bunzip2(compressed, path, out);
      break;
    case InputCompression::xz:
      unxz(compressed, path, out);
      break;
    case InputCompression::lz4:
      unlz4(compressed, path, out);
      break;
    case InputCompression::none:
      records(compressed);
      break;
  }
}

}  // namespace mapreduce::detail
