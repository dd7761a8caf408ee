// The k-way merge of sorted runs (detail/merge_tree.hpp): every record comes
// out once, in key order, equal keys in run order and then in their run's
// order, for no runs, one, two and many (a power of two or not), empty runs,
// runs that repeat a key, keys that differ only past their eighth byte or
// only in length, and keys whose first 8 bytes are all 0xff (the prefix of a
// run at its end).
#define BOOST_TEST_MODULE merge_tree
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <mapreduce/detail/merge_tree.hpp>

namespace {

using mapreduce::detail::MergeTree;

struct Record {
  std::string key;
  std::size_t run;
  std::size_t index;  // within its run
  bool operator==(const Record&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Record& record) {
  return out << '"' << record.key << "\" run " << record.run << " #" << record.index;
}

// Merges `runs` (each sorted) through a MergeTree, as the engine does: a run
// moves on only when it won.
std::vector<Record> merge(const std::vector<std::vector<std::string>>& runs) {
  MergeTree tree(runs.size());
  std::vector<std::size_t> next(runs.size(), 0);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (!runs[r].empty()) tree.set(r, runs[r][0]);
  }
  tree.start();
  std::vector<Record> merged;
  while (!tree.empty()) {
    const std::size_t r = tree.winner();
    BOOST_REQUIRE_LT(next[r], runs[r].size());
    BOOST_TEST(tree.key() == runs[r][next[r]]);
    merged.push_back(Record{runs[r][next[r]], r, next[r]});
    if (++next[r] < runs[r].size()) {
      tree.replace(runs[r][next[r]]);
    } else {
      tree.retire();
    }
  }
  return merged;
}

// What the merge must give: every record, stably sorted by key from run
// order.
std::vector<Record> expected_merge(const std::vector<std::vector<std::string>>& runs) {
  std::vector<Record> all;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    for (std::size_t i = 0; i < runs[r].size(); ++i) all.push_back(Record{runs[r][i], r, i});
  }
  std::stable_sort(all.begin(), all.end(), [](const Record& a, const Record& b) { return a.key < b.key; });
  return all;
}

std::string awkward_key(std::mt19937_64& random) {
  static const std::string kHeads[] = {
      "", "a", "ab", "abcdefgh", "abcdefg", std::string("ab\0", 3), "\xff\xff", "zz", std::string(8, '\xff')};
  std::string key = kHeads[random() % std::size(kHeads)];
  const std::size_t tail = random() % 12;
  static const char kBytes[] = {'a', 'b', '\0', '\xff', '\x80'};
  for (std::size_t i = 0; i < tail; ++i) key += kBytes[random() % std::size(kBytes)];
  return key;
}

const std::size_t kRunCounts[] = {0, 1, 2, 3, 5, 8, 17, 64};

}  // namespace

BOOST_DATA_TEST_CASE(random_runs_merge_in_key_then_run_order, boost::unit_test::data::make(kRunCounts),
                     runs) {
  std::mt19937_64 random(runs);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::vector<std::string>> input(runs);
    for (auto& run : input) {
      // Some runs empty, some long; keys repeat within a run.
      const std::size_t size = random() % 4 == 0 ? 0 : random() % 200;
      for (std::size_t i = 0; i < size; ++i) run.push_back(awkward_key(random));
      std::sort(run.begin(), run.end());
    }
    const std::vector<Record> merged = merge(input);
    const std::vector<Record> expected = expected_merge(input);
    BOOST_TEST(merged == expected, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(keys_of_all_ones_come_before_the_ends_of_runs) {
  const std::string ones(8, '\xff');
  const std::vector<std::vector<std::string>> input = {{}, {ones + "\xff"}, {"a", ones}, {}, {ones, ones}};
  BOOST_TEST(merge(input) == expected_merge(input), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(equal_keys_go_to_the_lower_run) {
  const std::vector<std::vector<std::string>> input = {{"b"}, {"a", "b"}, {"a"}, {"b", "b"}};
  const std::vector<Record> merged = merge(input);
  const std::vector<Record> want = {{"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0},
                                    {"b", 1, 1}, {"b", 3, 0}, {"b", 3, 1}};
  BOOST_TEST(merged == want, boost::test_tools::per_element());
}
