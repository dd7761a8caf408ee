#!/usr/bin/env bash
# worker_killed.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Workers killed from outside with SIGKILL, with slow_job so that the kill
# lands inside a task.
#
# Cases:
#   map-retried      the worker running the only map task is killed; the task
#                    runs again on a fresh worker and the job succeeds with the
#                    output of a clean run.
#   reduce-retried   the same for a worker inside a reduce task.
#   map-exhausted    --max-attempts 2 and both runs of the task killed: exit
#                    status 1, one error line naming the task, its byte range,
#                    the attempts and the last worker's pid and signal; an
#                    existing -o file untouched.
#   parent-killed    the parent killed with SIGKILL: its workers die with it
#                    (PR_SET_PDEATHSIG) instead of running on.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

started=$work/started

# The reference output for $1: slow_job --sequential without delays, checked
# against word_count --sequential and against tr | sort | uniq -c.
reference() {
  run reference "$slow_job" --sequential "$1"
  expect_status 0 "slow_job --sequential (the reference run)"
  cp "$out" "$work/reference.tsv"
  run word-count "$word_count" --sequential "$1"
  expect_status 0 "word_count --sequential"
  expect_same "$work/reference.tsv" "$out" "word_count --sequential against slow_job --sequential"
  word_counts "$1" >"$work/independent.tsv"
  expect_same "$work/independent.tsv" "$work/reference.tsv" "slow_job --sequential against tr | sort | uniq -c"
}

# new_map_pid OLD: a pid other than OLD announced map (sets $new_pid), or
# the job has ended.
new_map_pid() {
  new_pid=$(announced map | grep -vx "$1" | head -n 1 || true)
  [[ -n $new_pid ]] || reaper_gone
}

case $case_name in
  map-retried)
    # One map task (under 1 MiB) of 400 lines, 2 ms a line.
    input=$work/input.txt
    make_text "$input" 400 100
    reference "$input"
    start job env MAPREDUCE_TEST_LINE_DELAY_US=2000 MAPREDUCE_TEST_STARTED_FILE="$started" \
      "$slow_job" -p 2 "$input"
    wait_until 20 "a worker inside the map task" at_least 1 map
    victim=$(announced map | head -n 1)
    kill -KILL "$victim"
    # The other worker found no task and is waiting for the reduce phase, so
    # only a fresh worker can run the task again.
    wait_until 20 "a fresh worker to run the map task again" new_map_pid "$victim"
    if [[ -z $new_pid ]]; then fail "no fresh worker ran the map task again"; fi
    finish_job 20
    expect_status 0 "slow_job with its mapping worker killed"
    expect_stderr_empty
    expect_same "$work/reference.tsv" "$out" "the output after the retry against a clean run"
    ;;
  reduce-retried)
    # 997 distinct words, reduced at 4 ms a word: about 2 s for two workers.
    input=$work/input.txt
    make_text "$input" 400 100
    reference "$input"
    start job env MAPREDUCE_TEST_KEY_DELAY_US=4000 MAPREDUCE_TEST_STARTED_FILE="$started" \
      "$slow_job" -p 2 "$input"
    wait_until 20 "a worker inside a reduce task" at_least 1 reduce
    victim=$(announced reduce | head -n 1)
    kill -KILL "$victim"
    finish_job 20
    expect_status 0 "slow_job with a reducing worker killed"
    expect_stderr_empty
    expect_same "$work/reference.tsv" "$out" "the output after the retry against a clean run"
    ;;
  map-exhausted)
    # Under 512 bytes, so one map task; at 1 s a line, each run of it is
    # killed well before it ends.
    input=$work/input.txt
    make_text "$input" 3 20
    size=$(file_size "$input")
    printf 'old output\n' >"$work/out.tsv"
    start job env MAPREDUCE_TEST_LINE_DELAY_US=1000000 MAPREDUCE_TEST_STARTED_FILE="$started" \
      "$slow_job" -p 2 --max-attempts 2 -o "$work/out.tsv" "$input"
    wait_until 20 "a worker inside the map task" at_least 1 map
    first=$(announced map | head -n 1)
    kill -KILL "$first"
    wait_until 20 "a fresh worker to run the map task again" new_map_pid "$first"
    if [[ -n $new_pid ]]; then
      kill -KILL "$new_pid"
    else
      fail "no fresh worker ran the map task again"
    fi
    finish_job 20
    expect_status 1 "slow_job with both runs of its map task killed"
    # The worker slot is the first victim's, 0 or 1.
    task="map task 1 of 1 (bytes 0-$size of $input) failed after 2 attempts"
    expect_stderr_line \
      "slow_job: error: $task; the last: worker 0 (pid $new_pid) was killed by signal 9 (Killed)" \
      "slow_job: error: $task; the last: worker 1 (pid $new_pid) was killed by signal 9 (Killed)"
    expect_content "$work/out.tsv" $'old output\n' "the existing output file"
    ;;
  parent-killed)
    # Two map tasks of 750 lines at 5 ms a line: 4 s unless stopped.
    input=$work/input.txt
    make_text "$input" 1500 250
    start job env MAPREDUCE_TEST_LINE_DELAY_US=5000 MAPREDUCE_TEST_STARTED_FILE="$started" \
      "$slow_job" -p 2 "$input"
    wait_until 20 "both workers inside a map task" at_least 2 map
    kill -KILL "$job_pid"
    finish_job 20
    expect_status 137 "slow_job killed with SIGKILL"
    # The subreaper inherits the orphaned workers; each must have died of
    # SIGKILL at once, not run on until the subreaper's 5 s limit.
    for pid in $(announced map); do
      if ! grep -q "^pid $pid .*; killed by signal 9\$" "$report"; then
        fail "worker $pid did not die of SIGKILL with its parent"
      fi
    done
    if grep -v '; killed by signal 9$' "$report" >&2 || grep 'still running' "$report" >&2; then
      fail "processes other than killed workers were left behind"
    fi
    if [[ $(wc -l <"$report") -ne 2 ]]; then fail "not exactly the two workers were left"; fi
    cat "$report"
    : >"$report"
    ;;
  *) unknown_case ;;
esac
cli_finish
