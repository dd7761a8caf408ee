#!/usr/bin/env bash
# input.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Unusual inputs for the real word_count and movie_ratings. Where the job must
# succeed, every engine (--sequential, -p 1, 2 and 3) gives the same output,
# equal to an independent count; where it must fail, it fails at once with
# status 1 and one error line, leaving an existing -o file untouched.
#
# Cases:
#   empty          an empty file: empty output, status 0; -o makes an empty file
#   huge-line      one 100 MB line of words, no final newline
#   huge-word      one 100 MB word
#   nul            NUL, 0xFF and lone CR bytes between words, CRLF endings
#   nul-json       a NUL after a JSON object is part of its line (an error)
#   crlf           word_count: CRLF endings count as LF ones
#   crlf-movies    movie_ratings: CRLF ratings and catalogue as the LF ones,
#                  and an error on a CRLF file names the right line
#   device, fifo, stdin-pipe
#                  refused inputs: /dev/null and /dev/zero, a FIFO without and
#                  with a writer, a pipe named as /dev/stdin
#   fifo-in-directory
#                  a directory stands for its regular files: a FIFO and a
#                  device in it are skipped (only one named directly is an
#                  error), without a hang
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

engines=(--sequential "--processes=1" "--processes=2" "--processes=3")

# counts_everywhere INPUT EXPECTED: word_count gives EXPECTED on INPUT with
# every engine, status 0 and nothing on standard error.
counts_everywhere() {
  local engine
  for engine in "${engines[@]}"; do
    run "count$engine" "$word_count" "$engine" "$1"
    expect_status 0 "word_count $engine $1"
    expect_stderr_empty
    expect_same "$2" "$out" "word_count $engine"
  done
}

# refused INPUT LINE [STDIN]: word_count refuses INPUT with every engine
# within 10 s: status 1, standard error LINE, -o file untouched.
refused() {
  local engine
  for engine in --sequential "--processes=2"; do
    printf 'old output\n' >"$work/out.tsv"
    out=$work/refused.out err=$work/refused.err status=0
    reaped timeout 10 "$word_count" "$engine" -o "$work/out.tsv" "$1" >"$out" 2>"$err" <"${3:-/dev/null}" ||
      status=$?
    expect_status 1 "word_count $engine $1"
    expect_stderr_line "$2"
    expect_content "$work/out.tsv" $'old output\n' "the existing output file"
  done
}

not_regular() {
  echo "word_count: error: input $1 is not a regular file (pipes, devices and sockets cannot be mapped)"
}

# Writes "yes" output of LINE, cut at BYTES bytes, to standard output.
repeat_line() {
  { yes "$1" || true; } | head -c "$2"
}

hundred_mb=$((100 * 1024 * 1024))

case $case_name in
  empty)
    input=$work/empty.txt
    : >"$input"
    counts_everywhere "$input" /dev/null
    printf 'old output\n' >"$work/out.tsv"
    run empty-o "$word_count" -o "$work/out.tsv" "$input"
    expect_status 0 "word_count -o OUT on an empty file"
    expect_stderr_empty
    expect_content "$work/out.tsv" "" "the output file of an empty input"
    ;;
  huge-line)
    # "the quick brown fox " 5 242 880 times: 100 MB, no newline at all.
    input=$work/line.txt
    repeat_line 'the quick brown fox' "$hundred_mb" | tr '\n' ' ' >"$input"
    if [[ $(tr -cd '\n' <"$input" | wc -c) -ne 0 ]]; then fail "the input is not one line"; fi
    printf '%s\t5242880\n' brown fox quick the >"$work/expected.tsv"
    counts_everywhere "$input" "$work/expected.tsv"
    ;;
  huge-word)
    input=$work/word.txt
    head -c "$hundred_mb" /dev/zero | tr '\0' w >"$input"
    { cat "$input"; printf '\t1\n'; } >"$work/expected.tsv"
    engines=(--sequential "--processes=2")
    counts_everywhere "$input" "$work/expected.tsv"
    ;;
  nul)
    input=$work/small.txt
    printf 'foo\0bar\nbaz\0\0foo\r\n\0\n\0qux' >"$input"
    printf 'bar\t1\nbaz\t1\nfoo\t2\nqux\t1\n' >"$work/expected.tsv"
    counts_everywhere "$input" "$work/expected.tsv"
    # 3.5 MB, four map tasks: words cut by NUL and 0xFF bytes, separated by
    # lone CRs, lines ending in CRLF.
    input=$work/binary.txt
    make_text "$work/text.txt" 30000 20
    tr ' 57' '\r\000\377' <"$work/text.txt" >"$input"
    word_counts "$input" >"$work/expected.tsv"
    counts_everywhere "$input" "$work/expected.tsv"
    ;;
  nul-json)
    input=$work/ratings.txt
    printf '{"user_id": 1, "movie_id": 1, "rating": 5}\n{"user_id": 2, "movie_id": 1, "rating": 7}\0{"x\n' >"$input"
    line="movie_ratings: error: mapper failed on line 2 of $input: malformed JSON: extra data"
    for engine in --sequential "--processes=2"; do
      run json "$movie_ratings" "$engine" --movies "$data_dir/movies.txt" "$input"
      expect_status 1 "movie_ratings $engine on a line with a NUL"
      if [[ $engine == --sequential ]]; then
        expect_stderr_line "$line"
      else
        expect_stderr_line "$line (in worker 0)" "$line (in worker 1)"
      fi
    done
    ;;
  crlf)
    # 2.3 MB, three map tasks, lone CRs inside lines, and a last line without
    # its newline.
    make_text "$work/text.txt" 20000 20
    # Lines end in a word byte, so that losing the byte before a CR shows.
    { tr '9' '\r' <"$work/text.txt" | sed 's/ $//'; printf 'last words'; } >"$work/lf.txt"
    sed 's/$/\r/' "$work/lf.txt" >"$work/crlf.txt"
    if cmp -s "$work/lf.txt" "$work/crlf.txt"; then fail "the CRLF input has no CR"; fi
    word_counts "$work/lf.txt" >"$work/expected.tsv"
    counts_everywhere "$work/lf.txt" "$work/expected.tsv"
    counts_everywhere "$work/crlf.txt" "$work/expected.tsv"
    ;;
  crlf-movies)
    sed 's/$/\r/' "$data_dir/ratings.txt" >"$work/ratings.txt"
    sed 's/$/\r/' "$data_dir/movies.txt" >"$work/movies.txt"
    for engine in "${engines[@]}"; do
      run movies "$movie_ratings" "$engine" "$work/ratings.txt"
      expect_status 0 "movie_ratings $engine on CRLF files"
      expect_stderr_empty
      expect_same "$data_dir/ratings.expected" "$out" "movie_ratings $engine on CRLF files"
    done
    # Line numbers in errors count CRLF lines as lines.
    sed 's/$/\r/' "$data_dir/bad_ratings.txt" >"$work/bad.txt"
    line="movie_ratings: error: mapper failed on line 6 of $work/bad.txt: malformed JSON: syntax error"
    run bad "$movie_ratings" --sequential --movies "$work/movies.txt" "$work/bad.txt"
    expect_status 1 "movie_ratings --sequential on a bad CRLF line"
    expect_stderr_line "$line"
    run bad "$movie_ratings" --processes=2 --movies "$work/movies.txt" "$work/bad.txt"
    expect_status 1 "movie_ratings --processes=2 on a bad CRLF line"
    expect_stderr_line "$line (in worker 0)" "$line (in worker 1)"
    ;;
  fifo-in-directory)
    # A directory stands for its regular files: a FIFO (no writer) and a
    # device inside it are skipped, not opened, read or waited for.
    mkdir "$work/directory"
    make_text "$work/directory/a.txt" 3000 20
    make_text "$work/directory/b.txt" 2000 30
    mkfifo "$work/directory/fifo"
    ln -s /dev/zero "$work/directory/zero"
    cat "$work/directory/a.txt" "$work/directory/b.txt" >"$work/both.txt"
    word_counts "$work/both.txt" >"$work/expected.tsv"
    for engine in --sequential "--processes=2"; do
      run directory timeout 10 "$word_count" "$engine" "$work/directory"
      expect_status 0 "word_count $engine on a directory with a FIFO and a device in it"
      expect_stderr_empty
      expect_same "$work/expected.tsv" "$out" "word_count $engine on the directory"
    done
    ;;
  device)
    refused /dev/null "$(not_regular /dev/null)"
    refused /dev/zero "$(not_regular /dev/zero)"
    ;;
  fifo)
    mkfifo "$work/fifo"
    refused "$work/fifo" "$(not_regular "$work/fifo")"
    # With a writer holding it open (read-write, so that this does not block).
    exec 3<>"$work/fifo"
    printf 'a b\n' >&3
    refused "$work/fifo" "$(not_regular "$work/fifo")"
    exec 3>&-
    ;;
  stdin-pipe)
    # Standard input is the read end of a pipe (process substitution).
    exec 3< <(printf 'a b\n')
    refused /dev/stdin "$(not_regular /dev/stdin)" /dev/fd/3
    exec 3<&-
    ;;
  *) unknown_case ;;
esac
cli_finish
