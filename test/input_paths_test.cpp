// What the inputs of a job stand for, in a temporary directory tree: a
// directory's regular files in name order (hidden names, FIFOs left out,
// subdirectories counted and left out, or read in their place with
// recursion), globs expanded in byte order (a matched directory read as
// one, every file once, a glob that matches nothing an error naming it), a
// path that exists taken literally, loops of symbolic links an error; then
// the same through jobs: Options::recursive, globs in the inputs, the
// "skipped subdirectories" counter and input_context().path(), alike in
// every engine.
#define BOOST_TEST_MODULE input_paths
#include "input/input_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/mapreduce.hpp>

namespace {

using mapreduce::detail::resolve_inputs;
using mapreduce::detail::ResolvedInputs;
using mapreduce::detail::Subdirectories;
using mapreduce::test::message_of;
using mapreduce::test::options_for;

constexpr std::string_view kEngine = "mapreduce";

// The tree of the tests, under the fixture's directory:
//   in/b  in/a  in/.hidden  in/_SUCCESS  in/fifo  in/link-to-a -> a
//   in/sub/x  in/sub/deeper/y  in/sub/.git/z  in/_logs/log
//   in/link-to-other -> ../other   other/o
//   logs/1.gz  logs/2.gz  logs/3.txt  logs/old/4.gz
//   lit*/f  (a directory whose name holds a '*')
struct Tree : mapreduce::test::JobFixture<> {
  Tree() {
    for (const char* directory : {"in/sub/deeper", "in/sub/.git", "in/_logs", "other", "logs/old", "lit*"}) {
      std::filesystem::create_directories(file(directory));
    }
    for (const char* name :
         {"in/b", "in/a", "in/.hidden", "in/_SUCCESS", "in/sub/x", "in/sub/deeper/y", "in/sub/.git/z",
          "in/_logs/log", "other/o", "logs/1.gz", "logs/2.gz", "logs/3.txt", "logs/old/4.gz", "lit*/f"}) {
      write(name, std::string(name) + "\n");
    }
    BOOST_TEST_REQUIRE(::mkfifo(file("in/fifo").c_str(), 0600) == 0);
    std::filesystem::create_symlink("a", file("in/link-to-a"));
    std::filesystem::create_directory_symlink("../other", file("in/link-to-other"));
  }

  // The resolved files, relative to the fixture's directory, one a line;
  // standard input as "(stdin)".
  std::string files(const ResolvedInputs& resolved) const {
    std::string text;
    for (const auto& input : resolved.files) {
      text += input.standard_input                   ? "(stdin)"
              : input.path.starts_with(path() + "/") ? input.path.substr(path().size() + 1)
                                                     : input.path;
      text += '\n';
    }
    return text;
  }

  std::string resolved(const std::vector<std::string>& inputs, Subdirectories subdirectories,
                       std::uint64_t* skipped = nullptr) const {
    const ResolvedInputs result = resolve_inputs(inputs, subdirectories);
    if (skipped != nullptr) *skipped = result.skipped_subdirectories;
    return files(result);
  }

  // The message of the InputError that resolving `inputs` throws ("" and a
  // failure if it throws none).
  std::string error_of(const std::vector<std::string>& inputs,
                       Subdirectories subdirectories = Subdirectories::skip) const {
    return message_of<mapreduce::InputError>([&] { resolve_inputs(inputs, subdirectories); }).value_or("");
  }
};

// The files a job read, in the order of their first lines, with their line
// counts: "PATH:LINES" joined by ' ' under one key, from input_context().
struct FilesRead final : mapreduce::MapReduceConcurrent<FilesRead, std::string, std::string> {
  using MapReduceConcurrent::MapReduceConcurrent;
  void mapper(std::string_view line, Emitter& emit) {
    emit("files", std::string(input_context().path()) + "=" + std::string(line));
  }
  std::pair<std::string_view, std::string> reducer(std::string_view key, Values values) {
    std::string text;
    for (std::string_view value : values) text += (text.empty() ? "" : " ") + std::string(value);
    return {key, text};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(input_paths, Tree)

BOOST_AUTO_TEST_CASE(a_directory_is_its_regular_files_and_its_subdirectories_are_counted) {
  std::uint64_t skipped = 0;
  // sub and link-to-other are subdirectories; _logs is hidden, never read,
  // and not counted; the FIFO is no data; a link to a file is read.
  BOOST_TEST(resolved({file("in")}, Subdirectories::skip, &skipped) == "in/a\nin/b\nin/link-to-a\n");
  BOOST_TEST(skipped == 2u);
  BOOST_TEST(resolved({file("in/")}, Subdirectories::skip, &skipped) == "in/a\nin/b\nin/link-to-a\n");
  BOOST_TEST(skipped == 2u);
  // The same directory twice: its files twice, its subdirectories once.
  resolved({file("in"), file("in")}, Subdirectories::skip, &skipped);
  BOOST_TEST(skipped == 2u);
  // A subdirectory given as an input of its own is read, so not counted.
  BOOST_TEST(resolved({file("in"), file("in/sub")}, Subdirectories::skip, &skipped) ==
             "in/a\nin/b\nin/link-to-a\nin/sub/x\n");
  BOOST_TEST(skipped == 2u);  // link-to-other, and sub's deeper
}

BOOST_AUTO_TEST_CASE(recursion_reads_subdirectories_in_their_place_in_name_order) {
  std::uint64_t skipped = 1;
  BOOST_TEST(resolved({file("in")}, Subdirectories::read, &skipped) ==
             "in/a\nin/b\nin/link-to-a\nin/link-to-other/o\nin/sub/deeper/y\nin/sub/x\n");
  BOOST_TEST(skipped == 0u);
  BOOST_TEST(resolved({file("logs"), file("lit*")}, Subdirectories::read) ==
             "logs/1.gz\nlogs/2.gz\nlogs/3.txt\nlogs/old/4.gz\nlit*/f\n");
}

BOOST_AUTO_TEST_CASE(a_loop_of_symbolic_links_is_an_error_naming_the_directory) {
  std::filesystem::create_directory_symlink("..", file("in/sub/up"));
  const std::string loop = file("in/sub/up");
  BOOST_TEST(error_of({file("in")}, Subdirectories::read) ==
             "input directory " + loop + " leads back to " + file("in") + " (a loop of symbolic links)");
  BOOST_TEST(error_of({file("in") + "/**"}) ==
             "input directory " + loop + " leads back to " + file("in") + " (a loop of symbolic links)");
  // Without recursion it is one more subdirectory left out.
  std::uint64_t skipped = 0;
  BOOST_TEST(resolved({file("in/sub")}, Subdirectories::skip, &skipped) == "in/sub/x\n");
  BOOST_TEST(skipped == 2u);
  // Two links to one directory are no loop: it is read twice.
  std::filesystem::create_directory_symlink("../../other", file("in/sub/other-again"));
  std::filesystem::remove(loop);
  BOOST_TEST(
      resolved({file("in")}, Subdirectories::read) ==
      "in/a\nin/b\nin/link-to-a\nin/link-to-other/o\nin/sub/deeper/y\nin/sub/other-again/o\nin/sub/x\n");
}

BOOST_AUTO_TEST_CASE(globs_are_expanded_in_byte_order) {
  BOOST_TEST(resolved({file("logs/*.gz")}, Subdirectories::skip) == "logs/1.gz\nlogs/2.gz\n");
  BOOST_TEST(resolved({file("logs/**/*.gz")}, Subdirectories::skip) ==
             "logs/1.gz\nlogs/2.gz\nlogs/old/4.gz\n");
  BOOST_TEST(resolved({file("logs/[13].*")}, Subdirectories::skip) == "logs/1.gz\nlogs/3.txt\n");
  // Each glob in its place among the other inputs.
  BOOST_TEST(resolved({file("logs/3.txt"), file("logs/?.gz"), file("in/a")}, Subdirectories::skip) ==
             "logs/3.txt\nlogs/1.gz\nlogs/2.gz\nin/a\n");
  // Hidden names only by a pattern that spells their first byte.
  BOOST_TEST(resolved({file("in/*")}, Subdirectories::skip) ==
             "in/a\nin/b\nin/link-to-a\nin/link-to-other/o\nin/sub/x\n");
  BOOST_TEST(resolved({file("in/.*"), file("in/_S*")}, Subdirectories::skip) == "in/.hidden\nin/_SUCCESS\n");
}

BOOST_AUTO_TEST_CASE(a_matched_directory_is_read_as_a_directory_and_every_file_once) {
  std::uint64_t skipped = 0;
  // in/sub matched: its files; its subdirectory deeper is left out, and
  // counted.
  BOOST_TEST(resolved({file("in/s*")}, Subdirectories::skip, &skipped) == "in/sub/x\n");
  BOOST_TEST(skipped == 1u);
  // ** matches in/sub and in/sub/deeper too: every file, each once, and no
  // subdirectory left out.
  BOOST_TEST(resolved({file("in/**")}, Subdirectories::skip, &skipped) ==
             "in/a\nin/b\nin/link-to-a\nin/link-to-other/o\nin/sub/x\nin/sub/deeper/y\n");
  BOOST_TEST(skipped == 0u);
  // Recursion and a glob that matches a directory and its subdirectory:
  // each file once.
  BOOST_TEST(resolved({file("logs/**")}, Subdirectories::read) ==
             "logs/1.gz\nlogs/2.gz\nlogs/3.txt\nlogs/old/4.gz\n");
  // A FIFO matched is left out, as in a directory: the glob matched
  // something all the same.
  BOOST_TEST(resolved({file("in/f*")}, Subdirectories::skip) == "");
}

BOOST_AUTO_TEST_CASE(a_glob_that_matches_nothing_is_an_error_naming_it) {
  BOOST_TEST(error_of({file("logs/*.zst")}) == "input '" + file("logs/*.zst") + "' matches no file");
  BOOST_TEST(error_of({file("in/a"), file("missing/**/x")}) ==
             "input '" + file("missing/**/x") + "' matches no file");
  BOOST_CHECK_NO_THROW(resolve_inputs({file("in/*/")}, Subdirectories::read));
  // Hidden names only: nothing matched.
  BOOST_TEST(error_of({file("in/sub/?git")}) == "input '" + file("in/sub/?git") + "' matches no file");
}

BOOST_AUTO_TEST_CASE(a_path_that_exists_is_taken_literally_glob_characters_and_all) {
  write("lit*/g", "g\n");
  write("litter", "litter\n");
  // "lit*" exists: the directory, not the glob that would match litter too.
  BOOST_TEST(resolved({file("lit*")}, Subdirectories::skip) == "lit*/f\nlit*/g\n");
  // Escaped, a '*' makes a glob too, which matches the name itself.
  BOOST_TEST(resolved({file("lit\\*/f")}, Subdirectories::skip) == "lit*/f\n");
  BOOST_TEST(resolved({file("lit\\*")}, Subdirectories::skip) == "lit*/f\nlit*/g\n");
  BOOST_TEST(resolved({file("lit[*]/?")}, Subdirectories::skip) == "lit*/f\nlit*/g\n");
  // A missing path without glob characters is left for opening to report.
  BOOST_TEST(resolved({file("missing.txt")}, Subdirectories::skip) == "missing.txt\n");
  BOOST_TEST(resolved({file("back\\slash")}, Subdirectories::skip) == "back\\slash\n");
}

BOOST_AUTO_TEST_CASE(a_file_named_dash_matched_by_a_glob_is_not_standard_input) {
  std::filesystem::create_directories(file("dash"));
  write("dash/-", "dash\n");
  const ResolvedInputs result = resolve_inputs({"-", file("dash/*")}, Subdirectories::skip);
  BOOST_TEST_REQUIRE(result.files.size() == 2u);
  BOOST_TEST(result.files[0].standard_input);
  BOOST_TEST(!result.files[1].standard_input);
  BOOST_TEST(result.files[1].path == file("dash/-"));
}

BOOST_AUTO_TEST_CASE(relative_globs_name_the_files_as_the_pattern_spells_them) {
  const std::string saved = std::filesystem::current_path();
  BOOST_TEST_REQUIRE(::chdir(path().c_str()) == 0);
  std::string plain;
  std::string dotted;
  try {
    plain = resolved({"logs/*.gz", "**/o"}, Subdirectories::skip);
    dotted = resolved({"./logs/*.gz"}, Subdirectories::skip);
  } catch (...) {
  }
  BOOST_TEST_REQUIRE(::chdir(saved.c_str()) == 0);
  BOOST_TEST(plain == "logs/1.gz\nlogs/2.gz\nin/link-to-other/o\nother/o\n");
  BOOST_TEST(dotted == "./logs/1.gz\n./logs/2.gz\n");
}

BOOST_AUTO_TEST_CASE(jobs_read_globs_and_subdirectories_alike_in_every_engine) {
  const std::string recursive_expected = "files\t" + file("in/a") + "=in/a " + file("in/b") + "=in/b " +
                                         file("in/link-to-a") + "=in/a " + file("in/link-to-other/o") +
                                         "=other/o " + file("in/sub/deeper/y") + "=in/sub/deeper/y " +
                                         file("in/sub/x") + "=in/sub/x\n";
  write("logs/old/5.txt", "logs/old/5.txt\n");
  for (unsigned processes : {0u, 1u, 3u}) {
    BOOST_TEST_CONTEXT("processes " << processes) {
      std::ostringstream out;
      mapreduce::Options options = options_for(processes, out);
      FilesRead plain({file("in")}, options);
      plain.run();
      BOOST_TEST(out.str() == "files\t" + file("in/a") + "=in/a " + file("in/b") + "=in/b " +
                                  file("in/link-to-a") + "=in/a\n");
      BOOST_TEST(plain.counters().get(kEngine, "skipped subdirectories") == 2);
      BOOST_TEST(plain.counters().get(kEngine, "input files") == 3);

      out.str("");
      options.recursive = true;
      FilesRead recursive({file("in")}, options);
      recursive.run();
      BOOST_TEST(out.str() == recursive_expected);
      // Counted only when some were skipped.
      BOOST_TEST(!recursive.counters().entries().contains({std::string(kEngine), "skipped subdirectories"}));

      // A glob in its place among the other inputs; input_context().path()
      // names each real file.
      out.str("");
      FilesRead glob({file("in/b"), file("logs/**/*.txt"), file("in/a")}, options_for(processes, out));
      glob.run();
      BOOST_TEST(out.str() == "files\t" + file("in/b") + "=in/b " + file("logs/3.txt") + "=logs/3.txt " +
                                  file("logs/old/5.txt") + "=logs/old/5.txt " + file("in/a") + "=in/a\n");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_job_given_a_glob_that_matches_nothing_fails_before_any_work) {
  std::ostringstream out;
  for (unsigned processes : {0u, 2u}) {
    const std::string message =
        message_of<mapreduce::InputError>([&] {
          FilesRead({file("in/a"), file("nowhere/*.txt")}, options_for(processes, out)).run();
        }).value_or("");
    BOOST_TEST(message == "input '" + file("nowhere/*.txt") + "' matches no file");
  }
  BOOST_TEST(out.str() == "");
}

BOOST_AUTO_TEST_SUITE_END()
