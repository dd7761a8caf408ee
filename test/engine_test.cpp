// Engine semantics through small jobs: the order of setup, mappers, reducers
// and cleanup; grouping; every line once; output order by key type; reducer
// output types; keys with their own codec; output files; the combiner; a
// concurrent job run with options.sequential.
#define BOOST_TEST_MODULE engine
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

using mapreduce::test::first_difference;
using mapreduce::test::TempDir;

namespace {

// Splits each line on spaces into "key=value" pairs and keeps a log of calls.
struct Logged final : mapreduce::MapReduce<Logged, std::string, std::int64_t> {
  using MapReduce::MapReduce;
  std::vector<std::string> log;
  void setup() { log.push_back("setup"); }
  void cleanup() { log.push_back("cleanup"); }
  void mapper(std::string_view line, Emitter& emit) {
    log.push_back("map " + std::string(line));
    std::istringstream words{std::string(line)};
    std::string word;
    while (words >> word) {
      const auto eq = word.find('=');
      emit(word.substr(0, eq), std::stoll(word.substr(eq + 1)));
    }
  }
  std::pair<std::string, std::string> reducer(std::string_view key, Values values) {
    std::string joined;
    for (std::int64_t v : values) joined += (joined.empty() ? "" : ",") + std::to_string(v);
    log.push_back("reduce " + std::string(key) + " " + std::to_string(values.size()));
    return {std::string(key), joined};
  }
};

std::string run_logged(const std::string& path, std::vector<std::string>* log = nullptr) {
  std::ostringstream out;
  Logged job(path, {.output_stream = &out});
  job.run();
  if (log) *log = job.log;
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(calls_come_in_order_and_values_group_by_key) {
  TempDir dir;
  std::vector<std::string> log;
  const std::string out = run_logged(dir.write("in.txt", "b=1 a=2\na=3\n\nb=4 c=5"), &log);
  BOOST_TEST(out == "a\t2,3\nb\t1,4\nc\t5\n");
  const std::vector<std::string> expected = {"setup",      "map b=1 a=2", "map a=3",
                                             "map ",       "map b=4 c=5", "reduce a 2",
                                             "reduce b 2", "reduce c 1",  "cleanup"};
  BOOST_TEST(log == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_input_gives_empty_output_but_runs_setup_and_cleanup) {
  TempDir dir;
  std::vector<std::string> log;
  BOOST_TEST(run_logged(dir.write("empty.txt", ""), &log) == "");
  const std::vector<std::string> expected = {"setup", "cleanup"};
  BOOST_TEST(log == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(input_without_pairs_gives_empty_output) {
  TempDir dir;
  std::vector<std::string> log;
  BOOST_TEST(run_logged(dir.write("blank.txt", "\n\r\n \n"), &log) == "");
  const std::vector<std::string> expected = {"setup", "map ", "map ", "map  ", "cleanup"};
  BOOST_TEST(log == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(string_keys_in_byte_order) {
  TempDir dir;
  const std::string out =
      run_logged(dir.write("in.txt", "\xc3\xa9=1 z=2 Z=3 a=4 _=5 0=6 ~=7 \x7f=8 \xff=9 \x80=10"));
  BOOST_TEST(out == "0\t6\nZ\t3\n_\t5\na\t4\nz\t2\n~\t7\n\x7f\t8\n\x80\t10\n\xc3\xa9\t1\n\xff\t9\n");
}

namespace {

// One pair per line, `KEY<TAB>...`: the key is all before the first tab, the
// value the line's number. Reducer prints how many values it got and which,
// so the output shows grouping, Values::size(), and that every line was
// mapped exactly once and its values kept in input order. The same job runs
// on either base class.
template <template <class, class, class> class Base>
struct Grouper final : Base<Grouper<Base>, std::string, std::int64_t> {
  using Job = Base<Grouper<Base>, std::string, std::int64_t>;
  Grouper(std::string input, mapreduce::Options options) : Job(std::move(input), std::move(options)) {}
  std::int64_t lines = 0;
  std::int64_t reducer_calls = 0;
  void mapper(std::string_view line, typename Job::Emitter& emit) {
    emit(line.substr(0, line.find('\t')), lines++);
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, typename Job::Values values) {
    ++reducer_calls;
    std::string text = std::to_string(values.size()) + ":";
    std::size_t counted = 0;
    for (std::int64_t v : values) {
      text += ' ' + std::to_string(v);
      ++counted;
    }
    if (counted != values.size()) text += " (size() disagrees with iteration)";
    return {key, text};
  }
};

// Random keys from a small alphabet, so that they repeat: empty ones, NUL,
// CR, bytes >= 0x80, prefixes of each other. Returns the input and, computed
// here, the expected output.
std::pair<std::string, std::string> random_grouping_input(std::mt19937_64& random, std::size_t lines) {
  static const char kAlphabet[] = {'a', 'b', 'Z', '\0', '\r', ' ', '\x7f', '\x80', '\xff'};
  std::map<std::string, std::vector<std::size_t>> groups;  // std::string orders by unsigned bytes
  std::string input;
  for (std::size_t i = 0; i < lines; ++i) {
    std::string key;
    for (std::size_t n = random() % 4; n > 0; --n) key += kAlphabet[random() % sizeof kAlphabet];
    groups[key].push_back(i);
    input += key + "\t" + std::to_string(random()) + (random() % 5 == 0 ? "\r\n" : "\n");
  }
  std::string expected;
  for (const auto& [key, numbers] : groups) {
    expected += key + "\t" + std::to_string(numbers.size()) + ":";
    for (std::size_t n : numbers) expected += " " + std::to_string(n);
    expected += "\n";
  }
  return {input, expected};
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_keys_group_and_order_by_bytes) {
  TempDir dir;
  std::mt19937_64 random(2024);
  // The last input spans several map tasks (over 1 MiB each).
  for (std::size_t lines : {1u, 10u, 1000u, 120000u}) {
    const auto [input, expected] = random_grouping_input(random, lines);
    std::ostringstream out;
    Grouper<mapreduce::MapReduce> job(dir.write("in.txt", input), {.output_stream = &out});
    job.run();
    BOOST_TEST_CONTEXT(lines << " lines, " << input.size() << " bytes") {
      BOOST_TEST(job.lines == static_cast<std::int64_t>(lines));
      BOOST_TEST(first_difference(expected, out.str()) == "");
      BOOST_TEST(job.reducer_calls == std::count(expected.begin(), expected.end(), '\n'));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_concurrent_job_with_options_sequential_runs_here_with_the_same_output) {
  TempDir dir;
  std::mt19937_64 random(99);
  const auto [input, expected] = random_grouping_input(random, 150000);
  const std::string path = dir.write("in.txt", input);
  std::ostringstream plain;
  Grouper<mapreduce::MapReduce>(path, {.output_stream = &plain}).run();
  std::ostringstream concurrent;
  Grouper<mapreduce::MapReduceConcurrent> job(
      path, {.output_stream = &concurrent, .processes = 3, .sequential = true});
  job.run();
  BOOST_TEST(first_difference(expected, plain.str()) == "");
  BOOST_TEST(first_difference(plain.str(), concurrent.str()) == "");
  // It ran in this process: what mapper and reducer counted is visible here
  // (with worker processes it would not be).
  BOOST_TEST(job.lines == 150000);
  BOOST_TEST(job.reducer_calls == std::count(expected.begin(), expected.end(), '\n'));
}

namespace {

// The shortest exact text of a number, by the standard library.
template <class Number>
std::string number_text(Number n) {
  char buffer[64];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, n).ptr);
}

// Keys are numbers; reducer turns them into names (other output types).
template <class Number>
struct ByNumber final : mapreduce::MapReduce<ByNumber<Number>, Number, std::int64_t> {
  using Base = mapreduce::MapReduce<ByNumber<Number>, Number, std::int64_t>;
  using Base::Base;
  void mapper(std::string_view line, typename Base::Emitter& emit) {
    std::istringstream numbers{std::string(line)};
    Number n;
    while (numbers >> n) emit(n, 1);
  }
  std::pair<std::string, double> reducer(Number n, typename Base::Values values) {
    return {"n" + number_text(n), static_cast<double>(values.size()) / 2};
  }
};

template <class Number>
std::string run_numbers(const std::string& text) {
  TempDir dir;
  std::ostringstream out;
  ByNumber<Number>(dir.write("in.txt", text), {.output_stream = &out}).run();
  return out.str();
}

// The expected output of ByNumber for `numbers`: std::map orders them
// numerically (and takes -0.0 and 0.0 as one key, which the codec makes 0.0).
template <class Number>
std::string expected_numbers(const std::vector<Number>& numbers) {
  std::map<Number, std::int64_t> counts;
  for (Number n : numbers) ++counts[n == 0 ? Number(0) : n];
  std::string expected;
  for (const auto& [n, count] : counts) {
    expected += "n" + number_text(n) + "\t" + number_text(static_cast<double>(count) / 2) + "\n";
  }
  return expected;
}

template <class Number>
std::string joined(const std::vector<Number>& numbers, std::mt19937_64& random) {
  std::string text;
  for (Number n : numbers) {
    std::ostringstream one;
    one.precision(17);
    one << n;
    text += one.str() + (random() % 8 == 0 ? "\n" : " ");
  }
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(integer_keys_in_numeric_order) {
  BOOST_TEST(run_numbers<std::int64_t>("10 -3 2 -100 2\n0 9223372036854775807 -9223372036854775808") ==
             "n-9223372036854775808\t0.5\nn-100\t0.5\nn-3\t0.5\nn0\t0.5\nn2\t1\nn10\t0.5\n"
             "n9223372036854775807\t0.5\n");
  BOOST_TEST(run_numbers<std::uint32_t>("300 20 1 4000000000") ==
             "n1\t0.5\nn20\t0.5\nn300\t0.5\nn4000000000\t0.5\n");

  std::mt19937_64 random(5);
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < 3000; ++i) {
    // Wide and narrow values of both signs, so that many repeat.
    numbers.push_back(i % 3 == 0 ? static_cast<std::int64_t>(random())
                                 : static_cast<std::int64_t>(random() % 201) - 100);
  }
  BOOST_TEST(
      first_difference(expected_numbers(numbers), run_numbers<std::int64_t>(joined(numbers, random))) == "");
}

BOOST_AUTO_TEST_CASE(double_keys_in_numeric_order) {
  BOOST_TEST(run_numbers<double>("2.5 -1e10 0.001 -0.5 1e10 -0.5") ==
             "n-1e+10\t0.5\nn-0.5\t1\nn0.001\t0.5\nn2.5\t0.5\nn1e+10\t0.5\n");
  // -0.0 and 0.0 are one key; reducer receives 0.0.
  BOOST_TEST(run_numbers<double>("-0 0 -0.0") == "n0\t1.5\n");

  std::mt19937_64 random(6);
  std::uniform_real_distribution<double> wide(-1e6, 1e6);
  std::vector<double> numbers = {0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300};
  for (int i = 0; i < 3000; ++i) {
    numbers.push_back(i % 2 ? wide(random) : static_cast<double>(static_cast<int>(random() % 41) - 20) / 4);
  }
  BOOST_TEST(first_difference(expected_numbers(numbers), run_numbers<double>(joined(numbers, random))) == "");
}

namespace {

// A catalogue loaded by setup turns movie ids (int keys) into names (string
// output keys); values are ratings, output an average (double).
struct Ratings final : mapreduce::MapReduce<Ratings, std::int32_t, double> {
  Ratings(std::string input, std::string catalogue, mapreduce::Options options)
      : MapReduce(std::move(input), std::move(options)), catalogue_path(std::move(catalogue)) {}
  std::string catalogue_path;
  std::map<std::int32_t, std::string> names;
  void setup() {
    std::istringstream lines(mapreduce::test::read_file(catalogue_path));
    std::int32_t id;
    std::string name;
    while (lines >> id >> name) names[id] = name;
  }
  void mapper(std::string_view line, Emitter& emit) {
    std::istringstream fields{std::string(line)};
    std::int32_t id;
    double rating;
    if (fields >> id >> rating) emit(id, rating);
  }
  std::pair<std::string, double> reducer(std::int32_t id, Values ratings) {
    double sum = 0;
    for (double r : ratings) sum += r;
    return {names.at(id), sum / static_cast<double>(ratings.size())};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(reducer_output_types_differ_from_intermediate_ones) {
  TempDir dir;
  const std::string catalogue = dir.write("movies.txt", "1 The_Matrix\n-7 Alien\n300 Brazil\n");
  const std::string input = dir.write("ratings.txt", "300 8\n1 9.5\n-7 7\n1 7.5\n300 9\n\n");
  std::ostringstream out;
  Ratings(input, catalogue, {.output_stream = &out}).run();
  // Ordered by movie id (-7, 1, 300), printed by name.
  BOOST_TEST(out.str() == "Alien\t7\nThe_Matrix\t8.5\nBrazil\t8.5\n");
}

namespace {

// A key type with its own codec, whose bytes order keys by length first:
// the engine must group and order by those bytes, not by the name.
struct Name {
  std::string text;
};

struct Point {
  std::int32_t x;
  std::int32_t y;
};

}  // namespace

template <>
struct mapreduce::Codec<Name> {
  using view_type = Name;
  static std::size_t size(const Name& n) { return n.text.size() + 1; }
  static void encode(const Name& n, char* out) {
    out[0] = static_cast<char>(n.text.size());
    n.text.copy(out + 1, n.text.size());
  }
  static Name decode(std::string_view bytes) { return Name{std::string(bytes.substr(1))}; }
};

template <>
struct mapreduce::TextFormat<Name> {
  static void append(std::string& out, const Name& n) { out += "<" + n.text + ">"; }
};

namespace {

// Keys are words with their own codec; values are trivially copyable structs.
struct Shapes final : mapreduce::MapReduce<Shapes, Name, Point> {
  using MapReduce::MapReduce;
  void mapper(std::string_view line, Emitter& emit) {
    std::istringstream fields{std::string(line)};
    std::string word;
    Point p;
    if (fields >> word >> p.x >> p.y) emit(Name{word}, p);
  }
  std::pair<Name, std::string> reducer(const Name& name, Values points) {
    std::string text;
    for (Point p : points) text += "(" + std::to_string(p.x) + "," + std::to_string(p.y) + ")";
    return {name, text};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(keys_with_their_own_codec_and_struct_values) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "ccc 1 2\nb -1 -2\naa 3 4\nb 5 -6\nzz 0 0\na 7 7\n");
  std::ostringstream out;
  Shapes(input, {.output_stream = &out}).run();
  // By length, then bytes: a, b, aa, zz, ccc.
  BOOST_TEST(out.str() == "<a>\t(7,7)\n<b>\t(-1,-2)(5,-6)\n<aa>\t(3,4)\n<zz>\t(0,0)\n<ccc>\t(1,2)\n");
}

BOOST_AUTO_TEST_CASE(output_file_is_written_and_replaced_only_on_success) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "b=2 a=1\n");
  const std::string output = dir.file("out.tsv");
  Logged(input, {.output = output}).run();
  BOOST_TEST(mapreduce::test::read_file(output) == "a\t1\nb\t2\n");
  // A finished output file is an ordinary file: the mode a new file gets
  // under this umask, not a private temporary's 0600.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  struct stat status {};
  BOOST_TEST_REQUIRE(::stat(output.c_str(), &status) == 0);
  BOOST_TEST((status.st_mode & 0777) == (0666 & ~mask));

  // A later successful job replaces it.
  Logged(dir.write("in2.txt", "c=3\n"), {.output = output}).run();
  BOOST_TEST(mapreduce::test::read_file(output) == "c\t3\n");
}

BOOST_AUTO_TEST_CASE(failing_jobs_leave_an_existing_output_untouched_and_no_stray_files) {
  TempDir dir;
  const std::string output = dir.file("out.tsv");
  mapreduce::test::write_file(output, "previous\n");
  const std::string bad_number = dir.write("bad.txt", "a=1\na=x\n");  // mapper throws on line 2
  const std::string missing = dir.file("missing.txt");
  const auto before = mapreduce::test::directory_entries(dir.path());

  BOOST_CHECK_THROW(Logged(bad_number, {.output = output}).run(), mapreduce::UserCodeError);
  BOOST_CHECK_THROW(Logged(missing, {.output = output}).run(), mapreduce::InputError);

  BOOST_TEST(mapreduce::test::read_file(output) == "previous\n");
  BOOST_TEST(mapreduce::test::new_entries(before, mapreduce::test::directory_entries(dir.path())) == "");
}

BOOST_AUTO_TEST_CASE(a_failing_job_creates_no_output_file) {
  TempDir dir;
  const std::string bad = dir.write("bad.txt", "a=x\n");
  BOOST_CHECK_THROW(Logged(bad, {.output = dir.file("out.tsv")}).run(), mapreduce::UserCodeError);
  const std::set<std::string> only_input = {"bad.txt"};
  BOOST_TEST(mapreduce::test::directory_entries(dir.path()) == only_input, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(output_file_in_a_missing_directory_fails_before_setup) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "a=1\n");
  Logged job(input, {.output = dir.file("missing/out.tsv")});
  BOOST_CHECK_THROW(job.run(), mapreduce::ResourceError);
  BOOST_TEST(job.log.empty());
}

namespace {

// A concurrent job run with options.sequential, and a combiner.
struct Summed final : mapreduce::MapReduceConcurrent<Summed, std::string, std::int64_t> {
  using MapReduceConcurrent::MapReduceConcurrent;
  int combined = 0;
  void mapper(std::string_view line, Emitter& emit) {
    for (char c : line) emit(std::string_view(&c, 1), 1);
  }
  void combiner(std::string_view, std::int64_t& total, std::int64_t n) {
    total += n;
    ++combined;
  }
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values values) {
    std::int64_t total = 0;
    for (auto v : values) total += v;
    return {key, total};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(combiner_folds_map_side_and_results_are_unchanged) {
  TempDir dir;
  const std::string input = dir.write("in.txt", "abca\nbb\n\ncab");
  std::ostringstream out;
  Summed job(input, {.output_stream = &out, .sequential = true});
  job.run();
  BOOST_TEST(out.str() == "a\t3\nb\t4\nc\t2\n");
  // 9 pairs for 3 keys: at least 6 folds happened in this process.
  BOOST_TEST(job.combined >= 6);
}

BOOST_AUTO_TEST_CASE(combiner_results_match_an_independent_count) {
  TempDir dir;
  std::mt19937_64 random(8);
  std::string text;
  std::map<std::string, std::int64_t> counts;
  while (text.size() < (3u << 20)) {  // several map tasks
    const char c = static_cast<char>(random() % 256);
    text += c;
    if (c != '\n') ++counts[std::string(1, c)];
  }
  // A CR right before a line break is not part of the line.
  for (std::size_t i = 0; (i = text.find("\r\n", i)) != std::string::npos; ++i) --counts["\r"];
  std::string expected;
  for (const auto& [key, n] : counts) {
    if (n > 0) expected += key + "\t" + std::to_string(n) + "\n";
  }
  std::ostringstream out;
  Summed(dir.write("in.txt", text), {.output_stream = &out, .sequential = true}).run();
  BOOST_TEST(first_difference(expected, out.str()) == "");
}

// A combiner that throws when it folds the key "bad" a second time: its map
// side combines queued pairs after later records were read, and still
// blames the record that emitted the pair.
template <bool kInAnyOrder>
struct ThrowingCombiner final
    : mapreduce::MapReduceConcurrent<ThrowingCombiner<kInAnyOrder>, std::string, std::int64_t> {
  using Base = mapreduce::MapReduceConcurrent<ThrowingCombiner<kInAnyOrder>, std::string, std::int64_t>;
  using Base::Base;
  using typename Base::Emitter;
  using typename Base::Values;
  void mapper(std::string_view line, Emitter& emit) {
    for (std::size_t start = 0; start < line.size();) {
      std::size_t end = line.find(' ', start);
      if (end == std::string_view::npos) end = line.size();
      emit(line.substr(start, end - start), 1);
      start = end + 1;
    }
  }
  void combiner(std::string_view key, std::int64_t& total, std::int64_t count) {
    if (key == "bad") throw std::runtime_error("bad combined");
    total += count;
  }
  static constexpr bool combine_in_any_order = kInAnyOrder;
  std::pair<std::string_view, std::int64_t> reducer(std::string_view key, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t c : counts) total += c;
    return {key, total};
  }
};

BOOST_AUTO_TEST_CASE(a_combiner_that_throws_on_the_map_side_names_the_line_that_emitted_the_pair) {
  TempDir dir;
  // "bad" first on line 3, again on line 5, followed by more lines of words
  // than the map side queues pairs.
  std::string text = "a b c\nd e\nbad f\ng h i j\nk bad l\n";
  for (int i = 0; i < 40; ++i) text += "m n o p q r s t\n";
  const std::string input = dir.write("in.txt", text);
  for (bool sequential : {true, false}) {
    for (bool in_any_order : {false, true}) {
      BOOST_TEST_CONTEXT("sequential " << sequential << ", in any order " << in_any_order) {
        const mapreduce::Options options{.output_stream = nullptr, .processes = 2, .sequential = sequential};
        const auto message = mapreduce::test::message_of<mapreduce::UserCodeError>([&] {
          if (in_any_order) {
            ThrowingCombiner<true>(input, options).run();
          } else {
            ThrowingCombiner<false>(input, options).run();
          }
        });
        BOOST_TEST_REQUIRE(message.has_value());
        BOOST_TEST(message->starts_with("mapper failed on line 5 of " + input + ": bad combined"), *message);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_combiner_that_throws_in_reduce_names_the_key) {
  // Two map tasks (an input of under 1 KiB is cut into 512-byte tasks), each
  // with "bad" once: each task's table holds it once, so the combiner first
  // folds it in reduce, merging the two tasks' runs.
  TempDir dir;
  std::string text = "bad a\n";
  while (text.size() < 900) text += "filler words here\n";
  text += "bad b\n";
  const std::string input = dir.write("in.txt", text);
  for (unsigned processes : {1u, 2u}) {
    BOOST_TEST_CONTEXT(processes << " processes") {
      const mapreduce::Options options{.output_stream = nullptr, .processes = processes};
      const auto message = mapreduce::test::message_of<mapreduce::UserCodeError>(
          [&] { ThrowingCombiner<false>(input, options).run(); });
      BOOST_TEST_REQUIRE(message.has_value());
      BOOST_TEST(message->starts_with("reducer failed on key \"bad\": combiner: bad combined"), *message);
    }
  }
}

namespace {

// `KEY<TAB>VALUE` lines, the value a string: reducer joins a key's values
// with '|', so the output shows each key's values, whole and in input order.
// Without a combiner the engines lay the values of a partition out by key,
// copied when they all have one size and as views of their records when
// not: both layouts must give the same output.
template <template <class, class, class> class Base, bool Sorted = false>
struct JoinValues final : Base<JoinValues<Base, Sorted>, std::string, std::string> {
  using Job = Base<JoinValues<Base, Sorted>, std::string, std::string>;
  static constexpr bool sort_values = Sorted;
  JoinValues(std::string input, mapreduce::Options options) : Job(std::move(input), std::move(options)) {}
  void mapper(std::string_view line, typename Job::Emitter& emit) {
    const std::size_t tab = line.find('\t');
    emit(line.substr(0, tab), line.substr(tab + 1));
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, typename Job::Values values) {
    std::string joined;
    bool first = true;
    for (std::string_view v : values) {
      if (!std::exchange(first, false)) joined += '|';
      joined += v;
    }
    return {key, joined};
  }
};

// Lines of random keys whose values are `value_size` random letters (none:
// every value empty), or 0 to 11 letters when value_size is kMixed; with
// `hot`, one key has most of the lines. And the expected output, each key's
// values sorted when `sorted`.
constexpr int kMixed = -1;
std::pair<std::string, std::string> join_values_input(std::mt19937_64& random, std::size_t lines,
                                                      int value_size, bool hot = false, bool sorted = false) {
  std::map<std::string, std::vector<std::string>> values;
  std::string input;
  for (std::size_t i = 0; i < lines; ++i) {
    const std::string key =
        hot && random() % 4 != 0 ? std::string("hot") : "k" + std::to_string(random() % 500);
    std::string value;
    for (std::size_t n = value_size != kMixed ? static_cast<std::size_t>(value_size) : random() % 12; n > 0;
         --n)
      value += static_cast<char>('a' + random() % 26);
    values[key].push_back(value);
    input += key + "\t" + value + "\n";
  }
  std::string expected;
  for (auto& [key, list] : values) {
    if (sorted) std::sort(list.begin(), list.end());
    expected += key + "\t";
    for (std::size_t i = 0; i < list.size(); ++i) expected += (i == 0 ? "" : "|") + list[i];
    expected += "\n";
  }
  return {input, expected};
}

}  // namespace

BOOST_AUTO_TEST_CASE(values_of_one_size_and_of_mixed_sizes_reach_reducer_alike) {
  TempDir dir;
  std::mt19937_64 random(7);
  // 8 bytes (one copy path), 3 and 16 (the other), 0 and 17 and mixed sizes
  // (views), over inputs of several map tasks and partitions.
  for (int value_size : {8, 3, 16, 0, 17, kMixed}) {
    const auto [input, expected] = join_values_input(random, 200000, value_size);
    const std::string path = dir.write("in.txt", input);
    BOOST_TEST_CONTEXT("values of " << (value_size != kMixed ? std::to_string(value_size) : "mixed")
                                    << " bytes") {
      std::ostringstream sequential;
      JoinValues<mapreduce::MapReduce>(path, {.output_stream = &sequential, .reducers = 5}).run();
      BOOST_TEST(first_difference(expected, sequential.str()) == "");
      for (unsigned processes : {1u, 3u}) {
        std::ostringstream concurrent;
        JoinValues<mapreduce::MapReduceConcurrent>(path,
                                                   {.output_stream = &concurrent, .processes = processes})
            .run();
        BOOST_TEST(first_difference(expected, concurrent.str()) == "", processes << " processes");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_key_with_most_values_and_sorted_values_reach_reducer_alike) {
  TempDir dir;
  std::mt19937_64 random(11);
  // A key with three quarters of the values: copies and the views of that
  // key would take more memory than views of all, so they stay views.
  for (const bool hot : {true, false}) {
    for (const bool sorted : {false, true}) {
      const auto [input, expected] = join_values_input(random, 100000, 8, hot, sorted);
      const std::string path = dir.write("in.txt", input);
      BOOST_TEST_CONTEXT((hot ? "a hot key" : "no hot key") << (sorted ? ", values sorted" : "")) {
        for (unsigned processes : {1u, 2u}) {
          std::ostringstream out;
          if (sorted) {
            JoinValues<mapreduce::MapReduceConcurrent, true>(path,
                                                             {.output_stream = &out, .processes = processes})
                .run();
          } else {
            JoinValues<mapreduce::MapReduceConcurrent>(path, {.output_stream = &out, .processes = processes})
                .run();
          }
          BOOST_TEST(first_difference(expected, out.str()) == "", processes << " processes");
        }
      }
    }
  }
}

namespace {

// One pair a byte of input: a key of the byte repeated kKeyBytes times, an
// empty value. With 1-byte keys the records take 3 bytes, fewer than the
// grouped reduce first makes room for, which then grows its room. With
// 9-byte keys of a length the compiler knows, the key is made and hashed
// in place in each call: the hash's 16-byte load must see the bytes just
// written (a load the compiler was free to merge across calls once put
// every key in every partition).
template <std::size_t kKeyBytes, template <class, class, class> class Base>
struct ByteCount final : Base<ByteCount<kKeyBytes, Base>, std::string, std::string> {
  using Job = Base<ByteCount<kKeyBytes, Base>, std::string, std::string>;
  using Job::Job;
  void mapper(std::string_view line, typename Job::Emitter& emit) {
    for (char c : line) emit(std::string(kKeyBytes, c), std::string());
  }
  std::pair<std::string, std::size_t> reducer(std::string_view key, typename Job::Values values) {
    return {std::string(key), values.size()};
  }
};

template <std::size_t kKeyBytes>
void check_byte_counts() {
  TempDir dir;
  std::mt19937_64 random(13);
  std::map<char, std::size_t> counts;
  std::string input;
  for (std::size_t i = 0; i < 300000; ++i) {
    const char c = i % 80 == 79 ? '\n' : static_cast<char>('a' + random() % 26);
    if (c != '\n') ++counts[c];
    input += c;
  }
  std::string expected;
  for (const auto& [c, count] : counts) {
    expected += std::string(kKeyBytes, c) + "\t" + std::to_string(count) + "\n";
  }
  const std::string path = dir.write("in.txt", input);
  std::ostringstream sequential;
  ByteCount<kKeyBytes, mapreduce::MapReduce>(path, {.output_stream = &sequential, .reducers = 4}).run();
  BOOST_TEST(first_difference(expected, sequential.str()) == "");
  std::ostringstream concurrent;
  ByteCount<kKeyBytes, mapreduce::MapReduceConcurrent>(path, {.output_stream = &concurrent, .processes = 2})
      .run();
  BOOST_TEST(first_difference(expected, concurrent.str()) == "");
}

}  // namespace

BOOST_AUTO_TEST_CASE(records_of_a_few_bytes_and_keys_made_in_place_all_reach_their_reducer) {
  BOOST_TEST_CONTEXT("1-byte keys") { check_byte_counts<1>(); }
  BOOST_TEST_CONTEXT("9-byte keys") { check_byte_counts<9>(); }
}
