#!/usr/bin/env bash
# reliability.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Signals other than SIGINT and SIGTERM, more inputs than a fixed table holds,
# files whose size says nothing of their content, and how -o names its file.
#
# Cases:
#   signal-hup, signal-quit, signal-pipe, signal-alrm, signal-usr1, signal-usr2
#                  the signal to the parent alone of slow_job -p 2 --output-dir
#                  DIR while both workers are inside a map task: exit status
#                  128 + N, neither DIR nor a .DIR.tmp-XXXXXX left, no worker
#                  left, and one line "slow_job: terminated by SIGHUP" (SIGQUIT,
#                  ...) on standard error, nothing for SIGPIPE (what `| head`
#                  sends)
#   signal-hup-output-file
#                  the same with -o FILE over an old FILE: FILE keeps its old
#                  content, no .FILE.tmp-XXXXXX is left
#   signal-hup-inherited-ignored
#                  slow_job started with SIGHUP ignored keeps it ignored: a
#                  SIGHUP mid-job changes nothing, status 0, the full output
#   many-inputs-truncated, many-inputs-truncated-stream-map
#                  1500 inputs, given as 1500 arguments; the last, f1500 (3 MB),
#                  is truncated to 0 bytes while --sequential (--stream-map)
#                  reads it: status 1 and one line "slow_job: error: input
#                  .../f1500 changed while the job was reading it (...)", never
#                  a SIGBUS death (status 135) or a success
#   proc-input     /proc/version, then it and /proc/filesystems (files that say
#                  they are empty and are not): the output of the same bytes
#                  through a pipe, not empty, status 0, with every engine
#   sys-input      a /sys file (which cannot be mapped): the same
#   empty-file     an empty regular file: empty output, status 0
#   output-new-file-no-rename
#                  -o FILE where FILE does not exist, under strace: the
#                  finished output is linked (linkat) straight under FILE,
#                  never under a .FILE.tmp-XXXXXX name; the output is right
#   signal-usr2-group-while-forking, signal-hup-group-while-forking
#                  the signal to word_count -p 16's process group while it
#                  forks: one line, status 128 + N, nothing left, 20 times
#   signal-segv-worker-while-forking
#                  SIGSEGV to a worker the moment it exists: retried, exit 0,
#                  correct output, nothing on standard error, 20 times
#                  (both through signal_at_fork.py, which polls fast enough to
#                  hit the window between a worker's fork and its own handlers)
#   output-existing-file-renamed
#                  -o FILE over an old FILE, under strace: a rename from
#                  .FILE.tmp-XXXXXX onto FILE (the window that remains), and
#                  FILE holds the new output
# The strace cases are skipped (status 77) without strace, which tools/setup
# installs, or where the output's directory cannot hold an unnamed file.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

# terminate_slow_job SIGNAL DESTINATION: DESTINATION is dir (--output-dir
# DIR, DIR new) or file (-o FILE over an old FILE).
terminate_slow_job() {
  local signal=$1 destination=$2
  local input=$work/input.txt number
  number=$(kill -l "$signal")
  # Two map tasks of 750 lines; at 5 ms a line the job would run for 4 s.
  make_text "$input" 1500 250
  local -a destination_option=(--output-dir "$work/outdir")
  if [[ $destination == file ]]; then
    printf 'old output\n' >"$work/out.tsv"
    destination_option=(-o "$work/out.tsv")
  fi
  # SIGQUIT's default action dumps core: not into the test's directory.
  ulimit -c 0
  # At its default: a script's background job starts with SIGQUIT ignored
  # (and SIGINT, which the subreaper restores), and an ignored signal must
  # stay ignored.
  start job env --default-signal="$signal" MAPREDUCE_TEST_LINE_DELAY_US=5000 \
    MAPREDUCE_TEST_STARTED_FILE="$work/started" "$slow_job" -p 2 "${destination_option[@]}" "$input"
  wait_until 20 "2 processes inside a map task" at_least 2 map
  kill -s "$signal" "$job_pid"
  finish_job 10
  expect_status $((128 + number)) "slow_job -p 2 ${destination_option[*]} after SIG$signal to the parent"
  if [[ $signal == PIPE ]]; then
    expect_stderr_empty
  else
    expect_stderr_line "slow_job: terminated by SIG$signal"
  fi
  if [[ $destination == file ]]; then
    expect_content "$work/out.tsv" $'old output\n' "the existing output file"
  elif [[ -e $work/outdir ]]; then
    fail "the output directory was created: $(find "$work/outdir" | head -c 500)"
  fi
  if [[ -s $out ]]; then fail "something was written to standard output"; fi
  # cli_finish checks for .outdir.tmp-* and .out.tsv.tmp-* and for workers.
}

# signal_group_while_forking SIGNAL: SIGNAL to word_count's whole process
# group while it forks 16 workers: a worker that gets it before it has dropped
# the parent's handlers must not act as the parent (kill its siblings, print
# a second line). Racy by nature, so tried 20 times; each try must be clean.
signal_group_while_forking() {
  local signal=$1 number input=$work/numbers.txt
  number=$(kill -l "$signal")
  seq 1 2000000 >"$input"
  python3 "$(dirname "$0")/signal_at_fork.py" group "$signal" 20 $((128 + number)) \
    "word_count: terminated by SIG$signal\\n" -- "$word_count" -p 16 -o "$work/out.tsv" "$input" ||
    fail "SIG$signal to word_count -p 16's process group during the forks"
}

# The resident size in kB of the mapping of FILE in the job's process, from
# /proc/PID/smaps; empty when the file is not mapped.
mapped_kb() {
  awk -v file="$1" '
    /^[0-9a-f]+-[0-9a-f]+ / { here = ($NF == file); next }
    here && $1 == "Rss:" { print $2; exit }' "/proc/$job_pid/smaps" 2>/dev/null || true
}

# more_mapped_than FILE KB: more than KB kB of FILE's mapping are resident.
more_mapped_than() {
  local kb
  kb=$(mapped_kb "$1")
  [[ -n $kb ]] && ((kb > $2))
}

# truncate_last_of_many ENGINE_OPTION...: 1499 small inputs and a 3 MB one,
# f1500, which is truncated once the job is reading it.
truncate_last_of_many() {
  local dir=$work/in i name
  mkdir "$dir"
  local -a inputs=()
  for ((i = 1; i < 1500; i++)); do
    printf -v name 'f%04d' "$i"
    printf 'alpha %d beta\ngamma delta %d\n' "$i" "$i" >"$dir/$name"
    inputs+=("$dir/$name")
  done
  local last=$dir/f1500
  # 300 000 lines (29 MB) in about 64 map tasks of 460 KB, whose boundaries
  # the cut touches far enough apart that the pages the kernel maps around
  # them are a small part of the file: at 200 us a line, a minute to read;
  # the 1499 small files before it take about 1 s.
  make_text "$last" 300000 20
  inputs+=("$last")
  touch -d '1 hour ago' "$last"
  local size
  size=$(file_size "$last")
  start job env MAPREDUCE_TEST_LINE_DELAY_US=200 MAPREDUCE_TEST_STARTED_FILE="$work/started" \
    "$slow_job" "$@" "${inputs[@]}"
  wait_until 20 "the job inside its first map task" at_least 1 map
  # Splitting f1500 into tasks touched the pages at their boundaries, before
  # the first mapper call; more of it resident means the job is reading it.
  local before
  before=$(mapped_kb "$last")
  if [[ -z $before ]]; then
    fail "$last is not mapped by the job"
    before=0
  fi
  wait_until 20 "the job reading $last" more_mapped_than "$last" "$before" || true
  : >"$last"
  finish_job 20
  if [[ $status == 135 ]]; then fail "slow_job $* died of SIGBUS"; fi
  expect_status 1 "slow_job $* with the last of 1500 inputs truncated"
  local changed="slow_job: error: input $last changed while the job was reading it"
  if [[ $(wc -l <"$err") -ne 1 ]] || ! grep -qF "$changed" "$err"; then
    fail "standard error is not one line \"$changed (...)\" ($size bytes before)"
    show_stderr
  fi
}

# The engines the /proc and empty inputs are read with.
engines=(--sequential "--processes=2")

# counts_like_pipe FILE...: word_count FILE... gives what word_count gives
# for the same bytes through a pipe, which is not empty.
counts_like_pipe() {
  status=0 out=$work/piped.out err=$work/piped.err
  cat "$@" | reaped "$word_count" --sequential - >"$out" 2>"$err" || status=$?
  expect_status 0 "cat $* | word_count --sequential - (the reference run)"
  if [[ ! -s $out ]]; then fail "cat $* | word_count -: empty output"; fi
  cp "$out" "$work/expected.out"
  local engine
  for engine in "${engines[@]}"; do
    run "proc$engine" "$word_count" "$engine" "$@"
    expect_status 0 "word_count $engine $*"
    expect_stderr_empty
    expect_same "$work/expected.out" "$out" "word_count $engine $*"
  done
}

# traced NAME WORD_COUNT_ARGUMENT...: runs word_count under strace, which
# writes the link, rename and open calls of all its processes to
# $work/NAME.trace. Exits 77 (skipped) without strace, or when the output's
# directory refused an O_TMPFILE file (then the output needs a name at once).
traced() {
  local name=$1
  shift
  if ! command -v strace >/dev/null 2>&1; then
    echo "strace is not installed (tools/setup installs it): skipped"
    exit 77
  fi
  trace=$work/$name.trace
  run "$name" strace -f -qq -o "$trace" -e trace=link,linkat,rename,renameat,renameat2,open,openat \
    "$word_count" "$@"
  if grep -qE "open(at)?\(.*\"$work_pattern\",.*O_TMPFILE.* = -1 E" "$trace"; then
    echo "$work cannot hold an unnamed (O_TMPFILE) file: skipped"
    grep -E 'O_TMPFILE' "$trace"
    exit 77
  fi
}

# show_trace: the link and rename calls of the trace, for a failure.
show_trace() {
  echo "the link and rename calls:" >&2
  grep -E '(link|rename)' "$trace" >&2 || echo "(none)" >&2
}

case $case_name in
  signal-hup) terminate_slow_job HUP dir ;;
  signal-quit) terminate_slow_job QUIT dir ;;
  signal-pipe) terminate_slow_job PIPE dir ;;
  signal-alrm) terminate_slow_job ALRM dir ;;
  signal-usr1) terminate_slow_job USR1 dir ;;
  signal-usr2) terminate_slow_job USR2 dir ;;
  signal-hup-output-file) terminate_slow_job HUP file ;;
  signal-usr2-group-while-forking) signal_group_while_forking USR2 ;;
  signal-hup-group-while-forking) signal_group_while_forking HUP ;;
  signal-segv-worker-while-forking)
    # SIGSEGV sent to a worker the moment it exists, before it has dropped
    # the parent's handlers: it must die as a worker (and be retried), never
    # run the parent's clean-up or print the parent's message.
    input=$work/numbers.txt
    seq 1 2000000 >"$input"
    word_counts "$input" >"$work/expected"
    python3 "$(dirname "$0")/signal_at_fork.py" worker SEGV 20 0 "" --same "$work/out.tsv" "$work/expected" \
      -- "$word_count" -p 2 -o "$work/out.tsv" "$input" || fail "SIGSEGV to a new worker of word_count -p 2"
    ;;
  signal-hup-inherited-ignored)
    input=$work/input.txt
    # Two map tasks of 400 lines: 2 s at 5 ms a line.
    make_text "$input" 800 300
    run reference "$word_count" --sequential "$input"
    expect_status 0 "word_count --sequential (the reference run)"
    cp "$out" "$work/expected.out"
    # env execs slow_job with SIGHUP ignored, as nohup would leave it.
    start job env --ignore-signal=HUP MAPREDUCE_TEST_LINE_DELAY_US=5000 \
      MAPREDUCE_TEST_STARTED_FILE="$work/started" "$slow_job" -p 2 "$input"
    wait_until 20 "2 processes inside a map task" at_least 2 map
    kill -s HUP "$job_pid"
    # Still at work after the signal, or the case would prove nothing.
    if reaper_gone || [[ $(announced reduce) ]]; then
      fail "slow_job was done with its map tasks when SIGHUP came; the case proves nothing"
    fi
    finish_job 20
    expect_status 0 "slow_job -p 2 with SIGHUP ignored, after a SIGHUP"
    expect_stderr_empty
    expect_same "$work/expected.out" "$out" "slow_job's output after the ignored SIGHUP"
    ;;
  many-inputs-truncated) truncate_last_of_many --sequential ;;
  many-inputs-truncated-stream-map) truncate_last_of_many --stream-map ;;
  proc-input)
    counts_like_pipe /proc/version
    counts_like_pipe /proc/version /proc/filesystems
    ;;
  sys-input)
    # sysfs files claim a size of a page and cannot be mapped.
    [[ -r /sys/kernel/mm/transparent_hugepage/enabled ]] || exit 77
    counts_like_pipe /sys/kernel/mm/transparent_hugepage/enabled
    ;;
  empty-file)
    input=$work/empty.txt
    : >"$input"
    for engine in "${engines[@]}"; do
      run "empty$engine" "$word_count" "$engine" "$input"
      expect_status 0 "word_count $engine on an empty file"
      expect_stderr_empty
      if [[ -s $out ]]; then fail "word_count $engine on an empty file: the output is not empty"; fi
    done
    ;;
  output-new-file-no-rename)
    input=$work/input.txt
    make_text "$input" 200 20
    word_counts "$input" >"$work/expected.out"
    traced new -p 2 -o "$work/new.tsv" "$input"
    expect_status 0 "word_count -p 2 -o NEW under strace"
    expect_stderr_empty
    expect_same "$work/expected.out" "$work/new.tsv" "the output file"
    if ! grep -qE "linkat\(.*, \"($work_pattern/)?new\\.tsv\", [^\"]*\) = 0\$" "$trace"; then
      fail "no linkat gave the finished output its final name $work/new.tsv"
      show_trace
    fi
    if grep -qE '(link|linkat|rename|renameat|renameat2)\(.*\.new\.tsv\.tmp-' "$trace"; then
      fail "the output got a temporary name before its final one:"
      grep -E '\.new\.tsv\.tmp-' "$trace" >&2
    fi
    ;;
  output-existing-file-renamed)
    input=$work/input.txt
    make_text "$input" 200 20
    word_counts "$input" >"$work/expected.out"
    printf 'old output\n' >"$work/new.tsv"
    traced existing -p 2 -o "$work/new.tsv" "$input"
    expect_status 0 "word_count -p 2 -o OLD under strace"
    expect_stderr_empty
    expect_same "$work/expected.out" "$work/new.tsv" "the output file"
    temporary="\"($work_pattern/)?\\.new\\.tsv\\.tmp-[A-Za-z0-9]{6}\""
    final="\"($work_pattern/)?new\\.tsv\""
    if ! grep -qE "rename(at2?)?\(([^\"]*, )?$temporary, ([^\"]*, )?$final(, [^\"]*)?\) = 0\$" "$trace"; then
      fail "no rename from a .new.tsv.tmp-XXXXXX name onto $work/new.tsv"
      show_trace
    fi
    ;;
  *) unknown_case ;;
esac
cli_finish
