#!/usr/bin/env bash
# interrupt.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# SIGINT or SIGTERM to a running job, sent to the parent alone or to its whole
# process group (as Ctrl-C does): the workers are killed and reaped, the
# temporary output is removed and an existing -o file is left as it was, one
# line "PROGRAM: interrupted" goes to standard error, and the exit status is
# 130 or 143.
#
# Cases: sigint-parent, sigterm-parent, sigint-group, sigterm-group,
# sigint-sequential (slow_job, interrupted while every process is inside a map
# task), word-count-sigint-group (the real word_count on a 100 MB input,
# interrupted once both workers are at work), sigint-group-while-forking (the same
# while it forks 16 workers, 20 times).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

# interrupt_slow_job SIGNAL TARGET ENGINE_OPTION...: TARGET is parent or group.
interrupt_slow_job() {
  local signal=$1 target=$2
  shift 2
  local input=$work/input.txt processes=2
  if [[ $1 == --sequential ]]; then processes=1; fi
  # Two map tasks of 750 lines; at 5 ms a line the job would run for 4 s.
  make_text "$input" 1500 250
  printf 'old output\n' >"$work/out.tsv"
  start job env MAPREDUCE_TEST_LINE_DELAY_US=5000 MAPREDUCE_TEST_STARTED_FILE="$work/started" \
    "$slow_job" "$@" -o "$work/out.tsv" "$input"
  wait_until 20 "$processes process(es) inside a map task" at_least "$processes" map
  if [[ $target == group ]]; then
    kill -s "$signal" -- "-$job_pid"
  else
    kill -s "$signal" "$job_pid"
  fi
  finish_job 10
  local want=130
  if [[ $signal == TERM ]]; then want=143; fi
  expect_status "$want" "slow_job $* after SIG$signal to the $target"
  expect_stderr_line "slow_job: interrupted"
  expect_content "$work/out.tsv" $'old output\n' "the existing output file"
  if [[ -s $out ]]; then fail "something was written to standard output"; fi
}

case $case_name in
  sigint-parent) interrupt_slow_job INT parent -p 2 ;;
  sigterm-parent) interrupt_slow_job TERM parent -p 2 ;;
  sigint-group) interrupt_slow_job INT group -p 2 ;;
  sigterm-group) interrupt_slow_job TERM group -p 2 ;;
  sigint-sequential) interrupt_slow_job INT group --sequential ;;
  word-count-sigint-group)
    # 12 million distinct words, 97 MB: some seconds of work for two workers.
    input=$work/numbers.txt
    seq 1 12000000 >"$input"
    printf 'old output\n' >"$work/out.tsv"
    start job "$word_count" -p 2 -o "$work/out.tsv" "$input"
    wait_until 20 "word_count's two workers at work" has_busy_children "$job_pid" 2
    kill -s INT -- "-$job_pid"
    finish_job 10
    expect_status 130 "word_count after SIGINT to its process group"
    expect_stderr_line "word_count: interrupted"
    expect_content "$work/out.tsv" $'old output\n' "the existing output file"
    ;;
  sigint-group-while-forking)
    # Ctrl-C while word_count forks 16 workers: a worker that gets it before
    # it has dropped the parent's handlers must not act as the parent (kill
    # its siblings, print a second line, die unreaped). Racy by nature, so
    # tried 20 times; each try must be clean.
    input=$work/numbers.txt
    seq 1 2000000 >"$input"
    for attempt in $(seq 1 20); do
      start "try$attempt" "$word_count" -p 16 -o "$work/out.tsv" "$input"
      until has_children "$job_pid" 1 || reaper_gone; do :; done
      kill -s INT -- "-$job_pid"
      finish_job 10
      expect_status 130 "word_count -p 16 after SIGINT to its process group during the forks (try $attempt)"
      expect_stderr_line "word_count: interrupted"
      if [[ -s $report ]]; then
        fail "try $attempt left processes behind"
        cat "$report" >&2
        : >"$report"
      fi
      if ((failures > 0)); then break; fi
    done
    ;;
  *) unknown_case ;;
esac
cli_finish
