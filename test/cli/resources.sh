#!/usr/bin/env bash
# resources.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Jobs side by side, and jobs that cannot have what they need.
#
# Cases:
#   ten-jobs-at-once  ten word_count -p 2 jobs on ten different inputs at
#                     the same time: each output is its own input's count
#   memory-limit      an address-space limit (ulimit -v) below the input's
#                     size: one error line naming the input and the cause
#   process-limit     a process limit (ulimit -u, as the unprivileged user
#                     nobody, since root is exempt) that allows no worker: one
#                     error line naming the worker that could not be forked
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

case $case_name in
  ten-jobs-at-once)
    pids=()
    for i in 0 1 2 3 4 5 6 7 8 9; do
      make_text "$work/input$i.txt" $((3000 + 700 * i)) $((5 + i))
      word_counts "$work/input$i.txt" >"$work/expected$i"
    done
    for i in 0 1 2 3 4 5 6 7 8 9; do
      reaped "$word_count" -p 2 -o "$work/output$i" "$work/input$i.txt" 2>"$work/err$i" </dev/null &
      pids+=($!)
    done
    for i in 0 1 2 3 4 5 6 7 8 9; do
      status=0
      wait "${pids[$i]}" || status=$?
      err=$work/err$i
      expect_status 0 "job $i of 10"
      expect_same "$work/expected$i" "$work/output$i" "job $i of 10"
    done
    ;;
  memory-limit)
    input=$work/input.txt
    make_text "$input" 400000 20 # about 50 MB
    printf 'old output\n' >"$work/out.tsv"
    run limited bash -c 'ulimit -v 40000 && exec "$0" "$@"' "$word_count" -p 2 -o "$work/out.tsv" "$input"
    expect_status 1 "word_count under ulimit -v 40000"
    expect_stderr_line "word_count: error: cannot map input $input: Cannot allocate memory"
    expect_content "$work/out.tsv" $'old output\n' "the existing output file"
    ;;
  process-limit)
    command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to run as another user"
    id nobody >/dev/null || fail "the user nobody is needed"
    # nobody must reach the program, its library and the input.
    chmod 755 "$work"
    mkdir "$work/bin"
    cp "$word_count" "$work/bin/"
    library=$(ldd "$word_count" | awk '/libmapreduce/ { print $3 }')
    [[ -n $library ]] && cp "$library" "$work/bin/"
    chmod -R a+rX "$work/bin"
    input=$work/input.txt
    make_text "$input" 100 5
    chmod 644 "$input"
    run limited env LD_LIBRARY_PATH="$work/bin" setpriv --reuid=nobody --regid=nogroup --clear-groups \
      bash -c 'ulimit -u 1 && exec "$0" "$@"' "$work/bin/word_count" -p 3 "$input"
    expect_status 1 "word_count -p 3 under ulimit -u 1"
    expect_stderr_line "word_count: error: cannot fork worker 0 of 3 (at the limit on processes? see ulimit -u): Resource temporarily unavailable"
    ;;
  *) unknown_case ;;
esac
cli_finish
