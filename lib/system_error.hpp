#pragma once

#include <string>
#include <string_view>

namespace mapreduce::detail {

// The text for an errno value ("No such file or directory").
std::string errno_text(int error);

// Throws the exception type E with "CONTEXT: ERRNO TEXT". The one place where
// errno becomes an exception.
template <class E>
[[noreturn]] void throw_errno(const std::string& context, int error) {
  throw E(context + ": " + errno_text(error));
}

// `bytes` as printable text for a message: printable ASCII stays, everything
// else becomes \n, \t, \r or \xNN; longer texts are cut at `limit` bytes and
// end with "...".
std::string printable(std::string_view bytes, std::size_t limit = 200);

}  // namespace mapreduce::detail
