#!/usr/bin/env bash
# terminal.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Terminal manners of the runner programs: the progress line on a terminal
# and in a log, signals a script's background job was started with ignored,
# the Hadoop Streaming counters, and options a mode would ignore.
#
# Cases:
#   progress-to-file
#                  --progress with standard error a file, -p 2 and
#                  --sequential: newline-terminated lines without '\r' or
#                  ESC, the start and end of the map and reduce phases, the
#                  output, and last "done: N MB read in T s, R MB/s"
#   progress-rate  slow_job --progress (64 map tasks, 4 to 5 s) into a file,
#                  -p 2 and --sequential: at most one line a second besides the
#                  six of the phases' starts and ends, yet lines during the
#                  map phase
#   progress-terminal
#                  word_count on a terminal (script(1)'s pty), no option: the
#                  self-updating line ('\r', ESC [K) ends as the summary line
#                  "done: ...", which stays; --no-progress shows nothing
#   sigint-ignored-background
#                  slow_job -p 2 --max-attempts 1 as `sh -c 'slow_job ... &'`
#                  (SIGINT and SIGQUIT ignored, as a non-interactive shell
#                  starts a background job): SIGINT and SIGQUIT to it and to
#                  each worker mid-job change nothing: status 0, the full
#                  output, nothing on standard error
#   sigterm-ignored
#                  the same with SIGTERM, ignored from the start (env
#                  --ignore-signal=TERM): the workers keep it ignored too
#   streaming-counters
#                  --stream-map and --stream-reduce send reporter:counter:
#                  lines, but not the per-process ones (peak rss, phase ms);
#                  --no-streaming-counters sends none, with the same output;
#                  --stats still prints the counters
#   option-mode-table
#                  every option with a job, --sequential, --stream-map and
#                  --stream-reduce: honoured (status 0, its effect seen) or a
#                  usage error (status 2) naming the option and the mode; and
#                  the options --mpi refuses (found before any launcher is
#                  looked for); --memory-limit and --spill-dir too (a job
#                  spills at 4K with the same output)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

# expect_plain_lines WHAT: $err is lines, each ended by '\n', without '\r'
# or ESC.
expect_plain_lines() {
  if [[ ! -s $err ]]; then
    fail "$1: no progress on standard error"
    return
  fi
  if [[ $(tail -c 1 "$err" | od -An -c | tr -d ' ') != '\n' ]]; then fail "$1: the last line has no newline"; fi
  if LC_ALL=C grep -q $'[\r\e]' "$err"; then
    fail "$1: '\\r' or ESC in the progress lines:"
    head -c 400 "$err" | od -c | head -8 >&2
  fi
}

# expect_line REGEX WHAT: some line of $err matches REGEX (extended).
expect_line() {
  if ! grep -qE "$1" "$err"; then
    fail "$2: no line matches $1"
    show_stderr
  fi
}

summary_regex='^done: [0-9]+\.[0-9] MB read in [0-9]+(\.[0-9]+)? s(, [0-9]+\.[0-9] MB/s)?$'

case $case_name in
  progress-to-file)
    input=$work/input.txt
    make_text "$input" 20000 10 # about 1 MB: 64 map tasks
    word_counts "$input" >"$work/expected.out"
    for engine in -p2 --sequential; do
      run "progress$engine" "$word_count" --progress "$engine" "$input"
      expect_status 0 "word_count --progress $engine"
      expect_same "$work/expected.out" "$out" "word_count --progress $engine"
      expect_plain_lines "word_count --progress $engine"
      expect_line '^map 0% of 1\.[0-9] MB$' "the map phase's start ($engine)"
      expect_line '^map 100% of 1\.[0-9] MB, [0-9]+\.[0-9] MB/s$' "the map phase's end ($engine)"
      partitions=$([[ $engine == -p2 ]] && echo "8 partitions" || echo "1 partition")
      expect_line "^reduce 0 of $partitions\$" "the reduce phase's start ($engine)"
      expect_line "^reduce ${partitions%% *} of $partitions\$" "the reduce phase's end ($engine)"
      expect_line '^writing the output$' "the output phase ($engine)"
      if ! tail -n 1 "$err" | grep -qE "$summary_regex"; then
        fail "word_count --progress $engine: the last line is not the summary: $(tail -n 1 "$err")"
      fi
    done
    ;;
  progress-rate)
    input=$work/input.txt
    # 2400 lines of about 100 bytes: 64 map tasks of some 37 lines.
    make_text "$input" 2400 20
    word_counts "$input" >"$work/expected.out"
    for engine in -p2 --sequential; do
      delay=$([[ $engine == -p2 ]] && echo 4000 || echo 2000) # 4.8 s of map either way
      started=${EPOCHREALTIME/./}
      run "rate$engine" env MAPREDUCE_TEST_LINE_DELAY_US="$delay" "$slow_job" --progress "$engine" "$input"
      seconds=$(((${EPOCHREALTIME/./} - started + 999999) / 1000000))
      expect_status 0 "slow_job --progress $engine"
      expect_same "$work/expected.out" "$out" "slow_job --progress $engine"
      expect_plain_lines "slow_job --progress $engine"
      lines=$(wc -l <"$err")
      map_lines=$(grep -c '^map ' "$err" || true)
      # Six lines are the phases': map and reduce start and end, the
      # output, the summary; the rest at most one a second.
      if ((lines > seconds + 6)); then
        fail "slow_job --progress $engine: $lines lines in $seconds s, more than one a second"
        show_stderr
      fi
      if ((map_lines < 3)); then
        fail "slow_job --progress $engine: $map_lines map lines in a map phase of over 4 s, none in between"
        show_stderr
      fi
    done
    ;;
  progress-terminal)
    if ! command -v script >/dev/null; then
      echo "no script(1) (util-linux): skipped"
      exit 77
    fi
    input=$work/input.txt
    make_text "$input" 20000 10
    word_counts "$input" >"$work/expected.out"
    # script(1) runs the job on a pseudo-terminal and copies what it shows
    # to its standard output.
    command=$(printf '%q ' "$word_count" -p 2 -o "$work/counts.tsv" "$input")
    run terminal script -q -e -c "$command" /dev/null
    expect_status 0 "word_count on a terminal"
    expect_same "$work/expected.out" "$work/counts.tsv" "word_count on a terminal"
    if ! grep -q $'\r' "$out" || ! grep -qF $'\e[K' "$out"; then
      fail "on a terminal the progress line is not self-updating ('\\r', ESC [K):"
      od -c "$out" | head -8 >&2
    fi
    grep -qF 'map ' "$out" || fail "on a terminal no map progress was shown"
    # The terminal shows what follows the last '\r' of the last line.
    last=$(tail -n 1 "$out")
    last=${last%$'\r'}
    last=${last%$'\e[K'}
    last=${last##*$'\r'}
    if ! grep -qE "$summary_regex" <<<"$last"; then
      fail "on a terminal the progress line does not end as the summary: '$last'"
      od -c "$out" | tail -6 >&2
    fi
    command=$(printf '%q ' "$word_count" --no-progress -p 2 -o "$work/counts.tsv" "$input")
    run quiet script -q -e -c "$command" /dev/null
    expect_status 0 "word_count --no-progress on a terminal"
    if [[ -s $out ]]; then
      fail "word_count --no-progress showed something on the terminal:"
      od -c "$out" | head -4 >&2
    fi
    ;;
  sigint-ignored-background | sigterm-ignored)
    input=$work/input.txt
    # Two map tasks of 400 lines: 2 s at 5 ms a line.
    make_text "$input" 800 300
    word_counts "$input" >"$work/expected.out"
    job=(env MAPREDUCE_TEST_LINE_DELAY_US=5000 MAPREDUCE_TEST_STARTED_FILE="$work/started"
      "$slow_job" -p 2 --max-attempts 1 "$input")
    if [[ $case_name == sigint-ignored-background ]]; then
      # A non-interactive shell starts a background job with SIGINT and
      # SIGQUIT ignored (POSIX); env then execs slow_job.
      signals=(INT QUIT)
      start job sh -c '"$@" & wait "$!"' sh "${job[@]}"
      wait_until 10 "slow_job to start" has_children "$job_pid" 1
      parent=$(children_of "$job_pid")
    else
      signals=(TERM)
      start job env --ignore-signal=TERM "${job[@]}"
      parent=$job_pid
    fi
    wait_until 20 "2 processes inside a map task" at_least 2 map
    workers=$(children_of "$parent")
    [[ -n $workers ]] || fail "slow_job has no workers to signal"
    for signal in "${signals[@]}"; do
      # shellcheck disable=SC2086 # one PID a word
      kill -s "$signal" "$parent" $workers 2>/dev/null || fail "could not send SIG$signal"
    done
    sleep 0.2
    # Still at work after the signals, or the case would prove nothing.
    if reaper_gone || [[ $(announced reduce) ]]; then
      fail "slow_job was done with its map tasks when the signals came; the case proves nothing"
    fi
    finish_job 30
    expect_status 0 "slow_job with SIG${signals[*]} ignored, after SIG${signals[*]} to it and its workers"
    expect_stderr_empty
    expect_same "$work/expected.out" "$out" "slow_job's output after the ignored signals"
    ;;
  streaming-counters)
    input=$work/input.txt
    make_text "$input" 2000 10
    lines=$(wc -l <"$input")
    run map "$word_count" --stream-map "$input"
    expect_status 0 "word_count --stream-map"
    cp "$out" "$work/mapped.txt"
    if grep -qv '^reporter:counter:' "$err"; then fail "--stream-map wrote other lines than counters"; fi
    grep -qxF "reporter:counter:mapreduce,input lines,$lines" "$err" || fail "--stream-map sent no input lines counter"
    if grep -E 'peak rss|phase ms' "$err"; then fail "--stream-map sent per-process counters to Hadoop"; fi
    LC_ALL=C sort "$work/mapped.txt" >"$work/sorted.txt"
    run reduce "$word_count" --stream-reduce "$work/sorted.txt"
    expect_status 0 "word_count --stream-reduce"
    cp "$out" "$work/reduced.txt"
    grep -qF "reporter:counter:mapreduce,reduce output records," "$err" || fail "--stream-reduce sent no counters"
    if grep -E 'peak rss|phase ms' "$err"; then fail "--stream-reduce sent per-process counters to Hadoop"; fi
    run map-quiet "$word_count" --stream-map --no-streaming-counters "$input"
    expect_status 0 "word_count --stream-map --no-streaming-counters"
    expect_stderr_empty
    expect_same "$work/mapped.txt" "$out" "--stream-map --no-streaming-counters"
    run reduce-quiet "$word_count" --stream-reduce --no-streaming-counters "$work/sorted.txt"
    expect_status 0 "word_count --stream-reduce --no-streaming-counters"
    expect_stderr_empty
    expect_same "$work/reduced.txt" "$out" "--stream-reduce --no-streaming-counters"
    run map-stats "$word_count" --stream-map --no-streaming-counters --stats "$input"
    expect_status 0 "word_count --stream-map --no-streaming-counters --stats"
    grep -qxF "    input lines=$lines" "$err" || fail "--stats printed no counters with --no-streaming-counters"
    if grep -q '^reporter:' "$err"; then fail "--no-streaming-counters --stats sent counters to Hadoop"; fi
    ;;
  option-mode-table)
    input=$work/input.txt
    make_text "$input" 3000 10
    word_counts "$input" >"$work/expected.job"
    # What --stream-reduce reads: the mapper's lines, sorted.
    tr -cs "A-Za-z0-9_'" '\n' <"$input" | sed '/^$/d' | awk '{ print $0 "\t1" }' | LC_ALL=C sort >"$work/mapped.txt"
    # MODE | OPTIONS | ok CHECK, or the usage error after "word_count: error: ".
    # MODE is job, sequential (a job with --sequential), map or reduce. @o
    # and @d are a fresh output file and directory, @s an empty directory
    # (for spilled runs, which must leave it empty). CHECK: plain (the
    # output), file (in @o), dir (part files in @d), jsonl, progress, quiet
    # (nothing on standard error), stats, silent (no counters to Hadoop).
    table="
      job        | -o @o                   | ok file
      job        | --output-dir @d         | ok dir
      job        | --format jsonl          | ok jsonl
      job        | --records lines         | ok plain
      job        | -p 2                    | ok plain
      job        | --reducers 3 --output-dir @d | ok dir3
      job        | --max-attempts 2        | ok plain
      job        | --task-timeout 60       | ok plain
      job        | --progress              | ok progress
      job        | --no-progress           | ok quiet
      job        | --stats                 | ok stats
      job        | --no-streaming-counters | --no-streaming-counters is for --stream-map and --stream-reduce only: a job sends no counters to Hadoop (--stats prints them)
      sequential | -o @o                   | ok file
      sequential | --output-dir @d         | ok dir
      sequential | --format jsonl          | ok jsonl
      sequential | --records lines         | ok plain
      sequential | -p 2                    | --sequential and --processes exclude each other
      sequential | --reducers 3 --output-dir @d | ok dir3
      sequential | --max-attempts 2        | --sequential does not take --max-attempts: it runs no worker processes, whose deaths are what is retried
      sequential | --task-timeout 60       | --sequential does not take --task-timeout: it runs no worker processes to time out
      sequential | --progress              | ok progress
      sequential | --no-progress           | ok quiet
      sequential | --stats                 | ok stats
      sequential | --no-streaming-counters | --no-streaming-counters is for --stream-map and --stream-reduce only: a job sends no counters to Hadoop (--stats prints them)
      map        | -o @o                   | ok file
      map        | --output-dir @d         | --stream-map does not take --output-dir: Hadoop writes a job's part files; a streaming task writes to standard output or -o FILE
      map        | --format jsonl          | mode stream_map (--stream-map) does not take format jsonl (--format jsonl): it writes key<TAB>value lines for Hadoop to sort; the format applies to the reducer's output (--stream-reduce), or to a map-only job's
      map        | --format tsv            | ok plain
      map        | --records lines         | ok plain
      map        | --records nul           | --stream-map and --stream-reduce read lines: --records must be lines there, not nul
      map        | -p 2                    | --stream-map does not take --processes: a streaming task is one process; Hadoop runs as many tasks as it has slots
      map        | --sequential            | ok plain
      map        | --reducers 3            | --stream-map does not take --reducers: Hadoop sets the number of reduce tasks (-numReduceTasks)
      map        | --max-attempts 2        | --stream-map does not take --max-attempts: Hadoop retries a failed task itself (mapreduce.map.maxattempts, mapreduce.reduce.maxattempts)
      map        | --task-timeout 60       | --stream-map does not take --task-timeout: Hadoop kills a task that stops making progress itself (mapreduce.task.timeout)
      map        | --progress              | --stream-map does not take --progress: Hadoop shows a task's progress itself
      map        | --no-progress           | ok plain
      map        | --stats                 | ok stats
      map        | --no-streaming-counters | ok silent
      reduce     | -o @o                   | ok file
      reduce     | --output-dir @d         | --stream-reduce does not take --output-dir: Hadoop writes a job's part files; a streaming task writes to standard output or -o FILE
      reduce     | --format jsonl          | ok jsonl
      reduce     | --records lines         | ok plain
      reduce     | --records fixed:2       | --stream-map and --stream-reduce read lines: --records must be lines there, not fixed:2
      reduce     | -p 2                    | --stream-reduce does not take --processes: a streaming task is one process; Hadoop runs as many tasks as it has slots
      reduce     | --sequential            | ok plain
      reduce     | --reducers 3            | --stream-reduce does not take --reducers: Hadoop sets the number of reduce tasks (-numReduceTasks)
      reduce     | --max-attempts 2        | --stream-reduce does not take --max-attempts: Hadoop retries a failed task itself (mapreduce.map.maxattempts, mapreduce.reduce.maxattempts)
      reduce     | --task-timeout 60       | --stream-reduce does not take --task-timeout: Hadoop kills a task that stops making progress itself (mapreduce.task.timeout)
      reduce     | --progress              | --stream-reduce does not take --progress: Hadoop shows a task's progress itself
      reduce     | --no-progress           | ok plain
      reduce     | --stats                 | ok stats
      reduce     | --no-streaming-counters | ok silent
      job        | --mpi -p 2              | --mpi does not take --processes: each rank is one worker process: start one rank per core (mpirun -np N)
      job        | --mpi --max-attempts 2  | --mpi does not take --max-attempts: a rank that dies ends the whole job, which mpirun stops; nothing is retried
      job        | --mpi --task-timeout 60 | --mpi does not take --task-timeout: it runs no worker processes to time out; a rank that dies ends the whole job
      job        | --mpi-round-size 4M     | --mpi-round-size is for --mpi only
      sequential | --mpi                   | --mpi and --sequential exclude each other
      map        | --mpi                   | --stream-map does not take --mpi: Hadoop starts a streaming task as one process of its own
      reduce     | --mpi-round-size 4M     | --stream-reduce does not take --mpi-round-size: a streaming task sends nothing to other processes
      job        | --memory-limit 4K       | ok plain
      job        | --spill-dir @s          | ok plain
      sequential | --memory-limit 4K       | ok plain
      sequential | --spill-dir @s          | ok plain
      map        | --memory-limit 4K       | --stream-map does not take --memory-limit: Hadoop sorts, spills and merges a streaming task's data itself (mapreduce.task.io.sort.mb)
      map        | --spill-dir @s          | --stream-map does not take --spill-dir: Hadoop sorts, spills and merges a streaming task's data itself (mapreduce.cluster.local.dir)
      reduce     | --memory-limit 4K       | --stream-reduce does not take --memory-limit: Hadoop sorts, spills and merges a streaming task's data itself (mapreduce.task.io.sort.mb)
      reduce     | --spill-dir @s          | --stream-reduce does not take --spill-dir: Hadoop sorts, spills and merges a streaming task's data itself (mapreduce.cluster.local.dir)
      job        | --mpi --memory-limit 4K | --mpi does not take --memory-limit: the cluster engine does not spill: each rank holds its map output in memory
      job        | --mpi --spill-dir @s    | --mpi does not take --spill-dir: the cluster engine does not spill: each rank holds its map output in memory
    "
    rows=0
    while IFS='|' read -r mode options expected; do
      mode=$(xargs <<<"$mode")
      [[ -n $mode ]] || continue
      rows=$((rows + 1))
      expected=$(sed 's/^ *//; s/ *$//' <<<"$expected")
      read -ra words <<<"$options"
      rm -rf "$work/o" "$work/d" "$work/s"
      mkdir "$work/s"
      words=("${words[@]/#@o/$work/o}")
      words=("${words[@]/#@d/$work/d}")
      words=("${words[@]/#@s/$work/s}")
      case $mode in
        job) args=("${words[@]}" "$input") ;;
        sequential) args=(--sequential "${words[@]}" "$input") ;;
        map) args=(--stream-map "${words[@]}" "$input") ;;
        reduce) args=(--stream-reduce "${words[@]}" "$work/mapped.txt") ;;
      esac
      what="word_count ${args[*]}"
      if [[ $expected != ok* ]]; then
        usage_error "word_count: error: $expected" "${args[@]}"
        grep -q "Try 'word_count --help'" "$err" || fail "$what: no hint of --help"
        continue
      fi
      run table "$word_count" "${args[@]}"
      expect_status 0 "$what"
      # What the mode writes, in byte order: the job's output (the
      # mapper's lines combined, for --stream-map).
      output=$out
      case ${expected#ok } in
        file) output=$work/o ;;
        dir | dir3) output=$work/all-parts && cat "$work/d"/part-* >"$output" 2>/dev/null ;;
      esac
      case ${expected#ok } in
        dir) [[ -e $work/d/_SUCCESS ]] || fail "$what: no _SUCCESS" ;;
        dir3)
          parts=$(find "$work/d" -name 'part-*' | wc -l)
          ((parts == 3)) || fail "$what: $parts part files, not 3"
          ;;
        jsonl)
          if grep -qv '^{"key": "' "$out"; then fail "$what: not JSON lines: $(head -n 1 "$out")"; fi
          output=$work/from-json
          sed 's/^{"key": "\(.*\)", "value": \(.*\)}$/\1\t\2/' "$out" >"$output"
          ;;
        progress) tail -n 1 "$err" | grep -qE "$summary_regex" || fail "$what: no progress summary" ;;
        quiet) expect_stderr_empty ;;
        stats) grep -q '^counters:$' "$err" || fail "$what: no counters printed" ;;
        silent) expect_stderr_empty ;;
      esac
      if [[ ${expected#ok } != stats && $mode != map && $mode != reduce && ${expected#ok } != progress ]]; then
        expect_stderr_empty
      fi
      if [[ $mode == map || $mode == reduce ]] && [[ ${expected#ok } != silent && ${expected#ok } != stats ]]; then
        grep -q '^reporter:counter:' "$err" || fail "$what: no counters sent to Hadoop"
      fi
      LC_ALL=C sort "$output" >"$work/sorted"
      expect_same "$work/expected.job" "$work/sorted" "$what"
      if [[ -n $(ls -A "$work/s") ]]; then fail "$what: files left in the spill directory"; fi
    done <<<"$table"
    ((rows == 70)) || fail "the table has $rows rows, not 70"
    ;;
  *) unknown_case ;;
esac

cli_finish
