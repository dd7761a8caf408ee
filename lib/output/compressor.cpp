#include "output/compressor.hpp"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// zlib counts in 32 bits: input is fed in pieces of at most this.
constexpr std::size_t kMaxPiece = std::size_t(1) << 30;
// Room added to `out` whenever the codec has filled what it had.
constexpr std::size_t kRoom = std::size_t(1) << 18;

class GzipCompressor final : public Compressor {
 public:
  GzipCompressor() {
    // 15 + 16: a gzip header and trailer around the deflate stream, as gzip
    // writes; level 6, gzip's default.
    if (deflateInit2(&stream_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw ResourceError("out of memory for the gzip compressor of the output");
    }
  }
  ~GzipCompressor() override { deflateEnd(&stream_); }

  void compress(std::string_view bytes, std::string& out, const std::string& what) override {
    while (!bytes.empty()) {
      const std::size_t piece = std::min(bytes.size(), kMaxPiece);
      run(bytes.substr(0, piece), Z_NO_FLUSH, out, what);
      bytes.remove_prefix(piece);
    }
  }

  void finish(std::string& out, const std::string& what) override {
    run({}, Z_FINISH, out, what);
    deflateReset(&stream_);
  }

 private:
  // Deflates `bytes` until all are taken (and, for Z_FINISH, the stream has
  // ended), appending what comes out to `out`.
  void run(std::string_view bytes, int flush, std::string& out, const std::string& what) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    for (;;) {
      const std::size_t used = out.size();
      out.resize(used + kRoom);
      stream_.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      stream_.avail_out = static_cast<uInt>(kRoom);
      const int status = deflate(&stream_, flush);
      out.resize(out.size() - stream_.avail_out);
      if (status == Z_STREAM_ERROR) {
        throw ResourceError("cannot compress output " + what + ": " +
                            (stream_.msg != nullptr ? stream_.msg : "gzip stream error"));
      }
      // Done when the codec has taken everything and still had room, so that
      // it holds nothing it could write now.
      if (flush == Z_FINISH ? status == Z_STREAM_END : stream_.avail_in == 0 && stream_.avail_out > 0) return;
    }
  }

  z_stream stream_{};
};

class ZstdCompressor final : public Compressor {
 public:
  ZstdCompressor() : context_(ZSTD_createCCtx()) {
    if (context_ == nullptr) throw ResourceError("out of memory for the zstd compressor of the output");
    // As the zstd tool writes: level 3 and a checksum of the content.
    ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdCompressor() override { ZSTD_freeCCtx(context_); }

  void compress(std::string_view bytes, std::string& out, const std::string& what) override {
    run(bytes, ZSTD_e_continue, out, what);
  }

  void finish(std::string& out, const std::string& what) override { run({}, ZSTD_e_end, out, what); }

 private:
  void run(std::string_view bytes, ZSTD_EndDirective directive, std::string& out, const std::string& what) {
    ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
    for (;;) {
      const std::size_t used = out.size();
      out.resize(used + kRoom);
      ZSTD_outBuffer output{out.data() + used, kRoom, 0};
      const std::size_t left = ZSTD_compressStream2(context_, &output, &input, directive);
      out.resize(used + output.pos);
      if (ZSTD_isError(left)) {
        // The frame cannot go on; the next stream starts afresh.
        ZSTD_CCtx_reset(context_, ZSTD_reset_session_only);
        throw ResourceError("cannot compress output " + what + ": " + ZSTD_getErrorName(left));
      }
      // ZSTD_e_end: `left` is what the frame still has to write. Otherwise
      // done once every byte is taken and the output was not filled.
      if (directive == ZSTD_e_end ? left == 0 : input.pos == input.size && output.pos < output.size) return;
    }
  }

  ZSTD_CCtx* context_;
};

}  // namespace

std::unique_ptr<Compressor> Compressor::make(Compression codec) {
  if (codec == Compression::gzip) return std::make_unique<GzipCompressor>();
  return std::make_unique<ZstdCompressor>();
}

}  // namespace mapreduce::detail
