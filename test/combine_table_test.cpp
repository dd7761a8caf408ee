// The combiner's table (detail/combine_table.hpp): every key's values
// combined into one, and drain_in_key_order giving the keys in byte order,
// at sizes below and above the one where the sort first spreads the keys
// into buckets by their first two bytes, for keys that share prefixes, differ
// only past their eighth byte or only in length, hold zero and 0xff bytes,
// are empty or longer than a slot; keys that crowd one bucket; keys upserted
// by their ShortKey; values kept outside the slots; and a drained table is
// empty and reusable; keys whose probes wrap past the end of the table as
// it grows in place. drain_by_partition_in_key_order: each partition's keys
// in byte order, partitions in turn, for the default partition and one that
// crowds a partition, with the sizes it reserves, the hash it passes, and a
// partition that throws.
#define BOOST_TEST_MODULE combine_table
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <mapreduce/detail/combine_table.hpp>
#include <mapreduce/detail/hash.hpp>

namespace {

using mapreduce::detail::CombineTable;
using mapreduce::detail::hash_bytes;
using mapreduce::detail::hash_partition;
using mapreduce::detail::hash_short;
using mapreduce::detail::short_key;

// Keys made to collide in the places the sort looks first: a handful of
// two-byte and eight-byte prefixes, then random tails of random length.
std::string awkward_key(std::mt19937_64& random) {
  static const std::string kHeads[] = {
      "", "a", "ab", "abcdefgh", "abcdefg", std::string("ab\0", 3), "\xff\xff", "zz", "abcdefghabcdefgh"};
  std::string key = kHeads[random() % std::size(kHeads)];
  const std::size_t tail = random() % 24;
  static const char kBytes[] = {'a', 'b', 'z', '\0', '\xff', '\x7f', '\x80'};
  for (std::size_t i = 0; i < tail; ++i) key += kBytes[random() % std::size(kBytes)];
  return key;
}

// Upserts `value` for `key` into `table`, combined by +=, and adds it to
// what the table should hold.
template <class Value>
void add(CombineTable<Value>& table, std::map<std::string, Value>& expected, const std::string& key,
         const Value& value) {
  expected[key] += value;
  table.upsert(
      key, hash_bytes(key), [&] { return value; }, [&](Value& total) { total += value; });
}

// Fills `table` with `records` awkward keys, each worth its record number,
// summed per key; returns what the table should hold.
std::map<std::string, std::int64_t> fill(CombineTable<std::int64_t>& table, std::mt19937_64& random,
                                         std::size_t records) {
  std::map<std::string, std::int64_t> expected;
  for (std::size_t i = 0; i < records; ++i)
    add(table, expected, awkward_key(random), static_cast<std::int64_t>(i));
  return expected;
}

template <class Value>
std::vector<std::pair<std::string, Value>> drained(CombineTable<Value>& table) {
  std::vector<std::pair<std::string, Value>> keys;
  table.drain_in_key_order([&](std::string_view key, const Value& value) { keys.emplace_back(key, value); });
  return keys;
}

template <class Value>
std::vector<std::pair<std::string, Value>> as_vector(const std::map<std::string, Value>& map) {
  return {map.begin(), map.end()};
}

// `count` distinct keys that all begin with the same two bytes, then 1 to 10
// bytes of seven values each, so that one bucket of the sort holds them all
// (as integer keys, which share their first two bytes, do).
std::vector<std::string> crowded_keys(std::mt19937_64& random, std::size_t count) {
  std::map<std::string, int> keys;
  while (keys.size() < count) {
    std::string key = "\x01\x02";
    const std::size_t tail = 1 + random() % 10;
    for (std::size_t i = 0; i < tail; ++i) key += static_cast<char>(random() % 7 + (i % 2 ? 0 : 0xf9));
    keys.emplace(key, 0);
  }
  std::vector<std::string> out;
  for (const auto& [key, unused] : keys) out.push_back(key);
  std::shuffle(out.begin(), out.end(), random);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(drains_every_key_once_in_byte_order_at_every_size) {
  std::mt19937_64 random(20261202);
  // Distinct keys from 0 to well past the bucketed sort's threshold.
  for (std::size_t records :
       {std::size_t{0}, std::size_t{1}, std::size_t{300}, std::size_t{40000}, std::size_t{400000}}) {
    BOOST_TEST_CONTEXT(records << " records") {
      CombineTable<std::int64_t> table;
      const auto expected = fill(table, random, records);
      BOOST_TEST(table.size() == expected.size());
      const auto keys = drained(table);
      const std::vector<std::pair<std::string, std::int64_t>> in_order(expected.begin(), expected.end());
      BOOST_TEST((keys == in_order));
      BOOST_TEST(table.empty());
    }
  }
}

// grow() doubles the table in place, visiting the old slots from just past
// a free one. Crafted hashes (a key's tag is its hash's high 32 bits, and its
// probe starts at the tag's low bits): keys whose tags are all ones but the
// lowest bits start at the last slots at every size, so their clusters wrap
// past the table's end into the first slots, and move up at every growth;
// the first slots also hold keys that start there and move up at one growth
// each (their tag's lowest bit above the mask is the one that growth adds).
// Mixed with keys spread by their real hashes, given by bytes and as
// ShortKeys. Every key is found again after each growth, with its value (a
// growth visiting the slots from the first instead loses keys here).
BOOST_AUTO_TEST_CASE(keys_whose_probes_wrap_past_the_end_survive_every_growth) {
  CombineTable<std::int64_t> table;
  std::map<std::string, std::int64_t> expected;
  const auto hash_of = [](std::size_t i, const std::string& key) -> std::uint64_t {
    if (i < 40) {
      const std::uint32_t tag = ~std::uint32_t{0} << (10 + i % 4) | static_cast<std::uint32_t>(i / 4 % 5);
      return std::uint64_t{tag} << 32 | i;
    }
    return i % 2 == 0 ? std::uint64_t{0xffffffffu - i % 5} << 32 | i : hash_bytes(key);
  };
  const auto upsert = [&](std::size_t i) {
    const std::string key = (i % 3 == 0 ? "a long key, past a slot's 16 bytes, " : "w") + std::to_string(i);
    expected[key] += 1;
    if (i % 3 == 1) {
      table.upsert_short(
          short_key(key.data(), key.size()), static_cast<std::uint32_t>(key.size()), hash_of(i, key),
          [] { return std::int64_t{1}; }, [](std::int64_t& total) { ++total; });
    } else {
      table.upsert(
          key, hash_of(i, key), [] { return std::int64_t{1}; }, [](std::int64_t& total) { ++total; });
    }
  };
  std::size_t capacity = table.capacity();
  for (std::size_t i = 0; i < 5000; ++i) {
    upsert(i);
    if (table.capacity() == capacity) continue;
    capacity = table.capacity();
    BOOST_TEST_CONTEXT("grown to " << capacity << " slots") {
      // Every key so far once more: found, not added.
      for (std::size_t j = 0; j <= i; ++j) upsert(j);
      BOOST_TEST(table.size() == expected.size());
    }
  }
  BOOST_TEST(table.capacity() >= 8192u);
  BOOST_TEST((drained(table) == as_vector(expected)));
}

BOOST_AUTO_TEST_CASE(a_drained_table_starts_again_empty) {
  std::mt19937_64 random(7);
  CombineTable<std::int64_t> table;
  (void)fill(table, random, 100000);
  (void)drained(table);
  const auto expected = fill(table, random, 50000);
  const auto keys = drained(table);
  BOOST_TEST((keys == as_vector(expected)));
}

BOOST_AUTO_TEST_CASE(a_failing_drain_leaves_the_table_empty) {
  std::mt19937_64 random(11);
  CombineTable<std::int64_t> table;
  (void)fill(table, random, 100000);
  std::size_t calls = 0;
  BOOST_CHECK_THROW(table.drain_in_key_order([&](std::string_view, std::int64_t) {
    if (++calls == 1000) throw std::runtime_error("stop");
  }),
                    std::runtime_error);
  BOOST_TEST(table.empty());
  const auto expected = fill(table, random, 1000);
  BOOST_TEST(drained(table).size() == expected.size());
}

BOOST_AUTO_TEST_CASE(keys_crowding_one_bucket_are_drained_in_order) {
  // One bucket of the sort holding most of the keys, whose pairs fill the
  // room the sort takes from the table, with keys in other buckets around it.
  std::mt19937_64 random(3);
  for (std::size_t count : {std::size_t{30000}, std::size_t{90000}}) {
    BOOST_TEST_CONTEXT(count << " crowded keys") {
      CombineTable<std::int64_t> table;
      std::map<std::string, std::int64_t> expected = fill(table, random, 20000);
      std::int64_t n = 0;
      for (const std::string& key : crowded_keys(random, count)) add(table, expected, key, ++n);
      BOOST_TEST((drained(table) == as_vector(expected)));
    }
  }
}

BOOST_AUTO_TEST_CASE(keys_upserted_by_their_short_key_meet_those_upserted_by_bytes) {
  std::mt19937_64 random(5);
  CombineTable<std::int64_t> table;
  std::map<std::string, std::int64_t> expected;
  for (std::int64_t i = 0; i < 200000; ++i) {
    std::string key = awkward_key(random);
    key.resize(key.size() % 17);  // at most ShortKey::kMaxSize bytes
    if (i % 2 == 0) {
      expected[key] += i;
      table.upsert_short(
          short_key(key.data(), key.size()), static_cast<std::uint32_t>(key.size()),
          hash_short(short_key(key.data(), key.size()), key.size()), [&] { return i; },
          [&](std::int64_t& total) { total += i; });
    } else {
      add(table, expected, key, i);
    }
  }
  BOOST_TEST(table.size() == expected.size());
  BOOST_TEST((drained(table) == as_vector(expected)));
}

BOOST_AUTO_TEST_CASE(values_kept_outside_the_slots_follow_their_keys_through_the_sort) {
  std::mt19937_64 random(9);
  CombineTable<std::string> table;
  std::map<std::string, std::string> expected;
  for (std::size_t i = 0; i < 120000; ++i) {
    const std::string key = awkward_key(random);
    add(table, expected, key, std::string(1 + i % 3, static_cast<char>('a' + i % 26)));
  }
  BOOST_TEST(expected.size() > 16384u);  // past the bucketed sort's threshold
  BOOST_TEST((drained(table) == as_vector(expected)));
}

namespace {

// What drain_by_partition_in_key_order gave: the keys of each partition in
// the order they came, and what was reserved for each.
struct PartitionedDrain {
  std::vector<std::vector<std::pair<std::string, std::int64_t>>> keys;
  std::vector<std::pair<std::size_t, std::size_t>> reserved;  // keys, key bytes
  std::vector<std::size_t> order;                             // partitions, as they began
};

template <class PartitionOf>
PartitionedDrain drain_partitioned(CombineTable<std::int64_t>& table, std::size_t partitions,
                                   PartitionOf partition_of) {
  PartitionedDrain out;
  out.keys.resize(partitions);
  out.reserved.resize(partitions);
  table.drain_by_partition_in_key_order(
      partitions, partition_of,
      [&](std::size_t p, std::size_t keys, std::size_t key_bytes) {
        BOOST_TEST(out.keys[p].empty());
        out.reserved[p] = {keys, key_bytes};
        out.order.push_back(p);
      },
      [&](std::size_t p, std::string_view key, const std::int64_t& value) {
        BOOST_REQUIRE(!out.order.empty());
        BOOST_TEST(out.order.back() == p);
        out.keys[p].emplace_back(key, value);
      });
  return out;
}

// What each partition should hold, in byte order, given every key's
// partition.
template <class Partition>
std::vector<std::vector<std::pair<std::string, std::int64_t>>> split(
    const std::map<std::string, std::int64_t>& expected, std::size_t partitions, Partition partition) {
  std::vector<std::vector<std::pair<std::string, std::int64_t>>> parts(partitions);
  for (const auto& [key, value] : expected) parts[partition(key)].emplace_back(key, value);
  return parts;
}

void check_partitioned(const PartitionedDrain& drain,
                       const std::vector<std::vector<std::pair<std::string, std::int64_t>>>& parts) {
  BOOST_TEST((drain.keys == parts));
  BOOST_TEST(std::is_sorted(drain.order.begin(), drain.order.end()));
  for (std::size_t p = 0; p < parts.size(); ++p) {
    BOOST_TEST_CONTEXT("partition " << p) {
      std::size_t key_bytes = 0;
      for (const auto& [key, value] : parts[p]) key_bytes += key.size();
      const bool began = std::find(drain.order.begin(), drain.order.end(), p) != drain.order.end();
      BOOST_TEST(began == !parts[p].empty());  // reserved for, once, when it has keys
      if (began) {
        BOOST_TEST(drain.reserved[p].first == parts[p].size());
        BOOST_TEST(drain.reserved[p].second == key_bytes);
      }
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(drains_partition_by_partition_each_in_byte_order) {
  std::mt19937_64 random(13);
  for (std::size_t partitions : {std::size_t{1}, std::size_t{2}, std::size_t{8}, std::size_t{13}}) {
    for (std::size_t records : {std::size_t{0}, std::size_t{300}, std::size_t{40000}, std::size_t{200000}}) {
      BOOST_TEST_CONTEXT(partitions << " partitions, " << records << " records") {
        CombineTable<std::int64_t> table;
        const auto expected = fill(table, random, records);
        const auto drain =
            drain_partitioned(table, partitions, [&](std::string_view key, std::uint64_t hash) {
              // The hash is the high half of the key's.
              BOOST_TEST((hash >> 32) == (hash_bytes(key) >> 32));
              BOOST_TEST((hash & 0xffffffffu) == 0u);
              return hash_partition(hash, partitions);
            });
        check_partitioned(drain, split(expected, partitions, [&](const std::string& key) {
                            return hash_partition(hash_bytes(key), partitions);
                          }));
        BOOST_TEST(table.empty());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_crowded_partition_is_drained_in_order) {
  // Nearly every key in partition 2 (a job's own partition() may do that),
  // past the bucketed sort's threshold, with the table near half full.
  std::mt19937_64 random(17);
  constexpr std::size_t kPartitions = 4;
  const auto partition = [](std::string_view key) -> std::size_t {
    return key.size() % 50 == 1 ? 0 : (key.size() % 50 == 2 ? 3 : 2);
  };
  CombineTable<std::int64_t> table;
  std::map<std::string, std::int64_t> expected = fill(table, random, 60000);
  std::int64_t n = 0;
  for (const std::string& key : crowded_keys(random, 90000)) add(table, expected, key, ++n);
  const auto drain = drain_partitioned(table, kPartitions,
                                       [&](std::string_view key, std::uint64_t) { return partition(key); });
  check_partitioned(drain,
                    split(expected, kPartitions, [&](const std::string& key) { return partition(key); }));
}

BOOST_AUTO_TEST_CASE(a_partition_that_throws_leaves_the_table_empty) {
  std::mt19937_64 random(19);
  CombineTable<std::int64_t> table;
  (void)fill(table, random, 50000);
  std::size_t calls = 0;
  BOOST_CHECK_THROW(drain_partitioned(table, 4,
                                      [&](std::string_view, std::uint64_t) -> std::size_t {
                                        if (++calls == 500) throw std::runtime_error("stop");
                                        return 1;
                                      }),
                    std::runtime_error);
  BOOST_TEST(table.empty());
  const auto expected = fill(table, random, 1000);
  BOOST_TEST(drained(table).size() == expected.size());
}

BOOST_AUTO_TEST_CASE(a_partition_out_of_range_is_refused) {
  std::mt19937_64 random(23);
  CombineTable<std::int64_t> table;
  (void)fill(table, random, 3000);
  BOOST_CHECK_THROW(
      drain_partitioned(table, 4, [&](std::string_view, std::uint64_t) { return std::size_t{4}; }),
      std::out_of_range);
  BOOST_TEST(table.empty());
}
