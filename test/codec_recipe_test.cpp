// The recipe for a type of one's own (README "Your own types", the page atop
// include/mapreduce/codec.hpp): Point, with its Codec, TextFormat, JsonFormat
// and StreamText exactly as given there, round-trips through each of the four,
// sorts by x then y, and a job keyed by it gives the same records in tsv,
// jsonl and Hadoop Streaming, with either engine.
#define BOOST_TEST_MODULE codec_recipe
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

// The recipe, as the README gives it.

struct Point {
  std::int32_t x, y;
};

// Each field in the built-in integer codec, which is order-preserving: keys
// sort by x, then y, numerically.
template <>
struct mapreduce::Codec<Point> {
  using view_type = Point;                      // what mapper emits and reducer receives
  static constexpr std::size_t kFixedSize = 8;  // optional: every encoding has 8 bytes
  static std::size_t size(const Point&) { return kFixedSize; }
  static void encode(const Point& p, char* out) {  // writes size(p) bytes
    Codec<std::int32_t>::encode(p.x, out);
    Codec<std::int32_t>::encode(p.y, out + 4);
  }
  static Point decode(std::string_view bytes) {
    return {Codec<std::int32_t>::decode(bytes.substr(0, 4)), Codec<std::int32_t>::decode(bytes.substr(4, 4))};
  }
};

template <>  // tsv: (3, -1)
struct mapreduce::TextFormat<Point> {
  static void append(std::string& out, const Point& p) {
    out += "(" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")";
  }
};

template <>  // jsonl: {"x": 3, "y": -1}
struct mapreduce::JsonFormat<Point> {
  static void append(std::string& out, const Point& p) {
    out += "{\"x\": " + std::to_string(p.x) + ", \"y\": " + std::to_string(p.y) + "}";
  }
};

template <>  // Hadoop Streaming: 3,-1
struct mapreduce::StreamText<Point> {
  static void append(std::string& out, const Point& p) {
    out += std::to_string(p.x) + "," + std::to_string(p.y);
  }
  // Appends the Codec bytes of `text` to `bytes`; false if it is not a point.
  static bool parse(std::string_view text, std::string& bytes) {
    Point p{};
    const char* end = text.data() + text.size();
    const auto x = std::from_chars(text.data(), end, p.x);
    if (x.ec != std::errc() || x.ptr == end || *x.ptr != ',') return false;
    const auto y = std::from_chars(x.ptr + 1, end, p.y);
    if (y.ec != std::errc() || y.ptr != end) return false;
    bytes.resize(bytes.size() + Codec<Point>::kFixedSize);
    Codec<Point>::encode(p, bytes.data() + bytes.size() - Codec<Point>::kFixedSize);
    return true;
  }
};

// How often each point occurs, from lines "x y".
struct PointCounts final : mapreduce::MapReduceConcurrent<PointCounts, Point, long> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    const auto space = line.find(' ');
    emit({std::stoi(std::string(line.substr(0, space))), std::stoi(std::string(line.substr(space + 1)))}, 1);
  }
  std::pair<Point, long> reducer(Point p, Values counts) { return {p, static_cast<long>(counts.size())}; }
};

// The tests.

namespace {

using mapreduce::Codec;
using Limits = std::numeric_limits<std::int32_t>;

std::string encoded(const Point& p) {
  std::string bytes(Codec<Point>::size(p), '\0');
  Codec<Point>::encode(p, bytes.data());
  return bytes;
}

std::tuple<std::int32_t, std::int32_t> fields(const Point& p) { return {p.x, p.y}; }

std::vector<Point> some_points() {
  std::vector<Point> points = {{0, 0},
                               {-1, 0},
                               {0, -1},
                               {1, 1},
                               {Limits::min(), Limits::max()},
                               {Limits::max(), Limits::min()},
                               {Limits::min(), Limits::min()},
                               {256, 1},
                               {1, 256}};
  std::mt19937 random(7);
  std::uniform_int_distribution<std::int32_t> any(Limits::min(), Limits::max()), small(-300, 300);
  for (int i = 0; i < 2000; ++i)
    points.push_back(i % 2 ? Point{any(random), any(random)} : Point{small(random), small(random)});
  return points;
}

template <class Format>
std::string formatted(const Point& p) {
  std::string out;
  Format::append(out, p);
  return out;
}

// Lines "x y" of points that repeat, and how often each point occurs.
struct Input {
  std::string text;
  std::map<std::tuple<std::int32_t, std::int32_t>, long> counts;
};

Input make_input() {
  Input input;
  std::mt19937 random(11);
  std::uniform_int_distribution<std::int32_t> coordinate(-40, 40);
  for (int i = 0; i < 20000; ++i) {
    const Point p{coordinate(random), coordinate(random) / 8};
    input.text += std::to_string(p.x) + " " + std::to_string(p.y) + "\n";
    ++input.counts[fields(p)];
  }
  return input;
}

std::string run_points(const std::string& path, mapreduce::Options options) {
  std::ostringstream out;
  options.output_stream = &out;
  PointCounts(path, options).run();
  return out.str();
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_CASE(codec_round_trips_and_sorts_by_x_then_y) {
  std::vector<Point> points = some_points();
  for (const Point& p : points) {
    const std::string bytes = encoded(p);
    BOOST_TEST_REQUIRE(bytes.size() == Codec<Point>::kFixedSize);
    BOOST_TEST((fields(Codec<Point>::decode(bytes)) == fields(p)), p.x << "," << p.y);
  }
  // Byte order of the encodings is the order of (x, y), as the engine sorts.
  std::vector<std::pair<std::string, Point>> by_bytes;
  for (const Point& p : points) by_bytes.emplace_back(encoded(p), p);
  std::sort(by_bytes.begin(), by_bytes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return fields(a) < fields(b); });
  for (std::size_t i = 0; i < points.size(); ++i) {
    BOOST_TEST_REQUIRE((fields(by_bytes[i].second) == fields(points[i])), "at " << i);
  }
}

BOOST_AUTO_TEST_CASE(text_and_json_print_the_fields) {
  BOOST_TEST(formatted<mapreduce::TextFormat<Point>>({3, -1}) == "(3, -1)");
  BOOST_TEST(formatted<mapreduce::JsonFormat<Point>>({3, -1}) == "{\"x\": 3, \"y\": -1}");
  BOOST_TEST(formatted<mapreduce::TextFormat<Point>>({Limits::min(), Limits::max()}) ==
             "(-2147483648, 2147483647)");
  BOOST_TEST(formatted<mapreduce::JsonFormat<Point>>({Limits::min(), 0}) == "{\"x\": -2147483648, \"y\": 0}");
}

BOOST_AUTO_TEST_CASE(stream_text_reads_back_to_the_codec_bytes) {
  for (const Point& p : some_points()) {
    const std::string text = formatted<mapreduce::StreamText<Point>>(p);
    std::string bytes = "before";
    BOOST_TEST_REQUIRE(mapreduce::StreamText<Point>::parse(text, bytes), text);
    BOOST_TEST_REQUIRE(bytes == "before" + encoded(p), text);
  }
  BOOST_TEST(formatted<mapreduce::StreamText<Point>>({3, -1}) == "3,-1");
  for (const std::string bad : {"", "3", "3,", ",4", "3,4,5", "a,b", "3 ,4", "3, 4", "2147483648,0", "1,-"}) {
    std::string bytes;
    BOOST_TEST(!mapreduce::StreamText<Point>::parse(bad, bytes), "'" << bad << "'");
  }
}

BOOST_FIXTURE_TEST_CASE(a_job_keyed_by_points_gives_the_same_records_everywhere,
                        mapreduce::test::JobFixture<120>) {
  const Input input = make_input();
  const std::string path = write("points.txt", input.text);
  std::string tsv, jsonl;
  for (const auto& [key, count] : input.counts) {
    const auto [x, y] = key;
    tsv += "(" + std::to_string(x) + ", " + std::to_string(y) + ")\t" + std::to_string(count) + "\n";
    jsonl += "{\"key\": {\"x\": " + std::to_string(x) + ", \"y\": " + std::to_string(y) +
             "}, \"value\": " + std::to_string(count) + "}\n";
  }
  BOOST_TEST(run_points(path, {.sequential = true}) == tsv);
  BOOST_TEST(run_points(path, {.processes = 2}) == tsv);
  BOOST_TEST(run_points(path, {.format = mapreduce::OutputFormat::jsonl, .processes = 2}) == jsonl);

  // Hadoop Streaming: map, sort the lines as Hadoop would, reduce.
  const std::string mapped = run_points(path, {.mode = mapreduce::RunMode::stream_map});
  BOOST_TEST(mapped.find("-3,2\t") != std::string::npos);
  std::string shuffled;
  for (const std::string& line : sorted_lines(mapped)) shuffled += line + "\n";
  const std::string reduced =
      run_points(write("shuffled.txt", shuffled), {.mode = mapreduce::RunMode::stream_reduce});
  BOOST_TEST(sorted_lines(reduced) == sorted_lines(tsv), boost::test_tools::per_element());
}
