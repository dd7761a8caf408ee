#pragma once

#include <string>
#include <string_view>

#include "mapreduce/error.hpp"

namespace mapreduce::detail {

// The text for an errno value ("No such file or directory").
std::string errno_text(int error);

// Throws the exception type E with "CONTEXT: ERRNO TEXT". The one place where
// errno becomes an exception.
template <class E>
[[noreturn]] void throw_errno(const std::string& context, int error) {
  throw E(context + ": " + errno_text(error));
}

// The one ResourceError for std::bad_alloc: "out of memory during WHAT".
ResourceError out_of_memory(const std::string& during);

}  // namespace mapreduce::detail
