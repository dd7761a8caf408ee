#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mapreduce::detail {

// Cuts `text` into `count` contiguous ranges of about equal size, each end
// moved forward past the next '\n', so that every line lies in exactly one
// range. Ranges may be empty (a long line swallows its neighbours' share);
// together they cover `text` exactly, in order.
std::vector<std::string_view> split_into_chunks(std::string_view text, std::size_t count);

}  // namespace mapreduce::detail
