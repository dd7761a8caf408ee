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
    iterator(detail::ValueStream* stream, std::size_t index) : stream_(stream), index_(index) {}
    value_type operator*() const {
      return Codec<Value>::decode(stream_ == nullptr ? *p_ : stream_->at(index_));
    }
    iterator& operator++() {
      if (stream_ == nullptr) {
        ++p_;
      } else {
        ++index_;
      }
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& other) const { return p_ == other.p_ && index_ == other.index_; }

   private:
    const std::string_view* p_ = nullptr;
    detail::ValueStream* stream_ = nullptr;
    std::size_t index_ = 0;  // streamed: the value's number
  };

  explicit Values(std::span<const std::string_view> encoded) : encoded_(encoded) {}
  explicit Values(detail::ValueStream& stream) : stream_(&stream) {}

  iterator begin() const { return stream_ == nullptr ? iterator(encoded_.data()) : iterator(stream_, 0); }
  iterator end() const {
    return stream_ == nullptr ? iterator(encoded_.data() + encoded_.size())
                              : iterator(stream_, stream_->size());
  }
  std::size_t size() const { return stream_ == nullptr ? encoded_.size() : stream_->size(); }
  bool empty() const { return size() == 0; }
  ViewOf<Value> operator[](std::size_t i) const {
    return Codec<Value>::decode(stream_ == nullptr ? encoded_[i] : stream_->at(i));
  }

 private:
  std::span<const std::string_view> encoded_;
  detail::ValueStream* stream_ = nullptr;
};

}  // namespace mapreduce
