// The record formats' splitters, each against a reference splitter written
// here byte by byte from the rules in README ("Record formats"), on hand cases
// and random texts; and the engine's cuts between records: map-task ranges,
// decompressed blocks and record counts, whose records put together must be
// the whole file's.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE record_formats
#include <algorithm>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "compression_support.hpp"
#include "input/chunking.hpp"
#include "input/decompression.hpp"
#include "test_support.hpp"
#include <mapreduce/detail/record_formats.hpp>
#include <mapreduce/error.hpp>

namespace {

namespace data = boost::unit_test::data;
using mapreduce::RecordFormat;
using mapreduce::RecordKind;

struct Record {
  std::string text;
  std::size_t offset;  // where the record begins in the text
  bool operator==(const Record&) const = default;
};
using Records = std::vector<Record>;

std::ostream& operator<<(std::ostream& out, const Record& record) {
  return out << '"' << mapreduce::test::escaped(record.text) << "\"@" << record.offset;
}

std::string name_of(const RecordFormat& format) {
  switch (format.kind) {
    case RecordKind::lines:
      return "lines";
    case RecordKind::nul:
      return "nul";
    case RecordKind::paragraphs:
      return "paragraphs";
    case RecordKind::file:
      return "file";
    case RecordKind::fixed:
      return "fixed:" + std::to_string(format.size);
    case RecordKind::separated:
      return "sep:" + mapreduce::test::escaped(format.separator());
  }
  return "?";
}

// The records the library's splitter for `format` delivers from `text`, with
// offsets counted from `base`.
Records split(std::string_view text, const RecordFormat& format, std::size_t base = 0) {
  Records records;
  std::string joined;
  auto add = [&](std::string_view record, const char* begin) {
    records.push_back({std::string(record), base + static_cast<std::size_t>(begin - text.data())});
  };
  switch (format.kind) {
    case RecordKind::lines:
      mapreduce::detail::for_each_line(text, add);
      break;
    case RecordKind::nul:
      mapreduce::detail::for_each_nul_record(text, add);
      break;
    case RecordKind::paragraphs:
      mapreduce::detail::for_each_paragraph(text, joined, add);
      break;
    case RecordKind::file:
      mapreduce::detail::for_each_file_record(text, add);
      break;
    case RecordKind::fixed:
      mapreduce::detail::for_each_fixed_record(text, format.size, add);
      break;
    case RecordKind::separated:
      mapreduce::detail::for_each_separated_record(text, format.separator(), add);
      break;
  }
  return records;
}

// The references, as plainly as possible.

// Records ended by `terminator`; a last one without it counts; with
// `drop_cr`, a '\r' right before the terminator is not part of the record.
Records reference_terminated(std::string_view text, char terminator, bool drop_cr) {
  Records records;
  std::string current;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == terminator) {
      if (drop_cr && !current.empty() && current.back() == '\r') current.pop_back();
      records.push_back({current, begin});
      current.clear();
      begin = i + 1;
    } else {
      current += text[i];
    }
  }
  if (begin < text.size()) records.push_back({current, begin});
  return records;
}

// Runs of non-empty lines, each joined by '\n'.
Records reference_paragraphs(std::string_view text) {
  Records records;
  bool open = false;
  for (const Record& line : reference_terminated(text, '\n', true)) {
    if (line.text.empty()) {
      open = false;
    } else if (open) {
      records.back().text += "\n" + line.text;
    } else {
      records.push_back(line);
      open = true;
    }
  }
  return records;
}

// Records ended by `separator`, found by comparing it at every place, left
// to right; a last one without it counts.
Records reference_separated(std::string_view text, std::string_view separator) {
  Records records;
  std::size_t begin = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, separator.size()) == separator) {
      records.push_back({std::string(text.substr(begin, i - begin)), begin});
      i += separator.size();
      begin = i;
    } else {
      ++i;
    }
  }
  if (begin < text.size()) records.push_back({std::string(text.substr(begin)), begin});
  return records;
}

Records reference_split(std::string_view text, const RecordFormat& format) {
  switch (format.kind) {
    case RecordKind::lines:
      return reference_terminated(text, '\n', true);
    case RecordKind::nul:
      return reference_terminated(text, '\0', false);
    case RecordKind::paragraphs:
      return reference_paragraphs(text);
    case RecordKind::file:
      return {{std::string(text), 0}};
    case RecordKind::fixed: {
      Records records;
      for (std::size_t i = 0; i < text.size(); i += format.size) {
        records.push_back({std::string(text.substr(i, format.size)), i});
      }
      return records;
    }
    case RecordKind::separated:
      return reference_separated(text, format.separator());
  }
  return {};
}

std::vector<std::string> texts_of(const Records& records) {
  std::vector<std::string> texts;
  for (const Record& record : records) texts.push_back(record.text);
  return texts;
}

// A format, printable for the names of the data test cases.
struct Format : RecordFormat {};
std::ostream& operator<<(std::ostream& out, const Format& format) { return out << name_of(format); }

const Format kFormats[] = {{RecordFormat::lines()},
                           {RecordFormat::nul()},
                           {RecordFormat::paragraphs()},
                           {RecordFormat::file()},
                           {RecordFormat::fixed(1)},
                           {RecordFormat::fixed(3)},
                           {RecordFormat::fixed(16)},
                           {RecordFormat::fixed(4096)},
                           {RecordFormat::separated_by("\r\n")},
                           {RecordFormat::separated_by("%\n")},
                           {RecordFormat::separated_by("XYZ")},
                           {RecordFormat::separated_by("|")},
                           {RecordFormat::separated_by(std::string("\0\n", 2))},
                           {RecordFormat::separated_by("-=-=+")}};

// Random text over the bytes that matter to the formats: separators alone
// and in runs (blank lines, CRLF blank lines, NUL runs), lone CRs, words.
// For a separated format, the separator itself, runs of it and its pieces
// (a prefix, a suffix, a byte) are as frequent as the rest, so that cuts
// land inside separators and near-misses abound.
std::string random_text(std::mt19937_64& random, std::size_t size, const RecordFormat& format = {}) {
  const std::string_view separator = format.kind == RecordKind::separated ? format.separator() : "";
  static const char* const kPieces[] = {"\n",     "\n", "\r\n", "\n\n", "\r\n\r\n", "\n\n\n",
                                        "\n\r\n", "\r", "\0",   "\0\0", "a",        "bc",
                                        "word ",  " ",  "x",    "\xff", "yz",       "\r\r\n"};
  static const std::size_t kSizes[] = {1, 1, 2, 2, 4, 3, 3, 1, 1, 2, 1, 2, 5, 1, 1, 1, 2, 3};
  std::string text;
  while (text.size() < size) {
    if (!separator.empty() && random() % 2 == 0) {
      const std::size_t cut = random() % separator.size();
      switch (random() % 5) {
        case 0:
        case 1:
          text += separator;
          break;
        case 2:
          text += separator.substr(0, cut);
          break;
        case 3:
          text += separator.substr(cut);
          break;
        case 4:
          text += separator[cut];
          break;
      }
      continue;
    }
    const std::size_t piece = random() % std::size(kPieces);
    text.append(kPieces[piece], kSizes[piece]);
    if (random() % 200 == 0) text.append(random() % 3000, 'L');  // a long record
  }
  return text;
}

// `text` cut to a whole number of fixed records.
std::string fitted(std::string text, const RecordFormat& format) {
  if (format.kind == RecordKind::fixed) text.resize(text.size() / format.size * format.size);
  return text;
}

struct Case {
  std::string name;
  RecordFormat format;
  std::string text;
  std::vector<std::string> records;
};

std::ostream& operator<<(std::ostream& out, const Case& c) { return out << c.name; }

using namespace std::string_literals;

// Derived by hand from the rules.
const std::vector<Case> kCases = {
    {"nul: empty", RecordFormat::nul(), "", {}},
    {"nul: find -print0", RecordFormat::nul(), "a b\0c\0"s, {"a b", "c"}},
    {"nul: last without NUL", RecordFormat::nul(), "a\0b"s, {"a", "b"}},
    {"nul: empty between", RecordFormat::nul(), "a\0\0b\0"s, {"a", "", "b"}},
    {"nul: lone NUL", RecordFormat::nul(), "\0"s, {""}},
    {"nul: newlines and CR kept", RecordFormat::nul(), "a\r\nb\r\0c\n"s, {"a\r\nb\r", "c\n"}},
    {"paragraphs: empty", RecordFormat::paragraphs(), "", {}},
    {"paragraphs: blank lines only", RecordFormat::paragraphs(), "\n\r\n\n", {}},
    {"paragraphs: two", RecordFormat::paragraphs(), "a\nb\n\nc\n", {"a\nb", "c"}},
    {"paragraphs: runs of blank lines", RecordFormat::paragraphs(), "\n\na\n\n\n\nb\nc\n\n\n", {"a", "b\nc"}},
    {"paragraphs: no final newline", RecordFormat::paragraphs(), "a\n\nb", {"a", "b"}},
    {"paragraphs: CRLF", RecordFormat::paragraphs(), "a\r\nb\r\n\r\nc\r\n", {"a\nb", "c"}},
    {"paragraphs: a line of spaces is not blank", RecordFormat::paragraphs(), "a\n \nb", {"a\n \nb"}},
    {"paragraphs: lone CR line is not blank", RecordFormat::paragraphs(), "a\n\r\rb\n", {"a\n\r\rb"}},
    {"paragraphs: CR CR LF keeps one CR", RecordFormat::paragraphs(), "a\r\r\nb", {"a\r\nb"}},
    {"paragraphs: last line a lone CR", RecordFormat::paragraphs(), "a\n\r", {"a\n\r"}},
    {"paragraphs: NUL is a byte", RecordFormat::paragraphs(), "\0\n\n\0"s, {"\0"s, "\0"s}},
    {"file: empty", RecordFormat::file(), "", {""}},
    {"file: all of it", RecordFormat::file(), "a\n\nb\0\r\n"s, {"a\n\nb\0\r\n"s}},
    {"fixed:2", RecordFormat::fixed(2), "ab\ncd\0\0"s, {"ab", "\nc", "d\0"s, "\0"s}},
    {"fixed:4 empty", RecordFormat::fixed(4), "", {}},
    {"sep: empty", RecordFormat::separated_by("\r\n"), "", {}},
    {"sep: CRLF lines, CR kept out",
     RecordFormat::separated_by("\r\n"),
     "a\r\nb\rc\nd\r\n",
     {"a", "b\rc\nd"}},
    {"sep: last without separator", RecordFormat::separated_by("%\n"), "one\n%\ntwo", {"one\n", "two"}},
    {"sep: empty between", RecordFormat::separated_by("XYZ"), "aXYZXYZbXYZ", {"a", "", "b"}},
    {"sep: lone separator", RecordFormat::separated_by("XYZ"), "XYZ", {""}},
    {"sep: near misses", RecordFormat::separated_by("XYZ"), "XYXYZXZYXYZZ", {"XY", "XZY", "Z"}},
    {"sep: NUL inside", RecordFormat::separated_by("\0\n"s), "a\0b\0\n\n\0\n"s, {"a\0b"s, "\n"}},
    {"sep: one byte", RecordFormat::separated_by("|"), "a||b|", {"a", "", "b"}},
};

}  // namespace

BOOST_DATA_TEST_CASE(splitter_cases, data::make(kCases), c) {
  const Records records = split(c.text, c.format);
  BOOST_TEST(texts_of(records) == c.records, boost::test_tools::per_element());
  // The hand-written expectations and the reference agree, so the random
  // tests below check the same rules.
  BOOST_TEST(texts_of(reference_split(c.text, c.format)) == c.records, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(splitter_agrees_with_the_reference_on_random_texts, data::make(kFormats), format) {
  std::mt19937_64 random(4242 + format.size + static_cast<unsigned>(format.kind));
  for (int round = 0; round < 1500; ++round) {
    const std::string text = random_text(random, random() % 120, format);
    BOOST_TEST_CONTEXT(name_of(format)
                       << ", round " << round << ": \"" << mapreduce::test::escaped(text) << "\"") {
      BOOST_TEST(split(text, format) == reference_split(text, format), boost::test_tools::per_element());
    }
  }
}

// What a map task reads is a range of the file: the records of all ranges,
// in order, must be the file's, for any number of cuts.
BOOST_DATA_TEST_CASE(records_of_all_ranges_are_the_files, data::make(kFormats), format) {
  std::mt19937_64 random(99 + format.size + static_cast<unsigned>(format.kind));
  for (int round = 0; round < 12; ++round) {
    const std::string text = fitted(random_text(random, random() % 20000, format), format);
    const Records whole = reference_split(text, format);
    for (std::size_t count = 1; count <= 40; ++count) {
      BOOST_TEST_CONTEXT(name_of(format)
                         << ", round " << round << ", " << count << " cuts, " << text.size() << " bytes") {
        const auto ranges = mapreduce::detail::record_aligned_ranges(text, count, format);
        BOOST_TEST_REQUIRE(ranges.size() == count);
        Records pieced;
        std::size_t next = 0;
        for (std::string_view range : ranges) {
          const auto begin = static_cast<std::size_t>(range.data() - text.data());
          BOOST_TEST_REQUIRE(begin == next);  // contiguous, in order
          next = begin + range.size();
          // Each end is a place to cut, as next_record_boundary says.
          BOOST_TEST(mapreduce::detail::next_record_boundary(text, next, format) == next);
          if (range.empty() && format.kind != RecordKind::file) continue;  // the engine skips those
          // The engine's record numbers: the records before the range.
          std::size_t before = 0;
          while (before < whole.size() && whole[before].offset < begin) ++before;
          BOOST_TEST(mapreduce::detail::count_records(format, text.data(), range.data()) == before);
          for (Record& record : split(range, format, begin)) pieced.push_back(std::move(record));
        }
        BOOST_TEST(next == text.size());
        if (format.kind == RecordKind::file && count > 1) {
          // Empty ranges of a file would be empty records; the engine makes
          // one task of a file record. Only the first range holds anything.
          BOOST_TEST(ranges[0].size() == text.size());
          continue;
        }
        BOOST_TEST_REQUIRE(pieced.size() == whole.size());
        BOOST_TEST(pieced == whole, boost::test_tools::per_element());
      }
    }
  }
}

// Cuts depend only on the input: the same text and count give the same cuts,
// and each cut lies where the reference says one may: at a record's start
// (lines, nul, fixed) or after a blank line (paragraphs).
BOOST_DATA_TEST_CASE(cuts_fall_between_records, data::make(kFormats), format) {
  std::mt19937_64 random(7 + format.size + static_cast<unsigned>(format.kind));
  const std::string text = fitted(random_text(random, 50000, format), format);
  const Records whole = reference_split(text, format);
  const Records lines = reference_split(text, RecordFormat::lines());
  for (std::size_t count : {2u, 7u, 31u}) {
    const auto ranges = mapreduce::detail::record_aligned_ranges(text, count, format);
    BOOST_TEST((ranges == mapreduce::detail::record_aligned_ranges(text, count, format)));
    for (std::string_view range : ranges) {
      const auto begin = static_cast<std::size_t>(range.data() - text.data());
      if (begin == 0 || begin == text.size()) continue;
      bool allowed = false;
      if (format.kind == RecordKind::paragraphs) {
        // The line that ends right before the cut is an empty one.
        for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
          if (lines[i + 1].offset == begin) allowed = lines[i].text.empty();
        }
      } else {
        for (const Record& record : whole) allowed |= record.offset == begin;
      }
      BOOST_TEST(allowed, name_of(format) << ": a cut at " << begin);
    }
  }
}

BOOST_DATA_TEST_CASE(the_last_boundary_splits_a_block_without_changing_its_records, data::make(kFormats),
                     format) {
  std::mt19937_64 random(31337 + format.size + static_cast<unsigned>(format.kind));
  for (int round = 0; round < 800; ++round) {
    const std::string text = random_text(random, random() % 300, format);
    BOOST_TEST_CONTEXT(name_of(format)
                       << ", round " << round << ": \"" << mapreduce::test::escaped(text) << "\"") {
      const std::size_t last = mapreduce::detail::last_record_boundary(text, format);
      if (format.kind == RecordKind::file) {
        BOOST_TEST(last == 0u);
      } else if (format.kind == RecordKind::fixed) {
        BOOST_TEST(last == text.size() / format.size * format.size);
      } else {
        BOOST_TEST_REQUIRE(last <= text.size());
        const std::string_view view = text;
        Records pieced = split(view.substr(0, last), format);
        for (Record& record : split(view.substr(last), format, last)) pieced.push_back(std::move(record));
        BOOST_TEST(pieced == reference_split(text, format), boost::test_tools::per_element());
        // It is the last: no later place up to the end is one to cut at.
        if (last < text.size()) {
          BOOST_TEST(mapreduce::detail::next_record_boundary(text + "x", last + 1, format) ==
                     text.size() + 1);
        }
      }
    }
  }
}

namespace {

// The blocks decompress_records hands on, joined, and their records.
struct Decompressed {
  std::string text;
  Records records;
  std::size_t blocks = 0;
};

Decompressed decompressed(std::string_view compressed, const RecordFormat& format) {
  Decompressed out;
  mapreduce::detail::decompress_records(mapreduce::detail::InputCompression::gzip, compressed, "in.gz",
                                        format, [&](std::string_view block) {
                                          ++out.blocks;
                                          for (Record& r : split(block, format, out.text.size()))
                                            out.records.push_back(std::move(r));
                                          out.text += block;
                                        });
  return out;
}

}  // namespace

// A compressed input is handed on in blocks of whole records: the blocks put
// together are the text, and their records are the whole text's.
BOOST_DATA_TEST_CASE(decompressed_blocks_hold_whole_records, data::make(kFormats), format) {
  std::mt19937_64 random(555 + format.size + static_cast<unsigned>(format.kind));
  // Over two 4 MiB blocks, with a blank-line-free stretch longer than a block.
  std::string text = random_text(random, 5u << 20, format);
  text += std::string(5u << 20, 'w');
  text += random_text(random, 3u << 20, format);
  text = fitted(std::move(text), format);
  const Decompressed out = decompressed(mapreduce::test::gzip(text, 1), format);
  BOOST_TEST(mapreduce::test::first_difference(text, out.text) == "");
  // One block for a file record, several for the others.
  BOOST_TEST((format.kind == RecordKind::file ? out.blocks == 1u : out.blocks >= 2u),
             out.blocks << " blocks");
  const Records& pieced = out.records;
  const Records whole = reference_split(text, format);
  BOOST_TEST_REQUIRE(pieced.size() == whole.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < whole.size(); ++i) mismatches += !(pieced[i] == whole[i]);
  BOOST_TEST(mismatches == 0u);
}

BOOST_AUTO_TEST_CASE(an_empty_compressed_file_is_one_file_record) {
  const std::string compressed = mapreduce::test::zstd("");
  std::vector<std::string> blocks;
  mapreduce::detail::decompress_records(mapreduce::detail::InputCompression::zstd, compressed, "e.zst",
                                        RecordFormat::file(),
                                        [&](std::string_view block) { blocks.emplace_back(block); });
  BOOST_TEST(blocks == std::vector<std::string>{""}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_compressed_file_of_a_partial_fixed_record_is_an_error) {
  const std::string compressed = mapreduce::test::gzip(std::string(10, 'x'));
  const auto message = mapreduce::test::message_of<mapreduce::InputError>([&] {
    mapreduce::detail::decompress_records(mapreduce::detail::InputCompression::gzip, compressed,
                                          "/data/ten.gz", RecordFormat::fixed(4), [](std::string_view) {});
  });
  BOOST_TEST_REQUIRE(message.has_value());
  BOOST_TEST(message->find("/data/ten.gz") != std::string::npos, *message);
  BOOST_TEST(message->find("10 bytes") != std::string::npos, *message);
  BOOST_TEST(message->find("4-byte records") != std::string::npos, *message);
}

// The reference itself, on what the formats are for.
BOOST_AUTO_TEST_CASE(the_reference_is_what_it_claims) {
  BOOST_TEST(reference_split("a\r\n\r\nb", RecordFormat::paragraphs()).size() == 2u);
  BOOST_TEST(reference_split("a\r\n\r\nb", RecordFormat::paragraphs())[1].offset == 5u);
  BOOST_TEST(reference_split("ab\0"s, RecordFormat::nul()).size() == 1u);
  BOOST_TEST(reference_split("abcde", RecordFormat::fixed(2)).back().text == "e");
  BOOST_TEST(reference_split("aXYZb", RecordFormat::separated_by("XYZ")).at(1).offset == 4u);
}
