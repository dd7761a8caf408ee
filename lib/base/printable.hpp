#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mapreduce::detail {

// `bytes` as printable text for a message: printable ASCII stays, everything
// else becomes \n, \t, \r or \xNN; longer texts are cut at `limit` bytes and
// end with "...".
std::string printable(std::string_view bytes, std::size_t limit = 200);

}  // namespace mapreduce::detail
