#pragma once

#include <cstddef>
#include <iterator>
#include <span>
#include <string_view>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce {

// All the values of one key, as reducer receives them: a sized, forward range
// that decodes each value as it is read (a std::string value is read as a
// std::string_view into the engine's memory, valid during the reducer call).
// Values come in the order their pairs were emitted in the input, with either
// engine and any number of processes (so, for instance, a floating-point sum
// is the same everywhere).
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
    value_type operator*() const { return Codec<Value>::decode(*p_); }
    iterator& operator++() {
      ++p_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++p_;
      return old;
    }
    bool operator==(const iterator&) const = default;

   private:
    const std::string_view* p_ = nullptr;
  };

  explicit Values(std::span<const std::string_view> encoded) : encoded_(encoded) {}

  iterator begin() const { return iterator(encoded_.data()); }
  iterator end() const { return iterator(encoded_.data() + encoded_.size()); }
  std::size_t size() const { return encoded_.size(); }
  bool empty() const { return encoded_.empty(); }
  ViewOf<Value> operator[](std::size_t i) const { return Codec<Value>::decode(encoded_[i]); }

 private:
  std::span<const std::string_view> encoded_;
};

}  // namespace mapreduce
