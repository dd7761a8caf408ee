// movie_ratings: the average rating of every movie. Ratings are JSON lines
//   {"user_id": 100, "movie_id": 1, "rating": 9.2}
// and the catalogue, loaded once by setup() before the workers start, is JSON
// lines {"id": 1, "name": "The Matrix"}. Prints `name<TAB>average` lines in
// movie-id order. Blank lines are skipped.
//
//   movie_ratings [OPTION]... RATINGS...    (--movies=CATALOGUE, --combine)
//
// The catalogue defaults to movies.txt in the directory of the first
// RATINGS. The ratings of a movie are added left to right in input order (as
// Python's sum() did up to 3.11), so the averages are exactly the Python
// module's; that is why this job has no combiner (a combiner would add
// partial sums, which rounds differently) unless asked for one with
// --combine. Ratings are read with correct rounding, as Python's json module
// reads them.

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include <mapreduce/mapreduce.hpp>

namespace {

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

// Parses one JSON object; throws std::runtime_error saying what is wrong.
boost::json::object parse_object(std::string_view line, boost::json::parser& parser) {
  boost::system::error_code error;
  parser.reset();
  parser.write(line.data(), line.size(), error);
  if (error) throw std::runtime_error("malformed JSON: " + error.message());
  boost::json::value value = parser.release();
  if (!value.is_object()) throw std::runtime_error("expected a JSON object");
  return std::move(value.as_object());
}

const boost::json::value& field(const boost::json::object& object, const char* name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr) throw std::runtime_error(std::string("missing \"") + name + "\"");
  return *value;
}

std::int64_t integer_field(const boost::json::object& object, const char* name) {
  const boost::json::value& value = field(object, name);
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(value.get_uint64());
  throw std::runtime_error(std::string("\"") + name + "\" is not an integer");
}

// The text of the number after `"name":` in a JSON line, or "" if there is
// no such plain occurrence (an escaped name, say).
std::string_view number_text(std::string_view line, std::string_view name) {
  std::string quoted(1, '"');
  quoted.append(name).push_back('"');
  for (std::size_t at = line.find(quoted); at != std::string_view::npos; at = line.find(quoted, at + 1)) {
    std::size_t i = at + quoted.size();
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size() || line[i] != ':') continue;
    ++i;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && std::strchr("+-.0123456789eE", line[i]) != nullptr) ++i;
    if (i > start) return line.substr(start, i - start);
  }
  return {};
}

// A number field, read exactly: Boost.JSON 1.81 may round the last bit of a
// decimal with many digits, Python's json module never does, so the number's
// own text is converted with std::from_chars, which rounds correctly. The
// parsed value is the fallback and the check that the right text was found.
double number_field(const boost::json::object& object, const char* name, std::string_view line) {
  const boost::json::value& value = field(object, name);
  if (!value.is_number()) throw std::runtime_error(std::string("\"") + name + "\" is not a number");
  const double parsed = value.to_number<double>();
  const std::string_view text = number_text(line, name);
  double exact = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), exact);
  const bool found = !text.empty() && error == std::errc() && end == text.data() + text.size();
  return found && std::fabs(exact - parsed) <= 1e-12 * std::fabs(parsed) ? exact : parsed;
}

// movies.txt beside the (first) ratings file or directory ("r/parts/" is
// the directory r/parts, so r/movies.txt); in the current directory when the
// ratings come from standard input.
std::string default_catalogue(std::string ratings) {
  if (ratings == "-") return "movies.txt";
  while (ratings.size() > 1 && ratings.back() == '/') ratings.pop_back();
  const auto slash = ratings.rfind('/');
  return (slash == std::string::npos ? std::string() : ratings.substr(0, slash + 1)) + "movies.txt";
}

}  // namespace

// With --combine, each map task passes on one (sum, count) per movie, as
// Hadoop's or Phoenix++'s combiners would: faster, and the averages may differ
// from Python's in the last digits, since partial sums round differently.
struct RatingSum {
  double sum;
  std::int64_t count;
};

// The job, with plain ratings as values (kCombine false: Python's exact
// left-to-right sums) or with (sum, count) values and a combiner.
template <bool kCombine>
class MovieRatings final
    : public mapreduce::MapReduceConcurrent<MovieRatings<kCombine>, std::int64_t,
                                            std::conditional_t<kCombine, RatingSum, double>> {
  using Base = mapreduce::MapReduceConcurrent<MovieRatings<kCombine>, std::int64_t,
                                              std::conditional_t<kCombine, RatingSum, double>>;

 public:
  using typename Base::Emitter;
  using typename Base::Values;

  MovieRatings(const std::vector<std::string>& ratings, const mapreduce::Options& options,
               std::string catalogue)
      : Base(ratings, options),
        catalogue_(catalogue.empty() ? default_catalogue(ratings.front()) : std::move(catalogue)) {}

  // Loads the catalogue; the workers inherit it. A Hadoop Streaming mapper
  // never needs it (only reducer names the movies).
  void setup() {
    if (this->options().mode == mapreduce::RunMode::stream_map) return;
    std::ifstream in(catalogue_, std::ios::binary);
    if (!in) throw cannot_read();
    std::string line;
    boost::json::parser parser;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (is_blank(line)) continue;
      try {
        const boost::json::object movie = parse_object(line, parser);
        const boost::json::value& name = field(movie, "name");
        if (!name.is_string()) throw std::runtime_error("\"name\" is not a string");
        names_[integer_field(movie, "id")] = std::string(name.get_string());
      } catch (const std::runtime_error& e) {
        throw mapreduce::InputError("line " + std::to_string(number) + " of the movie catalogue " +
                                    catalogue_ + ": " + e.what());
      }
    }
    // A directory opens, then fails on the first read.
    if (in.bad()) throw cannot_read();
  }

  // Python: yield rating["movie_id"], rating["rating"]
  void mapper(std::string_view line, Emitter& emit) {
    if (is_blank(line)) return;
    const boost::json::object rating = parse_object(line, parser_);
    const double value = number_field(rating, "rating", line);
    if constexpr (kCombine) {
      emit(integer_field(rating, "movie_id"), RatingSum{value, 1});
    } else {
      emit(integer_field(rating, "movie_id"), value);
    }
  }

  void combiner(std::int64_t, RatingSum& total, RatingSum part) requires kCombine {
    total.sum += part.sum;
    total.count += part.count;
  }

  // Python: return movies[movie_id], sum(ratings) / len(ratings)
  std::pair<std::string_view, double> reducer(std::int64_t movie_id, Values ratings) {
    const auto movie = names_.find(movie_id);
    if (movie == names_.end()) {
      throw std::runtime_error("movie id " + std::to_string(movie_id) + " is not in the catalogue " +
                               catalogue_);
    }
    double sum = 0;
    std::int64_t count = 0;
    for (const auto& rating : ratings) {
      if constexpr (kCombine) {
        sum += rating.sum;
        count += rating.count;
      } else {
        sum += rating;
        ++count;
      }
    }
    return {movie->second, sum / static_cast<double>(count)};
  }

 private:
  mapreduce::InputError cannot_read() const {
    return mapreduce::InputError("cannot read the movie catalogue " + catalogue_ + ": " +
                                 std::strerror(errno));
  }

  std::string catalogue_;
  std::unordered_map<std::int64_t, std::string> names_;
  boost::json::parser parser_;
};

int main(int argc, char** argv) {
  std::string catalogue;
  bool combine = false;
  mapreduce::Runner runner(argv[0],
                           "Averages the movie ratings in RATINGS (JSON lines {\"user_id\": 100, "
                           "\"movie_id\": 1, \"rating\": 9.2}), by movie, as name<TAB>average.");
  runner.set_operands("RATINGS...");
  runner.add_option("movies", "CATALOGUE",
                    "the movie catalogue, JSON lines {\"id\": 1, \"name\": \"...\"} "
                    "(default: movies.txt beside the first RATINGS)",
                    catalogue);
  runner.add_flag("combine",
                  "fold (sum, count) per movie map-side: faster; the averages may then differ from "
                  "Python's in the last digits",
                  combine);
  return runner.run(argc, argv,
                    [&](const std::vector<std::string>& ratings, const mapreduce::Options& options) {
                      if (combine) {
                        MovieRatings<true>(ratings, options, catalogue).run();
                      } else {
                        MovieRatings<false>(ratings, options, catalogue).run();
                      }
                    });
}
