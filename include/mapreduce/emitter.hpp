#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/records.hpp"

namespace mapreduce {

// What mapper calls to produce a pair: emit(key, value) is the C++ form of the
// Python module's `yield key, value`. Keys and values are encoded straight
// into the task's partition buffers; a std::string key is passed as a
// std::string_view and copied once, into that buffer. Valid only during the
// mapper call that received it; not thread-safe.
template <class Key, class Value>
class Emitter {
 public:
  explicit Emitter(detail::MapOutput& out) : out_(&out) {}

  void operator()(const ViewOf<Key>& key, const ViewOf<Value>& value) {
    const std::size_t value_size = Codec<Value>::size(value);
    if constexpr (std::is_same_v<ViewOf<Key>, std::string_view>) {
      Codec<Value>::encode(value, out_->add_key(key, value_size));
    } else {
      const std::size_t key_size = Codec<Key>::size(key);
      if (key_size <= sizeof small_) {
        Codec<Key>::encode(key, small_);
        Codec<Value>::encode(value, out_->add_key(std::string_view(small_, key_size), value_size));
      } else {
        large_.resize(key_size);
        Codec<Key>::encode(key, large_.data());
        Codec<Value>::encode(value, out_->add_key(large_, value_size));
      }
    }
  }

 private:
  detail::MapOutput* out_;
  char small_[64];
  std::string large_;
};

}  // namespace mapreduce
