#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mapreduce/options.hpp"

namespace mapreduce::detail {

// Compresses a stream of output bytes as it is written, block by block, into
// one gzip member or one zstd frame per stream, without holding the whole
// output: what compress() cannot emit yet stays in the codec's window, and
// finish() emits the rest and the trailer. Owns the codec's state; not
// shared across processes.
class Compressor {
 public:
  // A compressor for `codec` (not none). Throws ResourceError when the codec
  // cannot get its memory.
  static std::unique_ptr<Compressor> make(Compression codec);
  virtual ~Compressor() = default;

  // Appends to `out` the compressed form of `bytes`, or of some of the bytes
  // given so far. Throws ResourceError naming `what` (the output) when the
  // codec fails.
  virtual void compress(std::string_view bytes, std::string& out, const std::string& what) = 0;
  // Ends the stream: appends the rest and the trailer to `out`. The next
  // compress() begins a new stream (the next part file's).
  virtual void finish(std::string& out, const std::string& what) = 0;
};

}  // namespace mapreduce::detail
