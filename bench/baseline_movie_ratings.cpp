// The baseline for the movie-ratings benchmark: a plain single-threaded C++
// program that does what examples/movie_ratings does, without a framework. It
// loads the catalogue, parses every rating line with Boost.JSON, sums the
// ratings per movie in input order, and prints `name<TAB>average` lines in
// movie-id order.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>

#include <boost/json.hpp>

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <class F>
void for_each_line(const std::string& text, F f) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) f(line);
    begin = end + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s RATINGS CATALOGUE\n", argv[0]);
    return 2;
  }
  try {
    std::unordered_map<std::int64_t, std::string> names;
    for_each_line(read_file(argv[2]), [&](std::string_view line) {
      const boost::json::object movie = boost::json::parse(line).as_object();
      names[movie.at("id").to_number<std::int64_t>()] = std::string(movie.at("name").as_string());
    });
    struct Total {
      double sum = 0;
      std::int64_t count = 0;
    };
    std::map<std::int64_t, Total> totals;
    boost::json::parser parser;
    for_each_line(read_file(argv[1]), [&](std::string_view line) {
      parser.reset();
      parser.write(line.data(), line.size());
      const boost::json::object rating = parser.release().as_object();
      Total& total = totals[rating.at("movie_id").to_number<std::int64_t>()];
      total.sum += rating.at("rating").to_number<double>();
      ++total.count;
    });
    std::string out;
    char number[64];
    for (const auto& [id, total] : totals) {
      out += names.at(id);
      out += '\t';
      out.append(number, std::to_chars(number, number + sizeof number, total.sum / total.count).ptr);
      out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
  return 0;
}
