#!/usr/bin/env bash
# help.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# --help of the real programs, laid out as GNU tools lay it out.
#
# Cases:
#   layout          word_count --help: the usage line, options spelled
#                   "-p, --processes=N" with their descriptions from column
#                   31, continued in that column, no line over 79 columns,
#                   no "Job options" group when there are none
#   job-options     movie_ratings --help: its own options under "Job
#                   options", after the shared ones
#   names-inputs    movie_ratings --help names its inputs RATINGS..., and
#                   the README's Examples section names them the same way
#   usage-error     a bad option value: status 2, the error, then the hint
#                   to try --help, on standard error only
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

readme=$data_dir/../../README.md

# expect_line LINE: standard output has exactly this line.
expect_line() {
  grep -qxF -- "$1" "$out" || fail "--help has no line '$1'"
}

# expect_narrow: no line of standard output is over 79 columns.
expect_narrow() {
  local wide
  wide=$(awk 'length > 79 { print FNR ": " $0 }' "$out")
  [[ -z $wide ]] || fail "lines over 79 columns: $wide"
}

# line_of TEXT: the number of the first line of standard output that is TEXT.
line_of() {
  grep -nxF -- "$1" "$out" | head -n 1 | cut -d: -f1
}

case $case_name in
  layout)
    run help "$word_count" --help
    expect_status 0 "word_count --help"
    expect_stderr_empty
    expect_narrow
    [[ $(head -n 1 "$out") == "Usage: word_count [OPTION]... INPUT..." ]] || fail "usage line: $(head -n 1 "$out")"
    expect_line "Options:"
    expect_line "  -p, --processes=N           number of worker processes (default: the number"
    expect_line "                              of online CPUs)"
    expect_line "  -o, --output=FILE           write the output to FILE (atomically: replaced"
    expect_line "      --sequential            run in this process with the sequential engine"
    expect_line "      --stream-map            act as a Hadoop Streaming mapper: input lines in,"
    expect_line "  -h, --help                  show this help and exit"
    # Every option line: a short name and a long one, or a long one alone,
    # indented alike; every description line continues in column 31.
    bad=$(awk '/^Options:$/ { in_options = 1; next } /^$/ { in_options = 0 }
      in_options && !/^  -[a-z], --[a-z-]+(=[^ ]+)? +[^ ]/ && !/^      --[a-z-]+(=[^ ]+)? +[^ ]/ &&
        !/^                              [^ ]/ && !/^      --[a-z-]+(=[^ ]+)?$/ { print }' "$out")
    [[ -z $bad ]] || fail "lines not laid out as options: $bad"
    if grep -qF "Job options" "$out"; then fail "word_count has no job options, yet --help shows the group"; fi
    ;;
  job-options)
    run help "$movie_ratings" --help
    expect_status 0 "movie_ratings --help"
    expect_narrow
    options=$(line_of "Options:") job=$(line_of "Job options:")
    movies=$(line_of "      --movies=CATALOGUE      the movie catalogue, JSON lines {\"id\": 1, \"name\":")
    combine=$(grep -n -- "^      --combine  " "$out" | head -n 1 | cut -d: -f1)
    processes=$(grep -n -- "^  -p, --processes=N" "$out" | head -n 1 | cut -d: -f1)
    if [[ -z $options || -z $job || -z $movies || -z $combine || -z $processes ]]; then
      fail "missing from --help: Options: '$options', Job options: '$job', --movies '$movies', --combine '$combine', -p '$processes'"
    elif ! ((options < processes && processes < job && job < movies && job < combine)); then
      fail "groups out of order: Options $options, -p $processes, Job options $job, --movies $movies, --combine $combine"
    fi
    ;;
  names-inputs)
    run help "$movie_ratings" --help
    expect_status 0 "movie_ratings --help"
    usage=$(head -n 1 "$out")
    [[ $usage == "Usage: movie_ratings [OPTION]... RATINGS..." ]] || fail "usage line: $usage"
    # The README's entry for the program starts with the same synopsis.
    grep -qF -- "- \`${usage#Usage: }\`" "$readme" || fail "README.md's Examples do not say \`${usage#Usage: }\`"
    grep -qF -- "--movies=CATALOGUE" "$readme" || fail "README.md does not spell --movies=CATALOGUE"
    ;;
  usage-error)
    run bad "$word_count" --processes=many "$data_dir/sample.txt"
    expect_status 2 "word_count --processes=many"
    [[ -s $out ]] && fail "a usage error wrote to standard output"
    [[ $(tail -n 1 "$err") == "Try 'word_count --help' for more information." ]] || fail "no hint to try --help"
    grep -qF -- "word_count: error: " "$err" || fail "no 'word_count: error:' line"
    ;;
  *) unknown_case ;;
esac

cli_finish
