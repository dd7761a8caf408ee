#!/usr/bin/env bash
# output.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Where word_count's output cannot go.
#
# Cases:
#   head, head-sequential   `word_count FILE | head -n 5` with SIGPIPE at its
#                           default: status 141, nothing on standard error,
#                           and head got the first lines of the full output.
#   head-sigpipe-ignored    the same with SIGPIPE ignored (write fails with
#                           EPIPE instead): still 141 and quiet.
#   stdout-dev-full         standard output is /dev/full: status 1 and
#                           "word_count: error: cannot write output to
#                           standard output: No space left on device".
#   o-dev-full              -o names a full device (a private copy of
#                           /dev/full's node where possible): status 1, one
#                           error line naming it and the cause, and the device
#                           still there.
#   stdout-closed           standard output closed: status 1 and one error
#                           line for standard output.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

# 300 000 distinct words: 2 MB of input, 2.7 MB of output, far more than a
# pipe holds.
input=$work/numbers.txt
seq 1 300000 >"$input"

# into_head SIGPIPE_ACTION OPTION...: runs word_count into head -n 5, with
# SIGPIPE default or ignore; sets $status (word_count's) and $err.
into_head() {
  local action=$1
  shift
  err=$work/head.err
  {
    local job_status=0
    reaped env "--$action-signal=PIPE" "$word_count" "$@" "$input" 2>"$err" || job_status=$?
    echo "$job_status" >"$work/head.status"
  } | head -n 5 >"$work/head.out"
  status=$(<"$work/head.status")
}

head_case() {
  run reference "$word_count" --sequential "$input"
  expect_status 0 "word_count --sequential (the reference run)"
  head -n 5 "$out" >"$work/expected-head.out"
  into_head "$@"
  expect_status 141 "word_count $* | head"
  expect_stderr_empty
  expect_same "$work/expected-head.out" "$work/head.out" "what head read"
}

case $case_name in
  head) head_case default -p 2 ;;
  head-sequential) head_case default --sequential ;;
  head-sigpipe-ignored) head_case ignore -p 2 ;;
  stdout-dev-full)
    for engine in --processes=2 --sequential; do
      err=$work/full.err status=0
      reaped "$word_count" "$engine" "$input" >/dev/full 2>"$err" || status=$?
      expect_status 1 "word_count $engine >/dev/full"
      expect_stderr_line "word_count: error: cannot write output to standard output: No space left on device"
    done
    ;;
  o-dev-full)
    make_full_device
    for engine in --processes=2 --sequential; do
      run full "$word_count" "$engine" -o "$full" "$input"
      expect_status 1 "word_count $engine -o $full"
      if [[ $(wc -l <"$err") -ne 1 ]] || ! grep -q "^word_count: error: .*$full.*: No space left on device\$" "$err"
      then
        fail "standard error is not one line naming $full and the cause, No space left on device"
        show_stderr
      fi
      if [[ ! -c $full ]]; then
        fail "$full is no longer a character device but a $(stat -c %F "$full")"
        if [[ $full == "$work/full" ]]; then
          rm -f "$full"
          mknod "$full" c 1 7
        fi
      fi
    done
    ;;
  stdout-closed)
    for engine in --processes=2 --sequential; do
      err=$work/closed.err status=0
      reaped "$word_count" "$engine" "$input" >&- 2>"$err" || status=$?
      expect_status 1 "word_count $engine >&-"
      expect_stderr_line "word_count: error: cannot write output to standard output: Bad file descriptor"
    done
    ;;
  *) unknown_case ;;
esac
cli_finish
