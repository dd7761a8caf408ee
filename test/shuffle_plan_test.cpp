// The cluster engine's plan (lib/cluster/shuffle_plan.cpp), without MPI: the
// rounds are played out here, rank by rank, as MPI_Alltoallv would move them,
// and every partition's sections must come out whole, in input order, at
// its owner.
#define BOOST_TEST_MODULE shuffle_plan
#include "cluster/shuffle_plan.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace {

using mapreduce::detail::first_task;
using mapreduce::detail::ShufflePlan;

// Bytes that name their section, so that a misplaced byte shows.
std::string section_bytes(std::size_t rank, std::size_t run, std::size_t partition, std::uint64_t size) {
  std::string bytes;
  for (std::uint64_t i = 0; i < size; ++i)
    bytes += static_cast<char>('A' + (rank * 7 + run * 3 + partition + i) % 26);
  return bytes;
}

struct Layout {
  std::size_t ranks;
  std::size_t partitions;
  std::vector<std::vector<std::uint64_t>> sizes;  // per rank, run-major
};

Layout random_layout(std::mt19937& random) {
  Layout layout;
  layout.ranks = 1 + random() % 5;
  layout.partitions = 1 + random() % 9;
  layout.sizes.resize(layout.ranks);
  for (auto& sizes : layout.sizes) {
    const std::size_t runs = random() % 4;
    for (std::size_t i = 0; i < runs * layout.partitions; ++i)
      sizes.push_back(random() % 3 == 0 ? 0 : random() % 40);
  }
  return layout;
}

// Plays the plan out: what each rank receives from each other, round by
// round, as the cluster engine packs and unpacks it.
std::vector<std::vector<std::string>> play(const ShufflePlan& plan) {
  const std::size_t ranks = plan.ranks();
  std::vector<std::vector<std::string>> streams(ranks, std::vector<std::string>(ranks));  // [from][to]
  for (std::size_t p = 0; p < plan.partitions(); ++p) {
    for (std::size_t from = 0; from < ranks; ++from) {
      if (from == plan.owner(p)) continue;
      for (std::size_t k = 0; k < plan.runs(from); ++k)
        streams[from][plan.owner(p)] += section_bytes(from, k, p, plan.section_size(from, k, p));
    }
  }
  std::vector<std::vector<std::string>> received(ranks, std::vector<std::string>(ranks));  // [to][from]
  for (std::size_t round = 0; round < plan.rounds(); ++round) {
    bool any = false;
    for (std::size_t from = 0; from < ranks; ++from) {
      std::uint64_t sent = 0;
      for (std::size_t to = 0; to < ranks; ++to) {
        const std::uint64_t n = plan.round_size(round, from, to);
        BOOST_TEST(n <= plan.chunk());
        if (n == 0) continue;
        BOOST_TEST(received[to][from].size() == round * plan.chunk());
        received[to][from] += streams[from][to].substr(round * plan.chunk(), n);
        sent += n;
        any = any || n != 0;
      }
      BOOST_TEST(sent <= plan.chunk() * ranks);
    }
    BOOST_TEST(any, "round " << round << " moves nothing");
  }
  for (std::size_t from = 0; from < ranks; ++from) {
    for (std::size_t to = 0; to < ranks; ++to) {
      BOOST_TEST(received[to][from] == streams[from][to]);
      BOOST_TEST(plan.stream_size(from, to) == streams[from][to].size());
    }
  }
  return received;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_section_reaches_its_owner_whole_and_in_input_order) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 2000; ++trial) {
    Layout layout = random_layout(random);
    const std::uint64_t round_bytes = 1 + random() % 200;
    const ShufflePlan plan(layout.partitions, layout.sizes, round_bytes);
    BOOST_TEST_CONTEXT("trial " << trial << ": " << layout.ranks << " ranks, " << layout.partitions
                                << " partitions, rounds of " << round_bytes) {
      BOOST_TEST(plan.chunk() == std::max<std::uint64_t>(1, round_bytes / layout.ranks));
      const auto received = play(plan);
      for (std::size_t p = 0; p < layout.partitions; ++p) {
        const std::size_t owner = plan.owner(p);
        BOOST_TEST(owner == p % layout.ranks);
        std::size_t expected_rank = 0;
        std::size_t expected_run = 0;
        for (const ShufflePlan::Piece& piece : plan.pieces(p)) {
          // Rank by rank, each rank's runs in order, none missing.
          while (expected_run == plan.runs(expected_rank)) {
            ++expected_rank;
            expected_run = 0;
          }
          BOOST_TEST(piece.rank == expected_rank);
          BOOST_TEST(piece.run == expected_run);
          ++expected_run;
          BOOST_TEST(piece.size == plan.section_size(piece.rank, piece.run, p));
          if (piece.rank == owner) continue;  // the owner's own, not sent
          const std::string& stream = received[owner][piece.rank];
          BOOST_TEST_REQUIRE(piece.offset + piece.size <= stream.size());
          BOOST_TEST(stream.substr(piece.offset, piece.size) ==
                     section_bytes(piece.rank, piece.run, p, piece.size));
        }
        std::size_t runs_total = 0;
        for (std::size_t r = 0; r < layout.ranks; ++r) runs_total += plan.runs(r);
        BOOST_TEST(plan.pieces(p).size() == runs_total);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(nothing_to_send_takes_no_round) {
  const ShufflePlan one_rank(4, {{5, 6, 7, 8}}, 1);
  BOOST_TEST(one_rank.rounds() == 0u);
  const ShufflePlan empty(4, {{0, 0, 0, 0}, {}}, 64);
  BOOST_TEST(empty.rounds() == 0u);
}

BOOST_AUTO_TEST_CASE(rounds_are_as_few_as_the_round_size_allows) {
  // Rank 0 sends rank 1 partitions 1 and 3: 10 + 30 bytes; rank 1 sends rank
  // 0 partitions 0 and 2: 1 + 2. Rounds of 8 bytes give each pair 4 a round.
  const ShufflePlan plan(4, {{100, 10, 100, 30}, {1, 200, 2, 200}}, 8);
  BOOST_TEST(plan.stream_size(0, 1) == 40u);
  BOOST_TEST(plan.stream_size(1, 0) == 3u);
  BOOST_TEST(plan.chunk() == 4u);
  BOOST_TEST(plan.rounds() == 10u);
  BOOST_TEST(plan.round_size(0, 1, 0) == 3u);
  BOOST_TEST(plan.round_size(1, 1, 0) == 0u);
  BOOST_TEST(plan.round_size(9, 0, 1) == 4u);
  BOOST_TEST(plan.round_size(10, 0, 1) == 0u);
  const auto pieces = plan.pieces(3);
  BOOST_TEST_REQUIRE(pieces.size() == 2u);
  BOOST_TEST(pieces[0].offset == 10u);  // after partition 1's 10 bytes
  BOOST_TEST(pieces[0].size == 30u);
}

BOOST_AUTO_TEST_CASE(ranks_map_contiguous_equal_shares_of_the_bytes) {
  std::mt19937 random(11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::uint64_t> sizes(random() % 40);
    std::uint64_t total = 0;
    std::uint64_t largest = 0;
    for (auto& size : sizes) {
      size = random() % 5 == 0 ? 0 : random() % 1000;
      total += size;
      largest = std::max(largest, size);
    }
    const std::size_t ranks = 1 + random() % 9;
    BOOST_TEST_CONTEXT("trial " << trial << ": " << sizes.size() << " tasks, " << ranks << " ranks") {
      BOOST_TEST(first_task(sizes, 0, ranks) == 0u);
      BOOST_TEST(first_task(sizes, ranks, ranks) == sizes.size());
      for (std::size_t r = 0; r < ranks; ++r) {
        const std::size_t first = first_task(sizes, r, ranks);
        const std::size_t last = first_task(sizes, r + 1, ranks);
        BOOST_TEST_REQUIRE(first <= last);
        std::uint64_t share = 0;
        for (std::size_t t = first; t < last; ++t) share += sizes[t];
        // Each rank's bytes are its equal share, give or take one task.
        BOOST_TEST(share <= total / ranks + 1 + largest);
        BOOST_TEST(share + largest + 1 >= total / ranks);
      }
    }
  }
  // Equal tasks split evenly.
  const std::vector<std::uint64_t> eight(8, 100);
  BOOST_TEST(first_task(eight, 1, 2) == 4u);
  BOOST_TEST(first_task(eight, 1, 4) == 2u);
  BOOST_TEST(first_task(eight, 3, 4) == 6u);
}
