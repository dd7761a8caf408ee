#!/usr/bin/env bash
# mpi.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR MPIRUN INVERTED_INDEX GREP_LINES
#        FAIL_LARGE_ALLOCATIONS
#
# The MPI backend (--mpi, issue 15): the programs run as the ranks of
# `mpirun -np N PROGRAM --mpi ...`, N = 1, 2 and 4 on a machine of two cores
# (oversubscribed), and must write what PROGRAM --sequential writes.
# Every mpirun runs under the subreaper, so a rank left behind is reported;
# mpi_run holds the Open MPI settings the tests need.
#
# Cases:
#   equivalence    word_count on examples/data/sample.txt and on a generated
#                  text of about 3 MB (many map tasks; keys with many values)
#                  at N = 1, 2, 4: standard output, -o FILE, --format jsonl,
#                  --reducers 3, --output-dir DIR and --reducers 3
#                  --output-dir DIR each the same as --sequential's with the
#                  same options (--output-dir: the same sorted content and a
#                  _SUCCESS; with --reducers 3 also three part files, each
#                  the same as --sequential's), exit status 0, nothing on
#                  standard error
#   no-combiner    the same for inverted_index (no combiner: every value
#                  crosses the shuffle; its values sorted), the 3 MB text at
#                  N = 2 and 4 only
#   map-only       grep_lines (map-only) at N = 1, 2, 4: standard output,
#                  -o, --format jsonl and --output-dir (as many part files as
#                  --sequential writes, each the same) as --sequential's
#   movie-ratings  movie_ratings --movies CATALOGUE at N = 2, on the sample
#                  (also against ratings.expected) and on 3 MB of ratings,
#                  with and without --combine: as --sequential's, floats to
#                  the last digit
#   tcp            OMPI_MCA_btl=self,tcp (no shared memory) at N = 2 and 4:
#                  the same output, also with --mpi-round-size 1K
#   rounds         --mpi-round-size 64 at N = 2 and 4: word_count on the
#                  3 MB text, inverted_index on the sample (and 64K on the
#                  3 MB text, 13 MB of values): the same output; --stats
#                  has "shuffle rounds=K" with K > 1 and "mpi ranks=N" once
#   stats-once     --stats at N = 2 and 4: one "counters:" line, "mpi
#                  ranks=N" once, "input lines" as --sequential counts them
#   mapper-throws  movie_ratings (its mapper throws on a malformed line) on
#                  3 MB of ratings with one bad line near the end, which
#                  falls in a late map task (rank 1's part at N = 2): mpirun
#                  exits non-zero, standard error has exactly one line
#                  "movie_ratings: error: rank R on HOST: MESSAGE" where
#                  MESSAGE is --sequential's ("mapper failed on line L of
#                  PATH: ..."), no -o FILE (N = 2) or --output-dir DIR
#                  (N = 4) left, no temporary
#   missing-input  a nonexistent input at N = 2: non-zero, exactly one error
#                  line, naming the path (--sequential's message, perhaps
#                  after "rank R on HOST: "), no -o FILE
#   rank-killed    slow_job at N = 2, rank 1 killed with SIGKILL while it
#                  maps (the rank from its environment), then in another run
#                  rank 0, then rank 1 with --output-dir: mpirun exits
#                  non-zero within 60 s, no -o FILE or DIR, no temporary of
#                  either, no process left running
#   no-launcher    word_count --mpi without mpirun: status 2, "needs an MPI
#                  launcher" and "mpirun" on standard error, nothing written
#   usage          under mpirun -np 2, --mpi with -p 2, --processes=2,
#                  --sequential, - (standard input), --max-attempts,
#                  --task-timeout, --stream-map, --stream-reduce: status 2,
#                  the error (naming --mpi and the other option, or
#                  "standard input") and the --help hint each exactly once
#                  (rank 0 only), nothing on standard output;
#                  --mpi-round-size without --mpi (no mpirun): status 2,
#                  naming it
#   foreign-launcher
#                  word_count --mpi with MPICH's PMI_SIZE and PMI_RANK in its
#                  environment, as that launcher starts it: status 2, the
#                  variable and mpirun named, nothing written
#   out-of-memory  inverted_index at N = 2 on a skewed input, with every
#                  allocation over 3 MB failing in rank 1 alone
#                  (FAIL_LARGE_ALLOCATIONS preloaded), which then cannot
#                  make room for what rank 0 sends it: it must not leave rank
#                  0 waiting in the shuffle; status 1, one error line "rank 1
#                  on HOST: out of memory: cannot grow a buffer ... from 0",
#                  no -o FILE, within mpirun's time limit
#   without-mpi    mpirun -np 2 word_count without --mpi: status 2, the error
#                  ("started 2 ranks ... without --mpi ... add --mpi") once,
#                  no -o FILE
#
# Open MPI 4.1's mpirun, when a rank fails, may exit before it has reaped
# every rank (it has killed or seen them exit): those ranks reach the
# subreaper as zombies. That is mpirun's doing, not the job's, so the report
# is forgiven zombies named like one of the programs (--mpi forks no
# workers: such a zombie is a rank); a process still alive when mpirun ended
# still fails the case.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
if [[ $# -ne 10 ]]; then
  echo "usage: $0 CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR MPIRUN INVERTED_INDEX GREP_LINES" \
    "FAIL_LARGE_ALLOCATIONS" >&2
  exit 2
fi
mpirun=$7 inverted_index=$8 grep_lines=$9 fail_large_allocations=${10}
cli_init "${@:1:6}"

# A run still going after this many seconds is a hang: mpirun ends it
# (--timeout) and the case stops there.
mpi_time_limit=100

# Where the ranks' shared memory segments go instead of /dev/shm: this
# case's own, so that another MPI job on the machine cannot make
# cli_finish's /dev/shm check fail, and finish checks it is left empty.
mpi_shm=$work/mpi-shm
mkdir "$mpi_shm"

# mpi_command N [VAR=VALUE]... [MPIRUN-OPTION]... PROGRAM ARG...: sets
# mpi_argv to the command that runs PROGRAM ARG... as N ranks, VAR=VALUE in
# mpirun's environment, with what Open MPI needs here: running as root
# allowed (CI containers run as root), more ranks than cores
# (oversubscribe), no binding of ranks to cores (two ranks bound to one core
# of an oversubscribed machine would share it), no single-copy mechanism
# for shared memory (CMA, which a container may forbid: the vader BTL would
# then warn, or fail), and the segments in $mpi_shm. The only place these
# are set: the CI's environment has none of them.
mpi_command() {
  local ranks=$1
  shift
  local -a environment=(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
    "OMPI_MCA_btl_vader_backing_directory=$mpi_shm")
  while [[ $# -gt 0 && $1 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
    environment+=("$1")
    shift
  done
  mpi_argv=(env "${environment[@]}" "$mpirun" --timeout "$mpi_time_limit" -np "$ranks" --bind-to none "$@")
}

# mpi_run NAME N [VAR=VALUE]... [MPIRUN-OPTION]... PROGRAM ARG...: run NAME,
# under mpirun (mpi_command); a run mpirun timed out ends the case.
mpi_run() {
  local name=$1
  shift
  mpi_command "$@"
  run "$name" "${mpi_argv[@]}"
  if grep -q "time limit for job execution has been reached" "$err"; then
    fail "mpirun -np $1 ${*:2}: still running after $mpi_time_limit s (mpirun ended it); the case stops here"
    show_stderr
    finish
  fi
}

# mpi_start NAME N ...: as mpi_run, in the background (start); $job_pid is
# mpirun's.
mpi_start() {
  local name=$1
  shift
  mpi_command "$@"
  start "$name" "${mpi_argv[@]}"
}

# The report without the zombies mpirun left (see the top), which are listed
# on standard output; no shared memory segment left; then cli_finish.
finish() {
  local names zombie
  names="($(basename "$word_count")|$(basename "$movie_ratings")|$(basename "$slow_job")"
  names+="|$(basename "$inverted_index")|$(basename "$grep_lines"))"
  zombie="^pid [0-9]+ \\($names\\) Z when the command ended; (exited with status [0-9]+|killed by signal [0-9]+)\$"
  if grep -qE "$zombie" "$report"; then
    echo "ranks mpirun ended without reaping them (not the job's fault):"
    grep -E "$zombie" "$report"
    grep -vE "$zombie" "$report" >"$report.kept" || true
    cat "$report.kept" >"$report"
    rm -f "$report.kept"
  fi
  if [[ -n $(ls -A "$mpi_shm") ]]; then fail "Open MPI's shared memory segments left: $(ls -A "$mpi_shm")"; fi
  cli_finish
}

# make_corpus FILE: about 3 MB of text (64 map tasks) from examples/data's
# files, repeated with lines that differ from one repetition to the next:
# some lines as they are (CRLF ones too), some with words of their own
# (r0..r100, v0..v4998), some with up to 49 more "many". "everywhere" is on
# two lines in three: a key with some 21 000 values.
make_corpus() {
  awk -v copies=550 '
    { lines[n++] = $0 }
    END {
      for (r = 0; r < copies; r++) {
        for (i = 0; i < n; i++) {
          kind = (r + i) % 3
          if (kind == 0) {
            print lines[i]
          } else if (kind == 1) {
            printf "%s r%d v%d everywhere\n", lines[i], r % 101, (r * n + i) % 4999
          } else {
            printf "%s everywhere", lines[i]
            for (k = 0; k < r % 50; k++) printf " many"
            printf "\n"
          }
        }
      }
    }' "$data_dir/sample.txt" "$data_dir/docs/alpha.txt" "$data_dir/docs/beta.txt" \
    "$data_dir/docs/gamma.txt" "$data_dir/left.tsv" "$data_dir/right.tsv" >"$1"
  local size
  size=$(file_size "$1")
  if ((size < 2500000 || size > 4000000)); then fail "the generated text is $size bytes, not about 3 MB"; fi
}

# make_ratings FILE LINES [BAD]: LINES ratings of the movies in
# examples/data/movies.txt, deterministic, with line BAD malformed (as in
# bad_ratings.txt) if given.
make_ratings() {
  awk -v lines="$2" -v bad="${3:-0}" 'BEGIN {
    split("1 2 3 4 5 6 8 10", movies, " ")
    for (i = 1; i <= lines; i++) {
      if (i == bad) {
        print "{\"user_id\": 1, \"movie_id\": 2, \"rating\": }"
        continue
      }
      printf "{\"user_id\": %d, \"movie_id\": %d, \"rating\": %d.%d}\n", 100 + i % 977, movies[1 + (i * 7) % 8],
        (i * 13) % 10, (i * 31) % 97
    }
  }' >"$1"
}

# expect_output_dir EXPECTED ACTUAL WHAT [same-parts]: both directories hold
# part-00000... (numbered from 0, none missing) and an empty _SUCCESS, and
# nothing else; their part files hold the same lines, sorted; with
# same-parts, as many part files, each the same byte for byte.
expect_output_dir() {
  local expected=$1 actual=$2 what=$3 mode=${4:-}
  local dir count
  if [[ ! -d $actual ]]; then
    fail "$what: no directory $actual"
    return
  fi
  for dir in "$expected" "$actual"; do
    count=$(find "$dir" -mindepth 1 -maxdepth 1 -name 'part-*' | wc -l)
    if [[ ! -f $dir/_SUCCESS || -s $dir/_SUCCESS ]]; then fail "$what: $dir has no empty _SUCCESS"; fi
    if ((count == 0)); then fail "$what: $dir has no part file"; fi
    if [[ $(find "$dir" -mindepth 1 -maxdepth 1 | wc -l) -ne $((count + 1)) ]]; then
      fail "$what: $dir holds more than its part files and _SUCCESS: $(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f ')"
    fi
    if ((count > 0)) && [[ ! -f $dir/$(printf 'part-%05d' $((count - 1))) ]]; then
      fail "$what: the $count part files of $dir are not part-00000 to part-$(printf '%05d' $((count - 1)))"
    fi
  done
  cat "$expected"/part-* 2>/dev/null | sort >"$work/expected-dir.sorted"
  cat "$actual"/part-* 2>/dev/null | sort >"$work/actual-dir.sorted"
  expect_same "$work/expected-dir.sorted" "$work/actual-dir.sorted" "$what: the part files' lines, sorted"
  if [[ $mode == same-parts ]]; then
    local expected_count actual_count part
    expected_count=$(find "$expected" -mindepth 1 -maxdepth 1 -name 'part-*' | wc -l)
    actual_count=$(find "$actual" -mindepth 1 -maxdepth 1 -name 'part-*' | wc -l)
    if ((expected_count != actual_count)); then
      fail "$what: $actual_count part files, --sequential writes $expected_count"
    else
      for part in "$expected"/part-*; do
        expect_same "$part" "$actual/${part##*/}" "$what: ${part##*/}"
      done
    fi
  fi
}

# expect_mpi_success WHAT: the run ($status, $err) succeeded quietly.
expect_mpi_success() {
  expect_status 0 "$1"
  expect_stderr_empty
}

# reference TAG PROGRAM ARG...: runs PROGRAM --sequential ARG... once per
# TAG (later calls find it done), its standard output in $work/TAG.expected.
reference() {
  local tag=$1 program=$2
  shift 2
  if [[ -e $work/$tag.done ]]; then return; fi
  run "$tag-sequential" "$program" --sequential "$@"
  expect_status 0 "$(basename "$program") --sequential $* (the reference run)"
  mv "$out" "$work/$tag.expected"
  : >"$work/$tag.done"
}

# same_as_sequential TAG N [VAR=VALUE]... [MPIRUN-OPTION]... PROGRAM -- ARG...:
# PROGRAM --mpi ARG... as N ranks writes to standard output what PROGRAM
# --sequential ARG... (the reference TAG) does; ARG... are the job's
# options and inputs.
same_as_sequential() {
  local tag=$1 ranks=$2
  shift 2
  local -a launch=()
  while [[ $1 != -- ]]; do
    launch+=("$1")
    shift
  done
  shift
  local program=${launch[-1]}
  unset 'launch[-1]'
  reference "$tag" "$program" "$@"
  if [[ ! -s $work/$tag.expected ]]; then fail "$tag: the reference output is empty: the comparison shows nothing"; fi
  local what
  what="mpirun -np $ranks ${launch[*]:+${launch[*]} }$(basename "$program") --mpi $*"
  mpi_run "$tag-mpi$ranks" "$ranks" "${launch[@]}" "$program" --mpi "$@"
  expect_mpi_success "$what"
  expect_same "$work/$tag.expected" "$out" "$what"
}

# every_destination TAG N KIND PROGRAM OPTION... INPUT...: the job under N
# ranks against --sequential (references TAG-..., run once for every N)
# with the output on standard output, in -o FILE, as jsonl, in --output-dir
# DIR and, unless KIND is map-only, with --reducers 3 to standard output
# and to --output-dir DIR.
every_destination() {
  local tag=$1 ranks=$2 kind=$3 program=$4
  shift 4
  local name
  name=$(basename "$program")
  same_as_sequential "$tag-stdout" "$ranks" "$program" -- "$@"
  same_as_sequential "$tag-jsonl" "$ranks" "$program" -- --format jsonl "$@"

  # -o FILE: the reference's standard output is the file (checked below).
  local expected=$work/$tag-stdout.expected actual=$work/$tag-o.mpi$ranks.tsv
  mpi_run "$tag-o-mpi$ranks" "$ranks" "$program" --mpi -o "$actual" "$@"
  expect_mpi_success "mpirun -np $ranks $name --mpi -o FILE"
  if [[ -s $out ]]; then fail "mpirun -np $ranks $name --mpi -o FILE wrote to standard output"; fi
  if [[ -f $actual ]]; then
    expect_same "$expected" "$actual" "mpirun -np $ranks $name --mpi -o FILE"
  else
    fail "mpirun -np $ranks $name --mpi -o $actual: no such file"
  fi
  rm -f "$actual"
  if [[ ! -e $work/$tag-o.done ]]; then
    run "$tag-o-sequential" "$program" --sequential -o "$work/$tag-o.expected" "$@"
    expect_status 0 "$name --sequential -o FILE"
    expect_same "$expected" "$work/$tag-o.expected" "$name --sequential -o FILE against its standard output"
    rm -f "$work/$tag-o.expected"
    : >"$work/$tag-o.done"
  fi

  local -a reducers=(default)
  if [[ $kind != map-only ]]; then
    reducers+=(3)
    same_as_sequential "$tag-reducers" "$ranks" "$program" -- --reducers 3 "$@"
  fi
  local count mode what
  local -a options
  for count in "${reducers[@]}"; do
    options=()
    mode=
    # A map-only job writes a part file per map task, and map tasks are cut
    # alike in every engine; a reducing job as many as --reducers says.
    if [[ $kind == map-only ]]; then mode=same-parts; fi
    if [[ $count != default ]]; then
      options=(--reducers "$count")
      mode=same-parts
    fi
    expected=$work/$tag-dir-$count.expected actual=$work/$tag-dir-$count.mpi$ranks
    if [[ ! -d $expected ]]; then
      run "$tag-dir-$count-sequential" "$program" --sequential "${options[@]}" --output-dir "$expected" "$@"
      expect_status 0 "$name --sequential ${options[*]} --output-dir DIR (the reference run)"
    fi
    what="mpirun -np $ranks $name --mpi ${options[*]:+${options[*]} }--output-dir DIR"
    mpi_run "$tag-dir-$count-mpi$ranks" "$ranks" "$program" --mpi "${options[@]}" --output-dir "$actual" "$@"
    expect_mpi_success "$what"
    expect_output_dir "$expected" "$actual" "$what" ${mode:+"$mode"}
    if [[ -n ${options[*]} ]]; then
      count=$(find "$actual" -mindepth 1 -maxdepth 1 -name 'part-*' | wc -l)
      if ((count != 3)); then fail "mpirun -np $ranks $name --mpi --reducers 3 --output-dir DIR: $count part files, not 3"; fi
    fi
    rm -rf "$actual"
  done
}

# stats_value NAME: the value of the counter NAME in --stats' output ($err);
# empty if it is not there, or there more than once.
stats_value() {
  local values
  values=$(grep -xE "    $1=[0-9]+" "$err" | cut -d= -f2)
  if [[ $(printf '%s' "$values" | grep -c '^') -eq 1 ]]; then echo "$values"; fi
}

# expect_counted_once N WHAT: --stats' output ($err) holds one "counters:"
# line and one "mpi ranks=N".
expect_counted_once() {
  local counters ranks_lines
  counters=$(grep -c '^counters:$' "$err" || true)
  ranks_lines=$(grep -cx "    mpi ranks=$1" "$err" || true)
  if ((counters != 1)); then fail "$2: $counters 'counters:' lines in --stats' output, not 1"; fi
  if ((ranks_lines != 1)); then fail "$2: $ranks_lines lines 'mpi ranks=$1' in --stats' output, not 1"; fi
  if ((counters != 1 || ranks_lines != 1)); then show_stderr; fi
}

# expect_one_error PROGRAM MESSAGE WHAT [any-rank-prefix]: standard error
# has exactly one line from PROGRAM, and it is "PROGRAM: error: rank R on
# HOST: MESSAGE" (with any-rank-prefix, "PROGRAM: error: MESSAGE" will do
# too); other lines (mpirun's own notices) may be there.
expect_one_error() {
  local program=$1 message=$2 what=$3 optional=${4:-}
  local lines line rest pattern='^rank [0-9]+ on [^ :]+: (.*)$'
  lines=$(grep -c "^$program: " "$err" || true)
  if ((lines != 1)); then
    fail "$what: $lines lines from $program on standard error, not exactly one error line"
    show_stderr
    return
  fi
  line=$(grep -m 1 "^$program: " "$err")
  rest=${line#"$program: error: "}
  if [[ $rest =~ $pattern ]]; then
    echo "the error line: $line"
    rest=${BASH_REMATCH[1]}
  elif [[ $optional != any-rank-prefix ]]; then
    fail "$what: the error line does not begin 'rank R on HOST: ': $line"
  fi
  if [[ $line == "$rest" || $rest != "$message" ]]; then
    fail "$what: the error line is not '$program: error: [rank R on HOST: ]$message'"
    show_stderr
  fi
}

# expect_usage_once WHAT WORD...: the run ($status, $err, $out) failed with
# status 2, one "word_count: error:" line that holds every WORD, one
# "Try 'word_count --help'" line, nothing else from word_count, nothing on
# standard output.
expect_usage_once() {
  local what=$1
  shift
  expect_status 2 "$what"
  local errors hints others line word
  errors=$(grep -c "^word_count: error: " "$err" || true)
  hints=$(grep -cxF "Try 'word_count --help' for more information." "$err" || true)
  others=$(grep -c "^word_count: " "$err" || true)
  if ((errors != 1 || hints != 1 || others != 1)); then
    fail "$what: $errors error lines and $hints --help hints on standard error, not one of each"
    show_stderr
  fi
  line=$(grep -m 1 "^word_count: error: " "$err" || true)
  for word in "$@"; do
    if [[ $line != *"$word"* ]]; then
      fail "$what: the error line does not say '$word': $line"
    fi
  done
  if [[ -s $out ]]; then fail "$what: wrote to standard output"; fi
}

# in_rounds TAG N SIZE PROGRAM INPUT...: PROGRAM --mpi --mpi-round-size SIZE
# --stats INPUT... as N ranks writes the reference TAG's output, its --stats
# once, with "shuffle rounds=K", K > 1.
in_rounds() {
  local tag=$1 ranks=$2 size=$3 program=$4
  shift 4
  local what rounds
  what="mpirun -np $ranks $(basename "$program") --mpi --mpi-round-size $size --stats $*"
  mpi_run "$tag-rounds-$size-mpi$ranks" "$ranks" "$program" --mpi --mpi-round-size "$size" --stats "$@"
  expect_status 0 "$what"
  expect_same "$work/$tag.expected" "$out" "$what"
  expect_counted_once "$ranks" "$what"
  rounds=$(stats_value "shuffle rounds")
  if [[ -z $rounds ]] || ((rounds <= 1)); then
    fail "$what: shuffle rounds='$rounds', not one value over 1"
    show_stderr
  fi
  echo "$what: shuffle rounds=$rounds"
}

# Both ranks announced map, or mpirun has ended.
mapping_or_ended() {
  at_least 2 map || reaper_gone
}

# rank_of PID: the MPI rank of process PID (Open MPI sets
# OMPI_COMM_WORLD_RANK in each rank's environment), or nothing.
rank_of() {
  tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | sed -n 's/^OMPI_COMM_WORLD_RANK=//p'
}

case $case_name in
  equivalence)
    make_corpus "$work/corpus.txt"
    for ranks in 1 2 4; do
      every_destination sample "$ranks" reduce "$word_count" "$data_dir/sample.txt"
      every_destination corpus "$ranks" reduce "$word_count" "$work/corpus.txt"
    done
    # And the reference itself is right.
    run sample "$word_count" --sequential "$data_dir/sample.txt"
    expect_same "$data_dir/sample.expected" "$out" "word_count --sequential on the sample"
    ;;
  no-combiner)
    make_corpus "$work/corpus.txt"
    for ranks in 1 2 4; do
      every_destination docs "$ranks" reduce "$inverted_index" "$data_dir/docs" "$data_dir/sample.txt"
      # The big text where there is a shuffle (each run of it takes seconds).
      if ((ranks > 1)); then every_destination corpus "$ranks" reduce "$inverted_index" "$work/corpus.txt"; fi
    done
    ;;
  map-only)
    make_corpus "$work/corpus.txt"
    run none-sequential "$grep_lines" --sequential no-such-text "$work/corpus.txt"
    expect_status 0 "grep_lines --sequential with no match"
    for ranks in 1 2 4; do
      every_destination fox "$ranks" map-only "$grep_lines" fox "$work/corpus.txt" "$data_dir/docs"
      every_destination the "$ranks" map-only "$grep_lines" the "$work/corpus.txt"
      # No line matches: empty output, not an error.
      mpi_run "none-mpi$ranks" "$ranks" "$grep_lines" --mpi no-such-text "$work/corpus.txt"
      expect_mpi_success "mpirun -np $ranks grep_lines --mpi with no match"
      if [[ -s $out ]]; then fail "mpirun -np $ranks grep_lines --mpi with no match wrote output"; fi
    done
    ;;
  movie-ratings)
    movies=$data_dir/movies.txt
    make_ratings "$work/ratings.txt" 70000
    same_as_sequential sample 2 "$movie_ratings" -- --movies "$movies" "$data_dir/ratings.txt"
    expect_same "$data_dir/ratings.expected" "$out" "mpirun -np 2 movie_ratings --mpi on the sample"
    same_as_sequential sample-combine 2 "$movie_ratings" -- --combine --movies "$movies" "$data_dir/ratings.txt"
    same_as_sequential big 2 "$movie_ratings" -- --movies "$movies" "$work/ratings.txt"
    same_as_sequential big-combine 2 "$movie_ratings" -- --combine --movies "$movies" "$work/ratings.txt"
    same_as_sequential big-jsonl 2 "$movie_ratings" -- --format jsonl --movies "$movies" "$work/ratings.txt"
    ;;
  tcp)
    make_corpus "$work/corpus.txt"
    for ranks in 2 4; do
      same_as_sequential tcp "$ranks" OMPI_MCA_btl=self,tcp "$word_count" -- "$work/corpus.txt"
      same_as_sequential tcp-reducers "$ranks" OMPI_MCA_btl=self,tcp "$word_count" -- \
        --reducers 3 "$work/corpus.txt"
      same_as_sequential tcp-index "$ranks" OMPI_MCA_btl=self,tcp "$inverted_index" -- "$work/corpus.txt"
      # Many rounds: the reference is the plain one's (--mpi-round-size is
      # for --mpi only).
      mpi_run "tcp-rounds-$ranks" "$ranks" OMPI_MCA_btl=self,tcp "$word_count" --mpi --mpi-round-size 1K \
        "$work/corpus.txt"
      expect_mpi_success "mpirun -np $ranks (TCP) word_count --mpi --mpi-round-size 1K"
      expect_same "$work/tcp.expected" "$out" "mpirun -np $ranks (TCP) word_count --mpi --mpi-round-size 1K"
    done
    ;;
  rounds)
    # Word counts (combined: some 100 KB a rank to send) in 64-byte rounds;
    # the inverted index (13 MB, every value) in 64K rounds, and a small
    # one in 64-byte rounds.
    make_corpus "$work/corpus.txt"
    reference corpus "$word_count" "$work/corpus.txt"
    reference corpus-index "$inverted_index" "$work/corpus.txt"
    reference small-index "$inverted_index" "$data_dir/docs" "$data_dir/sample.txt"
    for ranks in 2 4; do
      in_rounds corpus "$ranks" 64 "$word_count" "$work/corpus.txt"
      in_rounds corpus-index "$ranks" 64K "$inverted_index" "$work/corpus.txt"
      in_rounds small-index "$ranks" 64 "$inverted_index" "$data_dir/docs" "$data_dir/sample.txt"
    done
    ;;
  stats-once)
    make_corpus "$work/corpus.txt"
    run reference "$word_count" --sequential --stats "$work/corpus.txt"
    expect_status 0 "word_count --sequential --stats (the reference run)"
    mv "$out" "$work/reference.tsv"
    lines=$(stats_value "input lines")
    if [[ $lines != "$(wc -l <"$work/corpus.txt")" ]]; then
      fail "word_count --sequential --stats counts input lines=$lines, wc -l $(wc -l <"$work/corpus.txt")"
    fi
    for ranks in 2 4; do
      mpi_run "stats-$ranks" "$ranks" "$word_count" --mpi --stats "$work/corpus.txt"
      expect_status 0 "mpirun -np $ranks word_count --mpi --stats"
      expect_same "$work/reference.tsv" "$out" "mpirun -np $ranks word_count --mpi --stats"
      expect_counted_once "$ranks" "mpirun -np $ranks word_count --mpi --stats"
      counted=$(stats_value "input lines")
      if [[ $counted != "$lines" ]]; then
        fail "mpirun -np $ranks word_count --mpi --stats: input lines='$counted', --sequential counts $lines"
        show_stderr
      fi
    done
    ;;
  mapper-throws)
    # 70 000 lines (3.4 MB, 64 map tasks); line 63 001 is malformed: in map
    # task 57 (from 0), in the second half and odd, so rank 1's at N = 2
    # whether ranks take halves or turns.
    bad=63001
    input=$work/ratings.txt
    make_ratings "$input" 70000 "$bad"
    movies=$data_dir/movies.txt
    run reference "$movie_ratings" --sequential --movies "$movies" "$input"
    expect_status 1 "movie_ratings --sequential on the bad line (the reference run)"
    message=$(sed -n 's/^movie_ratings: error: //p' "$err" | head -n 1)
    if [[ $message != "mapper failed on line $bad of $input: malformed JSON"* ]]; then
      fail "movie_ratings --sequential: the error is not about line $bad of $input: $message"
      show_stderr
    fi
    mpi_run throws-2 2 "$movie_ratings" --mpi --movies "$movies" -o "$work/out.tsv" "$input"
    if [[ $status == 0 ]]; then fail "mpirun -np 2 movie_ratings --mpi with a bad line: exit status 0"; fi
    expect_one_error movie_ratings "$message" "mpirun -np 2 movie_ratings --mpi with a bad line"
    if [[ -e $work/out.tsv ]]; then fail "mpirun -np 2 movie_ratings --mpi -o FILE failed and left FILE"; fi
    mpi_run throws-4 4 "$movie_ratings" --mpi --movies "$movies" --output-dir "$work/out" "$input"
    if [[ $status == 0 ]]; then fail "mpirun -np 4 movie_ratings --mpi with a bad line: exit status 0"; fi
    expect_one_error movie_ratings "$message" "mpirun -np 4 movie_ratings --mpi with a bad line"
    if [[ -e $work/out ]]; then fail "mpirun -np 4 movie_ratings --mpi --output-dir DIR failed and left DIR"; fi
    if [[ -n $(find "$work" -name '.out*') ]]; then fail "temporaries left: $(find "$work" -name '.out*')"; fi
    ;;
  missing-input)
    missing=$work/missing.txt
    run reference "$word_count" --sequential "$missing"
    expect_status 1 "word_count --sequential on a missing input (the reference run)"
    message=$(sed -n 's/^word_count: error: //p' "$err" | head -n 1)
    if [[ $message != *"$missing"* ]]; then fail "word_count --sequential: the error does not name $missing: $message"; fi
    mpi_run missing 2 "$word_count" --mpi -o "$work/out.tsv" "$missing"
    if [[ $status == 0 ]]; then fail "mpirun -np 2 word_count --mpi on a missing input: exit status 0"; fi
    expect_one_error word_count "$message" "mpirun -np 2 word_count --mpi on a missing input" any-rank-prefix
    if [[ -e $work/out.tsv ]]; then fail "mpirun -np 2 word_count --mpi -o FILE failed and left FILE"; fi
    ;;
  rank-killed)
    # 2000 lines at 5 ms a line: 5 s a rank if nothing stops it. Rank 1
    # killed, then (another run) rank 0, the one that writes the output.
    input=$work/input.txt
    make_text "$input" 2000 50
    # Last, rank 1 killed with --output-dir: rank 0, stopped by mpirun's
    # SIGTERM, removes the temporary directory every rank writes into.
    for run_case in 1:-o 0:-o 1:--output-dir; do
      victim_rank=${run_case%%:*}
      destination=${run_case#*:}
      started=$work/started
      rm -f "$started"
      mpi_start "killed-$victim_rank$destination" 2 -x MAPREDUCE_TEST_LINE_DELAY_US=5000 \
        -x "MAPREDUCE_TEST_STARTED_FILE=$started" "$slow_job" --mpi "$destination" "$work/out.tsv" "$input"
      wait_until 30 "both ranks inside a map task" mapping_or_ended || true
      if reaper_gone; then fail "mpirun ended before both ranks were inside a map task"; fi
      victim=
      for pid in $(announced map); do
        if [[ $(rank_of "$pid") == "$victim_rank" ]]; then victim=$pid; fi
      done
      if [[ -n $victim ]]; then
        killed_at=${EPOCHREALTIME/./}
        kill -KILL "$victim"
        finish_job 60
        echo "rank $victim_rank killed; mpirun ended $(((${EPOCHREALTIME/./} - killed_at) / 1000)) ms later, status $status"
      else
        fail "no process that announced map has OMPI_COMM_WORLD_RANK=$victim_rank ($(announced map | tr '\n' ' '))"
        finish_job 60
      fi
      if [[ $status == 0 ]]; then fail "mpirun -np 2 slow_job --mpi with rank $victim_rank killed: exit status 0"; fi
      if [[ -e $work/out.tsv ]]; then
        fail "mpirun -np 2 slow_job --mpi $destination with rank $victim_rank killed left $work/out.tsv"
      fi
      leftover=$(find "$work" -maxdepth 1 -name '.out.tsv.tmp-*' | head -3)
      if [[ -n $leftover ]]; then
        fail "mpirun -np 2 slow_job --mpi $destination with rank $victim_rank killed left $leftover"
      fi
      rm -rf "$work/out.tsv"
    done
    ;;
  no-launcher)
    run no-launcher "$word_count" --mpi -o "$work/out.tsv" "$data_dir/sample.txt"
    expect_status 2 "word_count --mpi without mpirun"
    grep -qF "needs an MPI launcher" "$err" || fail "word_count --mpi without mpirun does not say it needs an MPI launcher"
    grep -qF "mpirun" "$err" || fail "word_count --mpi without mpirun does not name mpirun"
    if [[ -s $out || -e $work/out.tsv ]]; then fail "word_count --mpi without mpirun wrote output"; fi
    ;;
  usage)
    sample=$data_dir/sample.txt
    mpi_run usage-p 2 "$word_count" --mpi -p 2 "$sample"
    expect_usage_once "mpirun -np 2 word_count --mpi -p 2" --mpi --processes
    mpi_run usage-processes 2 "$word_count" --mpi --processes=2 "$sample"
    expect_usage_once "mpirun -np 2 word_count --mpi --processes=2" --mpi --processes
    mpi_run usage-sequential 2 "$word_count" --mpi --sequential "$sample"
    expect_usage_once "mpirun -np 2 word_count --mpi --sequential" --mpi --sequential
    mpi_run usage-stdin 2 "$word_count" --mpi -
    expect_usage_once "mpirun -np 2 word_count --mpi -" --mpi "standard input"
    mpi_run usage-max-attempts 2 "$word_count" --mpi --max-attempts 2 "$sample"
    expect_usage_once "mpirun -np 2 word_count --mpi --max-attempts 2" --mpi --max-attempts
    mpi_run usage-task-timeout 2 "$word_count" --mpi --task-timeout 5 "$sample"
    expect_usage_once "mpirun -np 2 word_count --mpi --task-timeout 5" --mpi --task-timeout
    mpi_run usage-stream-map 2 "$word_count" --mpi --stream-map "$sample"
    expect_usage_once "mpirun -np 2 word_count --mpi --stream-map" --mpi --stream-map
    mpi_run usage-stream-reduce 2 "$word_count" --mpi --stream-reduce "$sample"
    expect_usage_once "mpirun -np 2 word_count --mpi --stream-reduce" --mpi --stream-reduce
    run round-size "$word_count" --mpi-round-size 1K "$sample"
    expect_usage_once "word_count --mpi-round-size 1K (no --mpi)" --mpi-round-size
    if grep -q "unrecognised option" "$err"; then fail "word_count does not know --mpi-round-size"; fi
    ;;
  foreign-launcher)
    # MPICH's launcher sets PMI_SIZE and PMI_RANK; Open MPI would start each
    # such process as a job of its own.
    run foreign-launcher env PMI_SIZE=2 PMI_RANK=0 "$word_count" --mpi -o "$work/out.tsv" "$data_dir/sample.txt"
    expect_status 2 "word_count --mpi under another MPI's launcher"
    grep -qF "another launcher started it (PMI_SIZE=2)" "$err" ||
      fail "word_count --mpi under another MPI's launcher does not say so: $(head -c 300 "$err")"
    grep -qF "mpirun" "$err" || fail "word_count --mpi under another MPI's launcher does not name mpirun"
    if [[ -s $out || -e $work/out.tsv ]]; then fail "word_count --mpi under another MPI's launcher wrote output"; fi
    ;;
  out-of-memory)
    # Skewed: the first half (rank 0's) has ten words a line, the second one
    # long word, so rank 1's own map output is small but what rank 0 sends
    # it (8 MiB with --reducers 2) is over the limit.
    awk 'BEGIN { srand(5)
      for (i = 0; i < 25000; i++) { l = "w" int(rand() * 3000); for (j = 0; j < 9; j++) l = l " w" int(rand() * 3000); print l }
      for (k = 0; k < 30; k++) t = t "abcdefghij"
      for (i = 0; i < 5000; i++) print t i }' >"$work/skewed.txt"
    mpi_run out-of-memory 2 -x "LD_PRELOAD=$fail_large_allocations" -x FAIL_RANK=1 -x FAIL_OVER=3000000 \
      "$inverted_index" --mpi --reducers 2 -o "$work/out.tsv" "$work/skewed.txt"
    expect_status 1 "mpirun -np 2 inverted_index --mpi with rank 1 out of memory"
    grep "^inverted_index: error: " "$err" || true
    errors=$(grep -c "^inverted_index: error: " "$err" || true)
    if ((errors != 1)); then
      fail "mpirun -np 2 inverted_index --mpi with rank 1 out of memory: $errors error lines, not 1"
      show_stderr
    fi
    grep -qE "^inverted_index: error: rank 1 on .*: out of memory: cannot grow a buffer of intermediate records from 0 " "$err" ||
      fail "mpirun -np 2 inverted_index --mpi with rank 1 out of memory: the error does not name rank 1 and the cause"
    if [[ -e $work/out.tsv ]]; then fail "mpirun -np 2 inverted_index --mpi with rank 1 out of memory wrote output"; fi
    ;;
  without-mpi)
    mpi_run without-mpi 2 "$word_count" -o "$work/out.tsv" "$data_dir/sample.txt"
    expect_usage_once "mpirun -np 2 word_count (no --mpi)" "started 2 ranks" "without --mpi" "add --mpi"
    if [[ -e $work/out.tsv ]]; then fail "mpirun -np 2 word_count without --mpi wrote output"; fi
    ;;
  *) unknown_case ;;
esac
finish
