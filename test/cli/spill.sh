#!/usr/bin/env bash
# spill.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR INVERTED_INDEX
#
# Spilling past --memory-limit into --spill-dir, from the command line.
#
# Cases:
#   equivalence    word_count (a combiner, in any order), inverted_index
#                  (no combiner, sorted values) and movie_ratings (averages
#                  summed in input order) with --memory-limit 4K at
#                  --sequential, -p 1 and -p 4, on generated inputs and on
#                  examples/data: the plain run's output byte for byte (and
#                  word_count's the tr | sort | uniq -c count), status 0,
#                  nothing on standard error, the spill directory empty
#                  after every run
#   stats          --stats with --memory-limit 1K shows "spilled bytes",
#                  "spilled runs" and "merge passes", each above 0, at
#                  --sequential and -p 3; without --memory-limit none of them
#   bad-size       --memory-limit 0, 12, 1023 and x, and --spill-dir '':
#                  status 2, the first line of standard error an error naming
#                  the option and the value, then the --help hint; nothing on
#                  standard output
#   missing-dir    --spill-dir naming a missing directory (and a regular
#                  file): with --memory-limit 1K, status 1, one error line
#                  naming the directory, no -o file left (an existing one
#                  untouched); with a limit the job fits in, the directory is
#                  never needed: status 0 and the plain output
#   no-room        --spill-dir on a 64 KiB tmpfs (mounted as root, or else in
#                  a user and mount namespace, unshare -rm; skipped when
#                  neither can be done) and an input whose spill is larger,
#                  at --sequential and -p 2: status 1, one error line "the
#                  spill directory DIR has no room for N more bytes ...", no
#                  -o file, the tmpfs empty (no entry, no block in use)
#                  afterwards
#   parent-killed  inverted_index --memory-limit 1K -p 2 on a few MB, the
#                  parent killed with SIGKILL once both workers are at work:
#                  while it runs the spill directory has no entry although
#                  the workers hold spill files open in it (unlinked); after
#                  the kill the workers are gone (each killed by SIGKILL with
#                  its parent, none left running), the spill directory is
#                  empty, no -o file and no temporary is left
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
if [[ $# -ne 7 ]]; then
  echo "usage: $0 CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR INVERTED_INDEX" >&2
  exit 2
fi
inverted_index=$7
cli_init "${@:1:6}"

spill=$work/spill
mkdir "$spill"

# expect_spill_empty WHAT: the spill directory has no entry.
expect_spill_empty() {
  local left
  left=$(ls -A "$spill")
  if [[ -n $left ]]; then fail "$1: the spill directory holds: $left"; fi
}

# counter NAME: the value of the engine counter NAME in $err (--stats), or
# nothing when it is not there.
counter() {
  sed -n "s/^    $1=\\([0-9]*\\)\$/\\1/p" "$err"
}

# same_as_plain NAME PROGRAM ENGINE INPUT...: PROGRAM --memory-limit 4K
# writes what PROGRAM writes without it, at ENGINE (one word).
same_as_plain() {
  local name=$1 program=$2 engine=$3
  shift 3
  run "$name-plain" "$program" "$engine" "$@"
  expect_status 0 "$(basename "$program") $engine (without a limit)"
  cp "$out" "$work/$name-plain.tsv"
  run "$name-limited" "$program" "$engine" --memory-limit 4K --spill-dir "$spill" --stats "$@"
  expect_status 0 "$(basename "$program") $engine --memory-limit 4K"
  expect_same "$work/$name-plain.tsv" "$out" "$(basename "$program") $engine --memory-limit 4K against the plain run"
  if [[ -z $(counter "spilled runs") ]]; then
    fail "$(basename "$program") $engine --memory-limit 4K: no spilled runs counted, so nothing was spilled"
    show_stderr
  fi
  if grep -v '^counters:$\|^  mapreduce$\|^    [A-Za-z ]*=[0-9]*$' "$err" >&2; then
    fail "$(basename "$program") $engine --memory-limit 4K: standard error has more than the counters"
  fi
  expect_spill_empty "$(basename "$program") $engine --memory-limit 4K"
}

case $case_name in
  equivalence)
    input=$work/input.txt
    make_text "$input" 4000 12 # about 230 KB: 64 map tasks
    word_counts "$input" >"$work/expected.tsv"
    # Ratings of the catalogue's movies with many digits: an average summed
    # in another order than input order shows in its last digits.
    ratings=$work/ratings.txt
    awk 'BEGIN {
      split("1 2 3 4 5 6 8 10", ids, " ")
      for (i = 0; i < 20000; i++)
        printf "{\"user_id\": %d, \"movie_id\": %d, \"rating\": %.7f}\n", i, ids[i % 8 + 1], (i * 7919 % 99991) / 9999.1
    }' >"$ratings"
    for engine in --sequential -p1 -p4; do
      same_as_plain "wc$engine" "$word_count" "$engine" "$input"
      expect_same "$work/expected.tsv" "$out" "word_count $engine --memory-limit 4K against tr | sort | uniq -c"
      same_as_plain "ii$engine" "$inverted_index" "$engine" "$input"
      same_as_plain "ii-data$engine" "$inverted_index" "$engine" "$data_dir/docs" "$data_dir/sample.txt"
      same_as_plain "mr$engine" "$movie_ratings" "$engine" --movies "$data_dir/movies.txt" "$ratings"
    done
    ;;
  stats)
    input=$work/input.txt
    make_text "$input" 2000 10
    for engine in --sequential -p3; do
      run "stats$engine" "$inverted_index" "$engine" --memory-limit 1K --spill-dir "$spill" --stats "$input"
      expect_status 0 "inverted_index $engine --memory-limit 1K --stats"
      for name in "spilled bytes" "spilled runs" "merge passes"; do
        value=$(counter "$name")
        if [[ -z $value ]] || ((value <= 0)); then
          fail "inverted_index $engine --memory-limit 1K --stats: no '$name' above 0"
          show_stderr
        fi
      done
      # The spilled bytes are the intermediate bytes: nothing was kept.
      bytes=$(counter "spilled bytes")
      intermediate=$(counter "intermediate bytes")
      if [[ -n $bytes && -n $intermediate ]] && ((bytes > intermediate)); then
        fail "inverted_index $engine: spilled bytes $bytes over the intermediate bytes $intermediate"
      fi
      expect_spill_empty "inverted_index $engine --memory-limit 1K --stats"
      run "plain$engine" "$inverted_index" "$engine" --stats "$input"
      expect_status 0 "inverted_index $engine --stats"
      if grep -E '^    (spilled bytes|spilled runs|merge passes)=' "$err" >&2; then
        fail "inverted_index $engine --stats without a limit shows spill counters"
      fi
    done
    ;;
  bad-size)
    input=$work/input.txt
    make_text "$input" 100 5
    for size in 0 12 1023 x 4Q -5; do
      run "size$size" "$word_count" --memory-limit "$size" "$input"
      expect_status 2 "word_count --memory-limit $size"
      first=$(head -n 1 "$err")
      if [[ $first != "word_count: error: --memory-limit "*"'$size'" ]]; then
        fail "word_count --memory-limit $size: the error does not name --memory-limit and '$size': $first"
      fi
      grep -q "Try 'word_count --help'" "$err" || fail "word_count --memory-limit $size: no hint of --help"
      if [[ -s $out ]]; then fail "word_count --memory-limit $size wrote output"; fi
    done
    run "at-least" "$word_count" --memory-limit 12 "$input"
    grep -q 'at least 1K' "$err" || fail "--memory-limit 12: the error does not give the minimum, 1K"
    run empty-dir "$word_count" --spill-dir '' "$input"
    expect_status 2 "word_count --spill-dir ''"
    if [[ $(head -n 1 "$err") != "word_count: error: --spill-dir needs a directory, not ''" ]]; then
      fail "word_count --spill-dir '': not the expected error"
      show_stderr
    fi
    # The smallest limit is taken.
    run smallest "$word_count" --memory-limit 1024 --spill-dir "$spill" "$input"
    expect_status 0 "word_count --memory-limit 1024"
    ;;
  missing-dir)
    input=$work/input.txt
    make_text "$input" 2000 10
    run plain "$inverted_index" --sequential "$input"
    cp "$out" "$work/plain.tsv"
    printf 'x\n' >"$work/a-file"
    for directory in "$work/missing" "$work/a-file"; do
      for engine in --sequential -p2; do
        what="inverted_index $engine --spill-dir $directory"
        run "fits$engine" "$inverted_index" "$engine" --memory-limit 1G --spill-dir "$directory" "$input"
        expect_status 0 "$what --memory-limit 1G (the directory never needed)"
        expect_same "$work/plain.tsv" "$out" "$what --memory-limit 1G"
        rm -f "$work/out.tsv"
        run "spills$engine" "$inverted_index" "$engine" --memory-limit 1K --spill-dir "$directory" \
          -o "$work/out.tsv" "$input"
        expect_status 1 "$what --memory-limit 1K"
        if [[ $(wc -l <"$err") -ne 1 ]] || ! grep -qF "error: cannot create a spill file in $directory" "$err"; then
          fail "$what --memory-limit 1K: not one error line naming the directory"
          show_stderr
        fi
        if [[ -e $work/out.tsv ]]; then fail "$what --memory-limit 1K left an output file"; fi
        printf 'old output\n' >"$work/out.tsv"
        run "spills-over$engine" "$inverted_index" "$engine" --memory-limit 1K --spill-dir "$directory" \
          -o "$work/out.tsv" "$input"
        expect_status 1 "$what --memory-limit 1K, over an existing output file"
        expect_content "$work/out.tsv" $'old output\n' "the existing output file"
      done
    done
    [[ ! -e $work/missing ]] || fail "the missing spill directory was created"
    ;;
  no-room)
    tmpfs=$work/tmpfs
    mkdir "$tmpfs"
    input=$work/input.txt
    make_text "$input" 20000 10 # about 1.2 MB: MBs of spilled occurrences
    # How the jobs get a 64 KiB tmpfs: mounted here (as root), or in a user
    # and mount namespace of their own, which ends with them.
    # shellcheck disable=SC2016 # "$0" is the inner shell's
    if mount -t tmpfs -o size=64k tmpfs "$tmpfs" 2>/dev/null; then
      trap 'umount "$tmpfs" 2>/dev/null || true; cli_cleanup' EXIT
      namespace=()
    elif unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs "$0"' "$tmpfs" 2>/dev/null; then
      namespace=(unshare -rm)
    else
      echo "cannot mount a tmpfs (not root, no user namespaces): skipped"
      exit 77
    fi
    # In the namespace (or not): mount the tmpfs unless it is, run the job,
    # then record what the tmpfs holds: its entries, and its blocks in use.
    # shellcheck disable=SC2016 # expanded by the inner shell
    script='dir=$1 after=$2
      shift 2
      if ! mountpoint -q "$dir"; then mount -t tmpfs -o size=64k tmpfs "$dir" || exit 125; fi
      status=0
      "$@" || status=$?
      { ls -A "$dir"; stat -f -c "blocks in use: %b %f" "$dir"; } >"$after"
      exit $status'
    for engine in --sequential -p2; do
      what="inverted_index $engine --memory-limit 4K --spill-dir on a 64 KiB tmpfs"
      run "full$engine" "${namespace[@]}" bash -c "$script" no-room "$tmpfs" "$work/after$engine" \
        "$inverted_index" "$engine" --memory-limit 4K --spill-dir "$tmpfs" -o "$work/out.tsv" "$input"
      expect_status 1 "$what"
      if [[ $(wc -l <"$err") -ne 1 ]] ||
        ! grep -qE "^inverted_index: error: the spill directory $tmpfs has no room for [0-9]+ more bytes " "$err"; then
        fail "$what: not one error line saying the spill directory has no room"
        show_stderr
      fi
      if [[ -e $work/out.tsv ]]; then fail "$what left an output file"; fi
      after=$(<"$work/after$engine")
      read -r _ _ _ total free <<<"${after##*$'\n'}"
      if [[ $after != "blocks in use: "* ]]; then
        fail "$what: the tmpfs is not empty afterwards: $after"
      elif [[ $total != "$free" ]]; then
        fail "$what: the tmpfs still has blocks in use afterwards: $after"
      fi
    done
    if [[ ${#namespace[@]} -eq 0 ]]; then
      umount "$tmpfs" || fail "cannot unmount the tmpfs"
      trap cli_cleanup EXIT
    fi
    ;;
  parent-killed)
    input=$work/input.txt
    make_text "$input" 50000 10 # about 3 MB: seconds of spilling at 1K
    start job "$inverted_index" -p 2 --memory-limit 1K --spill-dir "$spill" -o "$work/out.tsv" "$input"
    wait_until 20 "inverted_index's two workers at work" has_busy_children "$job_pid" 2
    sleep 0.3
    if reaper_gone; then fail "the job ended before the kill: the case proves nothing"; fi
    workers=$(children_of "$job_pid")
    open_in_spill=0
    for pid in $workers; do
      for fd in "/proc/$pid/fd"/*; do
        target=$(readlink "$fd" 2>/dev/null) || continue
        if [[ $target == "$spill/"* ]]; then
          open_in_spill=$((open_in_spill + 1))
          break
        fi
      done
    done
    ((open_in_spill > 0)) || fail "no worker holds a file open in the spill directory"
    expect_spill_empty "while the job runs (its spill files are unlinked)"
    kill -KILL "$job_pid"
    finish_job 20
    expect_status 137 "inverted_index killed with SIGKILL"
    # The subreaper inherits the orphaned workers; each must have died of
    # SIGKILL with its parent, not run on until the subreaper's 5 s limit.
    if grep -v '; killed by signal 9$' "$report" >&2 || grep 'still running' "$report" >&2; then
      fail "processes other than killed workers were left behind"
    fi
    for pid in $workers; do
      grep -q "^pid $pid .*; killed by signal 9\$" "$report" || fail "worker $pid did not die of SIGKILL with its parent"
    done
    cat "$report"
    : >"$report"
    expect_spill_empty "the parent was killed"
    if [[ -e $work/out.tsv ]]; then fail "the killed job left an output file"; fi
    ;;
  *) unknown_case ;;
esac
cli_finish
