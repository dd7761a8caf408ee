// SharedArena, the memfd that holds a worker's intermediate data: what is
// appended is read back in place, at the offsets append returned, and
// discard() gives the memory back while the arena keeps its size (a reader
// that maps it then sees zeros, never a SIGBUS).
#define BOOST_TEST_MODULE shared_memory
#include "ipc/shared_memory.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "base/mapped_region.hpp"

using mapreduce::detail::MappedRegion;
using mapreduce::detail::SharedArena;

BOOST_AUTO_TEST_CASE(appended_pieces_are_read_back_at_their_offsets) {
  SharedArena arena("mapreduce-test");
  const std::vector<std::string_view> first{"alpha", "", "beta"};
  const std::vector<std::string_view> second{"gamma"};
  BOOST_TEST(arena.append(first) == 0u);
  BOOST_TEST(arena.append(second) == 9u);
  BOOST_TEST(arena.size() == 14u);
  const MappedRegion region = arena.map_prefix(arena.size());
  BOOST_TEST(region.view() == "alphabetagamma");
}

BOOST_AUTO_TEST_CASE(a_discarded_arena_keeps_its_size_and_reads_as_zeros) {
  SharedArena arena("mapreduce-test");
  // Several pages, and a partial one at the end.
  const std::string data(3 * 4096 + 100, 'x');
  const std::vector<std::string_view> pieces{data};
  arena.append(pieces);
  arena.discard();
  BOOST_TEST(arena.size() == data.size());
  const MappedRegion region = arena.map_prefix(data.size());
  BOOST_TEST(region.view() == std::string(data.size(), '\0'));

  // Discarding twice, or an empty arena, is harmless.
  arena.discard();
  SharedArena empty("mapreduce-test");
  empty.discard();
  BOOST_TEST(empty.size() == 0u);
}
