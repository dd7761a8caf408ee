#!/usr/bin/env bash
# input_changed.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# The input changes while slow_job is inside its map task: exit status 1 and
# one line "slow_job: error: input PATH changed while the job was reading it
# (...)", never a SIGBUS death or an output; an existing -o file untouched.
#
# Cases: truncated (to 0 bytes, worker processes), truncated-sequential (the
# same in one process), modified (a byte rewritten in place, size unchanged).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

# change_input HOW ENGINE_OPTION...: HOW is truncate or rewrite.
change_input() {
  local how=$1
  shift
  local input=$work/input.txt
  # One map task of 200 lines at 5 ms a line: 1 s.
  make_text "$input" 200 100
  # An old time stamp, so that the change gives a new one even on a file
  # system with coarse time stamps.
  touch -d '1 hour ago' "$input"
  local size
  size=$(file_size "$input")
  printf 'old output\n' >"$work/out.tsv"
  start job env MAPREDUCE_TEST_LINE_DELAY_US=5000 MAPREDUCE_TEST_STARTED_FILE="$work/started" \
    "$slow_job" "$@" -o "$work/out.tsv" "$input"
  wait_until 20 "a process inside the map task" at_least 1 map
  local changed="slow_job: error: input $input changed while the job was reading it"
  if [[ $how == truncate ]]; then
    : >"$input"
    finish_job 20
    expect_status 1 "slow_job $* with its input truncated"
    # The mapper touching a page past the new end (SIGBUS) or the final check
    # of the input's size, whichever comes first.
    expect_stderr_line "$changed ($size bytes when opened, 0 now)" "$changed (it shrank)"
  else
    printf 'X' | dd of="$input" bs=1 seek=10 conv=notrunc status=none
    finish_job 20
    expect_status 1 "slow_job $* with its input rewritten"
    expect_stderr_line "$changed (it was modified)"
  fi
  expect_content "$work/out.tsv" $'old output\n' "the existing output file"
}

case $case_name in
  truncated) change_input truncate -p 2 ;;
  truncated-sequential) change_input truncate --sequential ;;
  modified) change_input rewrite -p 2 ;;
  *) unknown_case ;;
esac
cli_finish
