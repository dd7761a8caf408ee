#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "mapreduce/options.hpp"

namespace mapreduce::detail {

// Where the text of one file may be cut between two records of `format`: at
// its start and end, and after a '\n' (lines), a '\0' (nul), a blank line
// (paragraphs) or a multiple of the record size (fixed); a file is never cut
// inside (file). Text that starts at such a place splits into the same records
// in any number of pieces cut at such places.

// The first place at or after `at` (at most text.size()) where text may be
// cut; text starts where its file does.
std::size_t next_record_boundary(std::string_view text, std::size_t at, const RecordFormat& format);

// The last place after text's first byte where text, which starts at a
// place where it may be cut (and, for fixed, a multiple of the record size
// from its file's start), may be cut; 0 when there is none.
std::size_t last_record_boundary(std::string_view text, const RecordFormat& format);

// Cuts `text`, a whole file's text, into `count` contiguous ranges of about
// equal size, each end moved forward to the next place where records of
// `format` may be cut, so that every record lies in exactly one range. Ranges
// may be empty (a long record swallows its neighbours' share); together they
// cover `text` exactly, in order. after_each_cut, when given, is called
// once each cut is found: the search for it read text's pages there, which a
// caller reading a mapped file gives back at once (the kernel maps up to a
// few MiB around each page read; over 65 cuts that was a 113 MiB peak).
std::vector<std::string_view> record_aligned_ranges(std::string_view text, std::size_t count,
                                                    const RecordFormat& format,
                                                    const std::function<void()>& after_each_cut = nullptr);

// record_aligned_ranges for lines.
std::vector<std::string_view> line_aligned_ranges(std::string_view text, std::size_t count);

// The size of the map tasks of an input of `total_bytes` bytes (all its
// files together): about a 64th of it, so that a small input with an
// expensive mapper still keeps every process of a large machine busy, but at
// least 512 bytes and at most 4 MiB, and above 16 GiB as much as keeps the
// tasks at 4096. It depends on the input alone, never on the number of
// processes, so both engines run the very same map tasks: with a combiner,
// every reducer sees the same partial values in the same order whatever the
// process count.
std::size_t map_task_size(std::uint64_t total_bytes);

// How many tasks a file of `bytes` bytes is cut into when tasks are
// `task_size` bytes: one per started task_size, at least one.
std::size_t map_task_count(std::size_t bytes, std::size_t task_size);

}  // namespace mapreduce::detail
