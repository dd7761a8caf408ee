# shellcheck shell=bash
# lib.sh: what the cli test scripts share; sourced, not run. A script does
#
#   source "$(dirname "$0")/lib.sh"
#   cli_init "$@"   # CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#   case $case_name in ...) run/start ... expect_... ;; esac
#   cli_finish      # the checks every case ends with; exits 1 if any failed
#
# Every job runs under the subreaper helper, which reports any process the
# job leaves behind, zombie or alive, to $report. cli_finish then checks that
# nothing was left: no process at all, no process whose command line names
# this case's directory (workers are forks with the job's command line), no
# new /dev/shm entry and no temporary output file (.NAME.tmp-XXXXXX).
#
# A failed check prints "FAIL: ..." and the case goes on, so that one run
# shows everything that is wrong.

set -euo pipefail
export LC_ALL=C
# The slow job's knobs must come from the cases, not the caller.
unset MAPREDUCE_TEST_LINE_DELAY_US MAPREDUCE_TEST_KEY_DELAY_US MAPREDUCE_TEST_STARTED_FILE

failures=0
reaper_pid=
job_pid=
status=
out=
err=

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

cli_cleanup() {
  if [[ -n $reaper_pid ]] && kill -0 "$reaper_pid" 2>/dev/null; then
    # The subreaper kills the job's process group on SIGTERM.
    kill -TERM "$reaper_pid" 2>/dev/null || true
    wait "$reaper_pid" 2>/dev/null || true
  fi
  if [[ -n ${work:-} ]]; then rm -rf "$work"; fi
}

cli_init() {
  if [[ $# -ne 6 ]]; then
    echo "usage: $0 CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR" >&2
    exit 2
  fi
  # shellcheck disable=SC2034 # used by the scripts that source this file
  case_name=$1 subreaper=$2 word_count=$3 movie_ratings=$4 slow_job=$5 data_dir=$6
  work=$(mktemp -d "${TMPDIR:-/tmp}/mapreduce-cli.XXXXXXXX")
  trap cli_cleanup EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  report=$work/leftover-processes
  : >"$report"
  # A regular expression for the directory that does not match itself, so
  # that grep does not find its own command line.
  work_pattern=${work//./[.]}
  shm_before=$(ls -A /dev/shm 2>/dev/null || true)
  echo "case $case_name in $work"
}

# Runs COMMAND... under the subreaper, in the foreground; stdio as the caller
# redirects it.
reaped() {
  "$subreaper" "$report" "$@"
}

# run NAME COMMAND...: runs it with standard output in $work/NAME.out and
# standard error in $work/NAME.err (also $out and $err); sets $status.
run() {
  local name=$1
  shift
  out=$work/$name.out err=$work/$name.err status=0
  reaped "$@" >"$out" 2>"$err" </dev/null || status=$?
}

# start NAME COMMAND...: as run, in the background; sets $job_pid once the
# command's process exists. finish_job waits for it and sets $status.
start() {
  local name=$1
  shift
  out=$work/$name.out err=$work/$name.err job_pid=
  # Not through reaped: a function in the background is a subshell, and $!
  # would be the subshell's.
  "$subreaper" "$report" "$@" >"$out" 2>"$err" </dev/null &
  reaper_pid=$!
  wait_until 10 "the job's process to start" job_started
}

job_started() {
  job_pid=$(children_of "$reaper_pid")
  [[ -n $job_pid ]]
}

# finish_job SECONDS: waits at most SECONDS for the job to end;
# a job still running then fails the case and is killed.
finish_job() {
  if ! wait_until "$1" "the job to end" reaper_gone; then
    kill -TERM "$reaper_pid" 2>/dev/null || true
  fi
  status=0
  wait "$reaper_pid" || status=$?
  reaper_pid=
}

# The subreaper has exited (it may still be a zombie until waited for).
reaper_gone() {
  local state
  state=$(awk '{ print $3 }' "/proc/$reaper_pid/stat" 2>/dev/null) || return 0
  [[ -z $state || $state == Z ]]
}

# The children of PID, separated by spaces.
children_of() {
  local file=/proc/$1/task/$1/children
  if [[ -r $file ]]; then
    local children
    children=$(<"$file") || true
    echo "${children% }"
  else
    pgrep -P "$1" | tr '\n' ' ' || true
  fi
}

# has_children PID N: PID has at least N children.
has_children() {
  local -a list
  read -ra list <<<"$(children_of "$1")"
  [[ ${#list[@]} -ge $2 ]]
}

# has_busy_children PID N: at least N children of PID have used user CPU
# time (field 14 of /proc/PID/stat): they are at work, well past the fork.
has_busy_children() {
  local child busy=0 stat
  local -a fields
  for child in $(children_of "$1"); do
    stat=$(<"/proc/$child/stat") 2>/dev/null || continue
    stat=${stat##*) }
    read -ra fields <<<"$stat"
    # After the ") ", field 3 (state) is fields[0], so utime is fields[11].
    if ((${fields[11]:-0} > 0)); then busy=$((busy + 1)); fi
  done
  ((busy >= $2))
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; after
# SECONDS, fails the case saying what it waited for and returns 1.
wait_until() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((${EPOCHREALTIME/./} + limit * 1000000))
  until "$@"; do
    if ((${EPOCHREALTIME/./} > deadline)); then
      fail "waited $limit s for $what"
      return 1
    fi
    sleep 0.01
  done
}

# The PIDs that announced PHASE (map or reduce) in the slow job's started
# file, one a line, in order.
announced() {
  local file=$work/started
  [[ -e $file ]] || return 0
  awk -v phase="$1" '$1 == phase { print $2 }' "$file"
}

# at_least N PHASE: at least N processes announced PHASE.
at_least() {
  [[ $(announced "$2" | wc -l) -ge $1 ]]
}

expect_status() {
  if [[ $status != "$1" ]]; then
    fail "${2:-the job}: exit status $status, expected $1"
    show_stderr
  fi
}

show_stderr() {
  if [[ -s $err ]]; then
    echo "its standard error:" >&2
    head -c 2000 "$err" >&2
  fi
}

# expect_stderr_line LINE [LINE...]: standard error is exactly one of the
# LINEs, followed by a newline.
expect_stderr_line() {
  local line
  for line in "$@"; do
    if printf '%s\n' "$line" | cmp -s - "$err"; then return 0; fi
  done
  fail "standard error is not the expected line: $1"
  echo "it is:" >&2
  head -c 2000 "$err" >&2
}

expect_stderr_empty() {
  if [[ -s $err ]]; then
    fail "standard error is not empty"
    show_stderr
  fi
}

# make_full_device: sets $full to a device whose writes fail with ENOSPC,
# for a job that may create files beside its output: a private node in
# $work, so that a job renaming its temporary over it replaces nothing
# shared; /dev/full only where /dev is not writable (nothing can be renamed
# over it). Skips the case (exit 77) when neither is safe.
make_full_device() {
  full=$work/full
  if ! mknod "$full" c 1 7 2>/dev/null; then
    if [[ -w /dev ]]; then
      echo "cannot make a private full device, and /dev is writable: skipped"
      exit 77
    fi
    full=/dev/full
  fi
}

# usage_error LINE ARGS...: word_count ARGS exits 2 and says LINE first.
usage_error() {
  local line=$1
  shift
  run usage "$word_count" "$@"
  expect_status 2 "word_count $*"
  if [[ $(head -n 1 "$err") != "$line" ]]; then
    fail "word_count $*: the first line of standard error is not: $line"
    show_stderr
  fi
}

# expect_same EXPECTED ACTUAL WHAT: the files are byte for byte the same.
expect_same() {
  if ! cmp -s "$1" "$2"; then
    fail "$3: $2 differs from $1 ($(wc -c <"$1") and $(wc -c <"$2") bytes)"
    cmp "$1" "$2" >&2 || true
    diff <(head -c 1000 "$1") <(head -c 1000 "$2") >&2 || true
  fi
}

# expect_content FILE TEXT WHAT: FILE holds exactly TEXT.
expect_content() {
  if [[ ! -f $1 ]] || ! printf '%s' "$2" | cmp -s - "$1"; then
    fail "$3: $1 does not hold what it should"
  fi
}

# word_counts FILE: the word_count output for FILE, computed with tr, sort
# and uniq: words are maximal runs of [A-Za-z0-9_'], in byte order.
word_counts() {
  tr -cs "A-Za-z0-9_'" '\n' <"$1" | sed '/^$/d' | sort | uniq -c | awk '{ printf "%s\t%s\n", $2, $1 }'
}

# make_text FILE LINES WORDS: LINES lines of WORDS words each, from a
# vocabulary of 997 words, deterministic.
make_text() {
  awk -v lines="$2" -v words="$3" 'BEGIN {
    for (i = 0; i < lines; i++) {
      line = ""
      for (j = 0; j < words; j++) line = line sprintf("w%d ", (i * 31 + j * 7) % 997)
      print line
    }
  }' >"$1"
}

file_size() { stat -c %s "$1"; }

# The checks every case ends with.
cli_finish() {
  if [[ -s $report ]]; then
    fail "the job left processes behind (reaped by the subreaper):"
    cat "$report" >&2
  fi
  wait_until 5 "no process to name $work" no_process_names_work || grep -alE "$work_pattern" /proc/[0-9]*/cmdline >&2 || true
  local shm_after new_shm
  shm_after=$(ls -A /dev/shm 2>/dev/null || true)
  new_shm=$(comm -13 <(printf '%s\n' "$shm_before" | sort) <(printf '%s\n' "$shm_after" | sort))
  if [[ -n $new_shm ]]; then fail "new entries in /dev/shm: $new_shm"; fi
  local temporaries
  temporaries=$(find "$work" -name '.*.tmp-*')
  if [[ -n $temporaries ]]; then fail "temporary output files left: $temporaries"; fi
  if ((failures > 0)); then
    echo "case $case_name: $failures check(s) failed" >&2
    exit 1
  fi
  echo "case $case_name: passed"
}

# grep exits 2 when a process ends between the glob and its read: not a match.
no_process_names_work() {
  local found=0
  grep -qalsE "$work_pattern" /proc/[0-9]*/cmdline || found=$?
  [[ $found -ne 0 ]]
}

unknown_case() {
  echo "unknown case: $case_name" >&2
  exit 2
}
