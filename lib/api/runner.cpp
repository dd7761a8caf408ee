#include "mapreduce/runner.hpp"

#include <unistd.h>

#include <iostream>
#include <limits>
#include <sstream>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "api/help_text.hpp"
#include "api/option_rules.hpp"
#include "cluster/cluster_job.hpp"
#include "cluster/launcher_environment.hpp"
#include "ipc/interruption.hpp"
#include "mapreduce/detail/line_format.hpp"
#include "mapreduce/error.hpp"
#include "output/output.hpp"

namespace mapreduce {
namespace po = boost::program_options;

struct Runner::Impl {
  // A job option whose text the Runner parses itself, after --help and
  // --version had their turn.
  struct ParsedOption {
    std::string key;  // the long name, as po::variables_map holds it
    bool repeated;
    ParseFunction parse;
  };

  std::string program;
  std::string summary;
  std::string operands = "INPUT...";
  po::options_description job_options;
  std::vector<ParsedOption> parsed;
};

namespace {

constexpr int kExitJobError = 1;
constexpr int kExitUsageError = 2;
// What a shell reports for a process that SIGPIPE ended: `| head` stopped
// reading, which is not an error worth a message.
constexpr int kExitOutputClosed = 128 + 13;

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

const char* version() { return MAPREDUCE_VERSION; }

Runner::Runner(std::string program, std::string summary) : impl_(std::make_unique<Impl>()) {
  impl_->program = base_name(program);
  impl_->summary = std::move(summary);
}

Runner::~Runner() = default;

void Runner::set_operands(const std::string& operands) { impl_->operands = operands; }

void Runner::add_option(const std::string& name, const std::string& value_name, const std::string& help,
                        std::string& target) {
  add_parsed_option(name, value_name, help, "", false,
                    [&target](std::string_view text, bool) { target = std::string(text); });
}

void Runner::add_option(const std::string& name, const std::string& value_name, const std::string& help,
                        std::vector<std::string>& target) {
  add_parsed_option(name, value_name, help, join_defaults(target), true,
                    [&target](std::string_view text, bool first) {
                      if (first) target.clear();
                      target.emplace_back(text);
                    });
}

void Runner::add_parsed_option(const std::string& name, const std::string& value_name,
                               const std::string& help, const std::string& default_text, bool repeated,
                               ParseFunction parse) {
  // The text is stored as a string (each occurrence's, when repeated) and
  // parsed later, so that a bad value names its option in our words. The
  // default goes where Boost keeps one, for the help printer to find.
  po::value_semantic* semantic = nullptr;
  if (repeated) {
    auto* value = po::value<std::vector<std::string>>()->value_name(value_name);
    if (!default_text.empty()) value->default_value({}, default_text);
    semantic = value;
  } else {
    auto* value = po::value<std::string>()->value_name(value_name);
    if (!default_text.empty()) value->default_value({}, default_text);
    semantic = value;
  }
  impl_->job_options.add_options()(name.c_str(), semantic, help.c_str());
  impl_->parsed.push_back({name.substr(0, name.find(',')), repeated, std::move(parse)});
}

std::string Runner::join_defaults(const std::vector<std::string>& values) {
  std::string joined;
  for (const std::string& value : values) joined += (joined.empty() ? "" : ", ") + value;
  return joined;
}

std::string Runner::choice_value_name(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : "|") + name;
  return joined;
}

void Runner::add_flag(const std::string& name, const std::string& help, bool& target) {
  impl_->job_options.add_options()(name.c_str(), po::bool_switch(&target), help.c_str());
}

int Runner::run(int argc, const char* const* argv, const JobFunction& job) {
  const std::string& program = impl_->program;
  Options options;
  long processes = 0;
  long max_attempts = Options{}.max_attempts;
  long reducers = 0;
  std::string format = "tsv";
  std::string records = "lines";
  std::string compress;
  std::string mpi_round_size;
  std::string memory_limit;
  std::vector<std::string> inputs;
  po::options_description general;
  general.add_options()("help,h", "show this help and exit")("version", "show the version and exit")(
      "output,o", po::value<std::string>(&options.output)->value_name("FILE"),
      "write the output to FILE (atomically: replaced only when the job succeeds) instead of standard "
      "output")(
      "output-dir", po::value<std::string>(&options.output_dir)->value_name("DIR"),
      "write Hadoop-style part-NNNNN files, one per reduce partition, and _SUCCESS into DIR (new or empty)")(
      "format", po::value<std::string>(&format)->value_name("tsv|jsonl"),
      "output lines as key<TAB>value (tsv, the default) or {\"key\": ..., \"value\": ...} (jsonl)")(
      "compress", po::value<std::string>(&compress)->value_name("gzip|zstd|none"),
      "compress the output (a file, standard output, or part files named part-NNNNN.gz or .zst); "
      "default: gzip for -o FILE.gz, zstd for -o FILE.zst, otherwise none")(
      "records", po::value<std::string>(&records)->value_name("FORMAT"),
      "what mapper gets: lines (the default), nul (NUL-terminated records, as find -print0 writes), "
      "paragraphs (lines separated by blank lines), file (each input file whole), fixed:N (N bytes each) or "
      "sep:STRING (records ended by STRING, 1 to 64 bytes that cannot overlap themselves, with escapes "
      "\\n \\t \\r \\0 \\\\ \\xHH: 'sep:\\r\\n' for CRLF lines without the CR)")(
      "recursive", "read the subdirectories of input directories too, recursively, in name order")(
      "processes,p", po::value<long>(&processes)->value_name("N"),
      "number of worker processes (default: the number of online CPUs)")(
      "sequential", "run in this process with the sequential engine (same output)")(
      "reducers", po::value<long>(&reducers)->value_name("N"),
      "number of reduce partitions, and of part files with --output-dir (default: 4 per process, 1 with "
      "--sequential); the output file is the same for any N")(
      "max-attempts", po::value<long>(&max_attempts)->value_name("N"),
      "run a task at most N times when its worker dies (1 to 100; default: 4)")(
      "task-timeout", po::value<double>(&options.task_timeout)->value_name("SECONDS"),
      "kill a task that runs longer than SECONDS and treat it as a crash (default: no limit)")(
      "memory-limit", po::value<std::string>(&memory_limit)->value_name("SIZE"),
      "hold at most SIZE of map output in memory, all processes together (such as 512M or 4G; default: "
      "half the physical memory); past it, spill sorted runs to disk and merge them (same output)")(
      "spill-dir", po::value<std::string>(&options.spill_dir)->value_name("DIR"),
      "where spilled runs go (default: $TMPDIR, or /tmp); nothing is left there on any exit")(
      "progress", "show a progress line on standard error (the default when it is a terminal)")(
      "no-progress", "show no progress line")("stats", "print the counters on standard error after the job")(
      "stream-map", "act as a Hadoop Streaming mapper: input lines in, key<TAB>value lines out")(
      "stream-reduce",
      "act as a Hadoop Streaming reducer: key-sorted key<TAB>value lines in, output lines out")(
      "no-streaming-counters",
      "with --stream-map or --stream-reduce: send no reporter:counter: lines to Hadoop")(
      "mpi",
      "run as one rank of an MPI job: mpirun -np N PROGRAM --mpi [OPTION]... INPUT... (each rank one worker "
      "process; inputs on a file system every rank sees; rank 0 writes the output)")(
      "mpi-round-size", po::value<std::string>(&mpi_round_size)->value_name("SIZE"),
      "with --mpi: the bytes a rank sends per round of the shuffle (such as 4M; default: 64M)");
  po::options_description hidden;
  hidden.add_options()("input", po::value<std::vector<std::string>>(&inputs));
  po::positional_options_description positional;
  positional.add("input", -1);

  po::options_description all;
  all.add(general).add(impl_->job_options).add(hidden);

  // Under mpirun every rank finds the same command-line errors, and with
  // --mpi agrees on the job's: rank 0 alone says so. The other ranks leave
  // a command-line error quietly and with status 0, for mpirun kills every
  // rank once one exits non-zero, and would often kill rank 0 before it has
  // said why; mpirun still returns rank 0's status 2.
  const bool quiet = detail::launched_as_other_rank();
  // mpirun ends the other ranks with SIGTERM once one fails: rank 0 alone
  // says why, or that the job was interrupted.
  if (quiet) detail::set_failure_reported();
  auto usage_error = [&](const std::string& message) {
    if (quiet) return 0;
    // One write, so that a launcher relaying standard error (mpirun) never
    // splits the line.
    std::cerr << (program + ": error: " + message + "\nTry '" + program + " --help' for more information.\n")
              << std::flush;
    return kExitUsageError;
  };

  po::variables_map values;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (values.count("help")) {
    detail::write_help(
        std::cout,
        {.usage = program + " [OPTION]... " + impl_->operands,
         .paragraphs = {impl_->summary,
                        "An input is a file, a directory (its files), or - for standard input; compressed "
                        "ones (gzip, zstd, bzip2, xz, lz4: recognised by content) are decompressed. A quoted "
                        "glob ('logs/*.gz', 'data/**/part-*') stands for the paths it matches."},
         .groups = {{"Options", &general}, {"Job options", &impl_->job_options}},
         .epilogue = {
             "Exit status: 0 on success, 1 if the job failed, 2 for a usage error, 128 + N if signal N "
             "ended it.",
             std::string("mapreduce ") + version() +
                 "; its README describes the options, the inputs, the output and Hadoop "
                 "Streaming."}});
    return 0;
  }
  if (values.count("version")) {
    std::cout << program << " (mapreduce " << version() << ")\n";
    return 0;
  }
  for (const Impl::ParsedOption& option : impl_->parsed) {
    const auto given = values.find(option.key);
    if (given == values.end() || given->second.defaulted()) continue;
    std::vector<std::string> texts;
    if (option.repeated) {
      texts = given->second.as<std::vector<std::string>>();
    } else {
      texts.push_back(given->second.as<std::string>());
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
      try {
        option.parse(texts[i], i == 0);
      } catch (const UsageError& e) {
        return usage_error("--" + option.key + " " + e.what() + ", not '" + texts[i] + "'");
      }
    }
  }
  for (const auto& [a, b] : {std::pair{"stream-map", "stream-reduce"}, std::pair{"sequential", "processes"},
                             std::pair{"progress", "no-progress"}, std::pair{"output", "output-dir"},
                             std::pair{"mpi", "sequential"}}) {
    if (values.count(a) && values.count(b))
      return usage_error(std::string("--") + a + " and --" + b + " exclude each other");
  }
  options.mode = values.count("stream-map")      ? RunMode::stream_map
                 : values.count("stream-reduce") ? RunMode::stream_reduce
                                                 : RunMode::job;
  // N copies of the whole job, racing to write one output, are never meant.
  if (!values.count("mpi") && detail::launched_ranks() > 1) {
    return usage_error("mpirun started " + std::to_string(detail::launched_ranks()) +
                       " ranks of this program without --mpi, so each would run the whole job: add --mpi");
  }
  if (inputs.empty()) {
    if (options.mode == RunMode::job) return usage_error("no input file given");
    inputs.push_back("-");  // Hadoop Streaming feeds a task through standard input
  }
  // The values' rules are Options' own (option_rules); here they are only
  // spelled as the command line spells them, before the conversion to
  // unsigned could hide a negative count.
  try {
    // An option the mode would ignore is an error, not a surprise.
    for (const auto& given : values)
      detail::check_mode_takes(given.first, options.mode, values.count("sequential"), values.count("mpi"));
    if (values.count("processes")) detail::check_processes(processes, detail::Spelling::command_line);
    detail::check_max_attempts(max_attempts, detail::Spelling::command_line);
    if (values.count("reducers")) detail::check_reducers(reducers, detail::Spelling::command_line);
    detail::check_task_timeout(options.task_timeout, detail::Spelling::command_line);
    options.records = detail::record_format_named(records);
    detail::check_records(options.records, options.mode, detail::Spelling::command_line);
    if (values.count("compress")) {
      options.compress = detail::compression_named(compress);
      if (!options.compress)
        throw UsageError("--compress must be gzip, zstd or none, not '" + compress + "'");
    }
    detail::check_compression(options, detail::Spelling::command_line);
    if (values.count("memory-limit")) {
      try {
        options.memory_limit = detail::parse_byte_size(memory_limit, ByteSize{Options::kMinMemoryLimit},
                                                       ByteSize{std::numeric_limits<std::uint64_t>::max()})
                                   .bytes;
      } catch (const UsageError& e) {
        throw UsageError("--memory-limit " + std::string(e.what()) + ", not '" + memory_limit + "'");
      }
    }
    if (values.count("spill-dir") && options.spill_dir.empty())
      throw UsageError("--spill-dir needs a directory, not ''");
    if (values.count("mpi-round-size")) {
      if (!values.count("mpi")) throw UsageError("--mpi-round-size is for --mpi only");
      try {
        options.mpi_round_bytes =
            detail::parse_byte_size(mpi_round_size, ByteSize{1}, ByteSize{std::uint64_t(1) << 30}).bytes;
      } catch (const UsageError& e) {
        throw UsageError("--mpi-round-size " + std::string(e.what()) + ", not '" + mpi_round_size + "'");
      }
    }
  } catch (const UsageError& e) {
    return usage_error(e.what());
  }
  if (const auto named = detail::output_format_named(format)) {
    options.format = *named;
  } else {
    return usage_error("--format must be " + detail::output_format_names() + ", not '" + format + "'");
  }
  options.max_attempts = static_cast<unsigned>(max_attempts);
  options.processes = static_cast<unsigned>(processes);
  options.reducers = static_cast<unsigned>(reducers);
  options.sequential = values.count("sequential") > 0;
  // By default a job shows its progress on a terminal; a streaming task
  // never does (Hadoop shows it).
  options.progress =
      values.count("progress") > 0 ||
      (values.count("no-progress") == 0 && options.mode == RunMode::job && ::isatty(STDERR_FILENO));
  options.stats = values.count("stats") > 0;
  options.streaming_counters = values.count("no-streaming-counters") == 0;
  options.recursive = values.count("recursive") > 0;
  options.mpi = values.count("mpi") > 0;
  detail::install_interruption_handlers(program);
  // The error is reported before MPI ends (detail::end_cluster_job), so
  // that under mpirun no rank ends before rank 0 has said why.
  int status = 0;
  try {
    job(inputs, options);
  } catch (const UsageError& e) {
    status = usage_error(e.what());
  } catch (const detail::OutputClosed&) {
    status = kExitOutputClosed;
  } catch (const std::exception& e) {
    std::cout.flush();
    // A failure the ranks agreed on is rank 0's to report; one of this rank's
    // own is reported here.
    if (!quiet || !detail::cluster_failure_agreed())
      std::cerr << (program + ": error: " + e.what() + "\n") << std::flush;
    status = kExitJobError;
  }
  if (status != 0) {
    detail::set_failure_reported();
    detail::end_cluster_job();
  }
  return status;
}

}  // namespace mapreduce
