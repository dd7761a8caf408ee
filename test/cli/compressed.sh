#!/usr/bin/env bash
# compressed.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Compressed inputs of the real word_count, made by the formats' own tools
# (gzip, zstd, bzip2, xz, lz4) and recognised by their content: the output
# equals an independent count of the uncompressed text, whatever the engine,
# the file's name, or whether the data comes through a pipe.
#
# Cases:
#   stdin-pipe      compressed standard input from a pipe, every format,
#                   --sequential and -p 2; xz data in the middle of plain
#                   files; a redirected compressed file
#   stream-map      --stream-map on compressed standard input (its default
#                   input) gives what it gives on the plain text, and
#                   --stream-reduce reads compressed sorted map output
#   by-content      files whose names do not say they are compressed (a gzip
#                   file named .log, .GZ, xz named .txt, bzip2 with no
#                   extension, zstd named .gz), and pbzip2-style
#                   concatenated streams
#   refused         corrupt or truncated data, text named .bz2, and formats
#                   that are recognised but not supported (a zip archive,
#                   compress's .Z, lz4's legacy format) on standard input and
#                   as files: status 1, one error line naming the input and
#                   the format, an existing -o file untouched
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

formats=(gzip zstd bzip2 xz lz4)
engines=(--sequential "--processes=2")

# compress FORMAT FILE: FILE compressed by FORMAT's tool, on standard output.
compress() {
  case $1 in
    zstd | lz4) "$1" -q -c "$2" ;;
    *) "$1" -c "$2" ;;
  esac
}

# run_piped NAME FILE COMMAND...: as run, with standard input a pipe that
# FILE's bytes come through.
run_piped() {
  local name=$1 file=$2
  shift 2
  out=$work/$name.out err=$work/$name.err status=0
  reaped "$@" >"$out" 2>"$err" < <(cat "$file") || status=$?
}

# expect_refused WHAT LINE: the job just run failed with status 1 and the
# error LINE (a worker's error says which worker), and left -o's file as it
# was.
expect_refused() {
  expect_status 1 "$1"
  expect_stderr_line "$2" "$2 (in worker 0)" "$2 (in worker 1)"
  expect_content "$work/out.tsv" $'old output\n' "the existing output file ($1)"
  printf 'old output\n' >"$work/out.tsv"
}

make_text "$work/text.txt" 20000 12
word_counts "$work/text.txt" >"$work/expected.tsv"

case $case_name in
  stdin-pipe)
    for format in "${formats[@]}"; do
      compress "$format" "$work/text.txt" >"$work/text.$format"
      for engine in "${engines[@]}"; do
        run_piped "pipe-$format$engine" "$work/text.$format" "$word_count" "$engine" -
        expect_status 0 "$format | word_count $engine -"
        expect_stderr_empty
        expect_same "$work/expected.tsv" "$out" "$format | word_count $engine -"
      done
    done
    # Between two plain files, read in its place.
    head -n 100 "$work/text.txt" >"$work/head.txt"
    cat "$work/head.txt" "$work/text.txt" "$work/head.txt" >"$work/all.txt"
    word_counts "$work/all.txt" >"$work/all-expected.tsv"
    run_piped between "$work/text.xz" "$word_count" -p 2 "$work/head.txt" - "$work/head.txt"
    expect_status 0 "word_count head.txt - head.txt"
    expect_same "$work/all-expected.tsv" "$out" "xz standard input between plain files"
    # Redirected from a file, standard input is mapped; its content decides too.
    out=$work/redirected.out err=$work/redirected.err status=0
    reaped "$word_count" -p 2 - <"$work/text.bzip2" >"$out" 2>"$err" || status=$?
    expect_status 0 "word_count - <text.bz2"
    expect_same "$work/expected.tsv" "$out" "word_count - <text.bz2"
    ;;
  stream-map)
    run plain-map "$word_count" --stream-map "$work/text.txt"
    expect_status 0 "word_count --stream-map text.txt"
    mv "$out" "$work/plain-map.tsv"
    for format in "${formats[@]}"; do
      compress "$format" "$work/text.txt" >"$work/text.$format"
      # No input named: standard input, as Hadoop Streaming gives it.
      run_piped "map-$format" "$work/text.$format" "$word_count" --stream-map
      expect_status 0 "$format | word_count --stream-map"
      expect_same "$work/plain-map.tsv" "$out" "$format | word_count --stream-map"
      if grep -q error "$err"; then fail "$format | word_count --stream-map: $(cat "$err")"; fi
    done
    # The reduce side: sorted map output, compressed, through a pipe.
    sort "$work/plain-map.tsv" | xz -c >"$work/sorted.xz"
    run_piped reduce "$work/sorted.xz" "$word_count" --stream-reduce
    expect_status 0 "xz | word_count --stream-reduce"
    expect_same "$work/expected.tsv" "$out" "xz | word_count --stream-reduce"
    ;;
  by-content)
    gzip -c "$work/text.txt" >"$work/access.log"
    gzip -c "$work/text.txt" >"$work/UPPER.GZ"
    xz -c "$work/text.txt" >"$work/notes.txt"
    bzip2 -c "$work/text.txt" >"$work/no-extension"
    zstd -q -c "$work/text.txt" >"$work/zstd-named.gz"
    # As pbzip2 writes: one stream per part, concatenated.
    split -n l/3 "$work/text.txt" "$work/part."
    for part in "$work"/part.*; do bzip2 -c "$part"; done >"$work/streams.bz2"
    for part in "$work"/part.*; do lz4 -q -c "$part"; done >"$work/frames.lz4"
    for input in access.log UPPER.GZ notes.txt no-extension zstd-named.gz streams.bz2 frames.lz4; do
      for engine in "${engines[@]}"; do
        run "$input$engine" "$word_count" "$engine" "$work/$input"
        expect_status 0 "word_count $engine $input"
        expect_stderr_empty
        expect_same "$work/expected.tsv" "$out" "word_count $engine $input"
      done
    done
    ;;
  refused)
    xz -c "$work/text.txt" >"$work/text.xz"
    head -c -20 "$work/text.xz" >"$work/cut.xz"
    bzip2 -c "$work/text.txt" >"$work/text.bz2"
    printf 'just text\n' >"$work/plain.bz2"
    printf 'PK\003\004 not really an archive\n' >"$work/archive.zip"
    printf '\037\235\220 not really compressed\n' >"$work/old.Z"
    lz4 -q -l -c "$work/text.txt" >"$work/legacy.lz4"
    printf 'old output\n' >"$work/out.tsv"
    for engine in "${engines[@]}"; do
      run_piped "cut-stdin$engine" "$work/cut.xz" "$word_count" "$engine" -o "$work/out.tsv" -
      expect_refused "cut.xz | word_count $engine -" \
        "word_count: error: input standard input is truncated: its xz data ends in the middle of a stream"
      run "plain$engine" "$word_count" "$engine" -o "$work/out.tsv" "$work/plain.bz2"
      expect_refused "word_count $engine plain.bz2" \
        "word_count: error: input $work/plain.bz2 is not valid bzip2 data: a stream does not start with bzip2's header"
      run_piped "zip-stdin$engine" "$work/archive.zip" "$word_count" "$engine" -o "$work/out.tsv" -
      expect_refused "archive.zip | word_count $engine -" \
        "word_count: error: input standard input is a zip archive, which is not supported: decompress it first"
      run "compress$engine" "$word_count" "$engine" -o "$work/out.tsv" "$work/text.bz2" "$work/old.Z"
      expect_refused "word_count $engine text.bz2 old.Z" \
        "word_count: error: input $work/old.Z is compressed by compress (.Z), which is not supported: decompress it first"
      run "legacy$engine" "$word_count" "$engine" -o "$work/out.tsv" "$work/legacy.lz4"
      expect_refused "word_count $engine legacy.lz4" \
        "word_count: error: input $work/legacy.lz4 is compressed by lz4 in its legacy format (lz4 -l), which is not supported: decompress it first"
    done
    ;;
  *) unknown_case ;;
esac
cli_finish
