#pragma once

#include <cstddef>
#include <iterator>
#include <span>
#include <string_view>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/export.hpp"

namespace mapreduce {
namespace detail {

// The encoded values of one key too large for memory (a hot key past the
// memory limit), read back from disk: the engine's side of a streamed
// Values. One virtual call per value read, in that rare case only.
class MAPREDUCE_EXPORT ValueStream {
 public:
  virtual ~ValueStream();
  virtual std::size_t size() const = 0;
  // Value `index` (below size()), valid until the next call: read on from
  // the last one asked for, or again from the first for an earlier one.
  virtual std::string_view at(std::size_t index) = 0;
};

}  // namespace detail

// All the values of one key, as reducer receives them: a sized, forward range
// that decodes each value as it is read (a std::string value is read as a
// std::string_view into the engine's memory, valid during the reducer call).
// Values come in the order their pairs were emitted in the input, with either
// engine and any number of processes (so, for instance, a floating-point sum
// is the same everywhere).
//
// A key whose values do not fit in the memory limit (see README, "Bigger
// than memory") may get them streamed from disk instead, when they decode
// to values rather than views (numbers, not strings) and the job does not
// sort them: reading them in order is one pass over the file, and going
// back to an earlier value (a second pass, operator[] backwards) reads
// again from the first.
template <class Value>
class Values {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = ViewOf<Value>;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;
    using pointer = void;

    iterator() = default;
    explicit iterator(const std::string_view* p) : p_(p) {}
    iterator(const char* packed, std::size_t width) : packed_(packed), width_(width) {}
    iterator(detail::ValueStream* stream, std::size_t index) : stream_(stream), index_(index) {}

    value_type operator*() const {
      if (stream_ != nullptr) return Codec<Value>::decode(stream_->at(index_));
      if (packed_ != nullptr) return Codec<Value>::decode(std::string_view(packed_, width_));
      return Codec<Value>::decode(*p_);
    }
    iterator& operator++() {
      if (stream_ != nullptr) {
        ++index_;
      } else if (packed_ != nullptr) {
        packed_ += width_;
      } else {
        ++p_;
      }
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& other) const {
      return p_ == other.p_ && packed_ == other.packed_ && index_ == other.index_;
    }

   private:
    const std::string_view* p_ = nullptr;
    const char* packed_ = nullptr;  // packed: the value's bytes
    std::size_t width_ = 0;         // packed: every value's size
    detail::ValueStream* stream_ = nullptr;
    std::size_t index_ = 0;  // streamed: the value's number
  };

  explicit Values(std::span<const std::string_view> encoded) : encoded_(encoded) {}
  // The engine's, for values that all have one size: `count` of `width`
  // bytes each, one after the other from `packed` (not null).
  Values(const char* packed, std::size_t count, std::size_t width)
      : packed_(packed), count_(count), width_(width) {}
  explicit Values(detail::ValueStream& stream) : stream_(&stream) {}

  iterator begin() const {
    if (stream_ != nullptr) return iterator(stream_, 0);
    if (packed_ != nullptr) return iterator(packed_, width_);
    return iterator(encoded_.data());
  }
  iterator end() const {
    if (stream_ != nullptr) return iterator(stream_, stream_->size());
    if (packed_ != nullptr) return iterator(packed_ + count_ * width_, width_);
    return iterator(encoded_.data() + encoded_.size());
  }
  std::size_t size() const {
    if (stream_ != nullptr) return stream_->size();
    return packed_ != nullptr ? count_ : encoded_.size();
  }
  bool empty() const { return size() == 0; }
  ViewOf<Value> operator[](std::size_t i) const {
    if (stream_ != nullptr) return Codec<Value>::decode(stream_->at(i));
    if (packed_ != nullptr) return Codec<Value>::decode(std::string_view(packed_ + i * width_, width_));
    return Codec<Value>::decode(encoded_[i]);
  }

 private:
  std::span<const std::string_view> encoded_;
  const char* packed_ = nullptr;  // packed: the first value's bytes
  std::size_t count_ = 0;         // packed: how many
  std::size_t width_ = 0;         // packed: each one's size
  detail::ValueStream* stream_ = nullptr;
};

}  // namespace mapreduce
