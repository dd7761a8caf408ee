#!/usr/bin/env bash
# output_files.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Where word_count may write, and compressed output.
#
# Cases:
#   refused-before-input  each bad destination with the input - on a FIFO that
#                  a writer holds open and never writes (a job that read its
#                  input first would wait forever): -o DIR and -o DIR/ (2),
#                  -o MISSING/out.txt and -o FILE/out.txt (1), a non-empty
#                  --output-dir and one that is a file (2), --output-dir
#                  MISSING/out (1); each at once, with -p 2 and --sequential,
#                  the first error line naming the path, nothing created
#   unwritable-dir -o and --output-dir in a directory of mode 0555, run as
#                  nobody (setpriv) when the test runs as root, whom the mode
#                  does not stop: status 1 at once, "Permission denied" and
#                  the path, nothing created
#   gz-output      -o out.gz and -o out.zst, -p 2 and --sequential: gzip -dc
#                  and zstd -dc give exactly the plain output; --compress none
#                  keeps out.gz plain; --compress gzip|zstd compresses
#                  standard output (into a pipe) and a file of any name
#   streamed-writes  -o out.gz and out.zst of 3 MB and more, under strace: the
#                  compressed bytes go out in several writes of 1 MiB or more
#                  (the last may be smaller), never in one write at the end
#                  (skipped without strace)
#   output-dir-compressed  --output-dir DIR --compress gzip|zstd: part-NNNNN.gz
#                  (.zst) and _SUCCESS, each part decompressing to the plain
#                  --output-dir's part of the same name
#   compressed-write-fails  files limited to 64 KiB (ulimit -f), SIGXFSZ
#                  ignored: -o out.gz and --output-dir --compress zstd fail
#                  with status 1 and one line naming the file and "File too
#                  large"; no output, an old out.gz untouched; --compress gzip
#                  -o on a full device: "No space left on device"
#   compressed-write-signal  the same limit with SIGXFSZ at its default: the
#                  signal ends word_count (status 153, "terminated by SIGXFSZ")
#                  and its temporary directory with part-00000.gz goes with it
#   terminal       --compress gzip with standard output a terminal (script):
#                  status 2, nothing compressed written to it
#   streaming      --stream-map --compress gzip and --stream-map -o out.gz:
#                  status 2; --stream-map --compress none -o out.gz: plain
#   help           --help describes --compress
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

# 300 000 distinct words: 2 MB of input, 2.7 MB of output.
input=$work/numbers.txt
seq 1 300000 >"$input"

# expect_first_error_line STATUS TEXT WHAT: the job exited with STATUS, and
# the first line of its standard error is an error line holding TEXT.
expect_first_error_line() {
  expect_status "$1" "$3"
  local first
  first=$(head -n 1 "$err")
  if [[ $first != "word_count: error: "* || $first != *"$2"* ]]; then
    fail "$3: the first line of standard error is not an error naming $2"
    show_stderr
  fi
}

# refused STATUS PATH [COMMAND...] -- OPTION...: word_count OPTION... - (with
# COMMAND before it, as setpriv) with standard input a FIFO that is open for
# writing and never written: it must end within 5 s with STATUS and an error
# naming PATH, and create nothing in $work/dest.
refused() {
  local expected=$1 named=$2
  shift 2
  local -a before=()
  while [[ $1 != -- ]]; do
    before+=("$1")
    shift
  done
  shift
  local fifo=$work/stdin.fifo holder listing
  [[ -p $fifo ]] || mkfifo "$fifo"
  chmod 0644 "$fifo"
  exec {holder}<>"$fifo"
  listing=$(ls -lAR "$work/dest")
  err=$work/refused.err status=0
  timeout 5 "$subreaper" "$report" "${before[@]}" "$word_count" "$@" - <"$fifo" >"$work/refused.out" \
    2>"$err" || status=$?
  exec {holder}>&-
  if [[ $status == 124 ]]; then fail "word_count $* -: still running after 5 s, reading its input"; fi
  expect_first_error_line "$expected" "$named" "word_count $* -"
  if [[ $(ls -lAR "$work/dest") != "$listing" ]]; then fail "word_count $* -: changed $work/dest"; fi
  if [[ -s $work/refused.out ]]; then fail "word_count $* -: wrote to standard output"; fi
}

# decompress CODEC FILE: FILE's text on standard output.
decompress() {
  if [[ $1 == gzip ]]; then gzip -dc "$2"; else zstd -dcq "$2"; fi
}

# limited SIGXFSZ-ACTION NAME OPTION...: `run NAME word_count OPTION...` with
# files limited to 64 KiB and SIGXFSZ default or ignore.
limited() {
  local action=$1 name=$2
  shift 2
  # shellcheck disable=SC2016 # expanded by the inner shell
  run "$name" bash -c 'ulimit -f 64 && exec env "--$0-signal=XFSZ" "$@"' "$action" "$word_count" "$@"
}

engines=(--processes=2 --sequential)

case $case_name in
  refused-before-input)
    mkdir -p "$work/dest/dir" "$work/dest/full"
    echo old >"$work/dest/full/keep"
    echo "a file" >"$work/dest/plain"
    for engine in "${engines[@]}"; do
      refused 2 "$work/dest/dir" -- "$engine" -o "$work/dest/dir"
      refused 2 "$work/dest/dir/" -- "$engine" -o "$work/dest/dir/"
      refused 1 "$work/dest/missing/out.txt" -- "$engine" -o "$work/dest/missing/out.txt"
      refused 1 "$work/dest/plain/out.txt" -- "$engine" -o "$work/dest/plain/out.txt"
      refused 1 "$work/dest/missing/out.gz" -- "$engine" -o "$work/dest/missing/out.gz"
      refused 2 "$work/dest/full" -- "$engine" --output-dir "$work/dest/full"
      refused 2 "$work/dest/plain" -- "$engine" --output-dir "$work/dest/plain"
      refused 1 "$work/dest/missing/out" -- "$engine" --output-dir "$work/dest/missing/out" --compress gzip
    done
    ;;
  unwritable-dir)
    mkdir -p "$work/dest/ro"
    chmod 0555 "$work/dest/ro"
    as_user=()
    if [[ $(id -u) == 0 ]]; then
      as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
      chmod 0711 "$work"
      if ! "${as_user[@]}" "$word_count" --version >/dev/null 2>&1; then
        echo "nobody cannot run $word_count here: skipped"
        exit 77
      fi
    fi
    for engine in "${engines[@]}"; do
      refused 1 "$work/dest/ro/out.txt" "${as_user[@]}" -- "$engine" -o "$work/dest/ro/out.txt"
      grep -q "Permission denied" "$err" || fail "-o in a read-only directory: not Permission denied"
      refused 1 "$work/dest/ro/out" "${as_user[@]}" -- "$engine" --output-dir "$work/dest/ro/out"
      grep -q "Permission denied" "$err" || fail "--output-dir in a read-only directory: not Permission denied"
    done
    ;;
  gz-output)
    run plain "$word_count" --sequential -o "$work/plain.txt" "$input"
    expect_status 0 "word_count -o plain.txt"
    for engine in "${engines[@]}"; do
      for codec in gzip zstd; do
        extension=.gz
        [[ $codec == zstd ]] && extension=.zst
        packed=$work/out$engine$extension
        run packed "$word_count" "$engine" -o "$packed" "$input"
        expect_status 0 "word_count $engine -o $packed"
        expect_stderr_empty
        decompress "$codec" "$packed" >"$work/unpacked" || fail "$codec cannot read $packed"
        expect_same "$work/plain.txt" "$work/unpacked" "word_count $engine -o $packed, decompressed"
        if (($(file_size "$packed") >= $(file_size "$work/plain.txt") / 2)); then
          fail "$packed is not compressed: $(file_size "$packed") bytes"
        fi
        # Any name, with --compress; standard output too, only when asked.
        run named "$word_count" "$engine" --compress "$codec" -o "$work/named.txt" "$input"
        expect_status 0 "word_count $engine --compress $codec -o named.txt"
        decompress "$codec" "$work/named.txt" >"$work/unpacked" || fail "$codec cannot read named.txt"
        expect_same "$work/plain.txt" "$work/unpacked" "word_count $engine --compress $codec -o named.txt"
        status=0
        reaped "$word_count" "$engine" --compress "$codec" "$input" 2>"$work/stdout.err" | decompress "$codec" - \
          >"$work/unpacked" || status=$?
        expect_status 0 "word_count $engine --compress $codec | $codec -dc"
        expect_same "$work/plain.txt" "$work/unpacked" "word_count $engine --compress $codec | $codec -dc"
        run stdout "$word_count" "$engine" "$input"
        expect_same "$work/plain.txt" "$out" "word_count $engine without --compress"
      done
      run kept-plain "$word_count" "$engine" --compress none -o "$work/plain.gz" "$input"
      expect_status 0 "word_count $engine --compress none -o plain.gz"
      expect_same "$work/plain.txt" "$work/plain.gz" "word_count $engine --compress none -o plain.gz"
    done
    ;;
  streamed-writes)
    if ! command -v strace >/dev/null 2>&1; then
      echo "strace is not installed (tools/setup installs it): skipped"
      exit 77
    fi
    # 800 000 random words of 6 letters: nearly all distinct, so that the
    # output compresses to no less than half of its 7 MB.
    awk 'BEGIN { srand(7); for (i = 0; i < 100000; i++) { line = ""
        for (j = 0; j < 8; j++) { w = ""; for (k = 0; k < 6; k++) w = w substr("abcdefghijklmnopqrstuvwxyz0123456789", 1 + int(rand() * 36), 1)
          line = line w " " }
        print line } }' >"$work/words.txt"
    for extension in gz zst; do
      trace=$work/$extension.trace
      run traced strace -qq -o "$trace" -e trace=write "$word_count" --sequential -o "$work/out.$extension" \
        "$work/words.txt"
      expect_status 0 "word_count -o out.$extension under strace"
      # The sizes written, in order; only the output's writes are that large.
      sizes=$(sed -n 's/^write(.*) = \([0-9]*\)$/\1/p' "$trace" | awk '$1 >= 65536')
      count=$(wc -l <<<"$sizes")
      small=$(head -n -1 <<<"$sizes" | awk '$1 < 1048576' | wc -l)
      if ((count < 2 || small > 0)) || (($(file_size "$work/out.$extension") < 3000000)); then
        fail "-o out.$extension ($(file_size "$work/out.$extension") bytes) not written in blocks of 1 MiB: $(tr '\n' ' ' <<<"$sizes")"
      fi
    done
    ;;
  output-dir-compressed)
    run plain "$word_count" -p 2 --output-dir "$work/plain" "$input"
    expect_status 0 "word_count -p 2 --output-dir plain"
    for codec in gzip zstd; do
      extension=.gz
      [[ $codec == zstd ]] && extension=.zst
      run packed "$word_count" -p 2 --output-dir "$work/$codec" --compress "$codec" "$input"
      expect_status 0 "word_count -p 2 --output-dir $codec --compress $codec"
      expected=$(cd "$work/plain" && ls | sed "/^_SUCCESS\$/!s/\$/$extension/" | sort)
      actual=$(cd "$work/$codec" && ls | sort)
      [[ $actual == "$expected" ]] || fail "--compress $codec: the part files are not named part-NNNNN$extension"
      [[ -f $work/$codec/_SUCCESS && ! -s $work/$codec/_SUCCESS ]] || fail "--compress $codec: no empty _SUCCESS"
      for part in "$work/plain"/part-*; do
        name=$(basename "$part")
        decompress "$codec" "$work/$codec/$name$extension" >"$work/unpacked" || fail "$codec cannot read $name$extension"
        expect_same "$part" "$work/unpacked" "--compress $codec: $name$extension, decompressed"
      done
    done
    ;;
  compressed-write-fails)
    for engine in --sequential; do  # the limit would bind the workers' memfd arenas too
      limited ignore gz "$engine" -o "$work/out.gz" "$input"
      expect_first_error_line 1 "$work/out.gz: File too large" "word_count -o out.gz over the file size limit"
      [[ $(wc -l <"$err") == 1 ]] || fail "-o out.gz over the limit: more than one line on standard error"
      [[ ! -e $work/out.gz ]] || fail "-o out.gz over the limit: out.gz exists"
      echo old >"$work/out.gz"
      limited ignore gz-old "$engine" -o "$work/out.gz" "$input"
      expect_status 1 "word_count -o out.gz over the limit, over an old out.gz"
      expect_content "$work/out.gz" $'old\n' "-o out.gz over the limit, over an old out.gz"
      limited ignore dir "$engine" --output-dir "$work/dir" --compress zstd "$input"
      expect_first_error_line 1 "$work/dir/part-00000.zst: File too large" "--output-dir --compress zstd over the limit"
      [[ ! -e $work/dir ]] || fail "--output-dir over the limit: the directory exists"
    done
    make_full_device
    for engine in "${engines[@]}"; do
      run full "$word_count" "$engine" --compress gzip -o "$full" "$input"
      expect_first_error_line 1 "$full: No space left on device" "word_count $engine --compress gzip -o $full"
      [[ -c $full ]] || fail "$full is no longer a character device"
    done
    ;;
  compressed-write-signal)
    limited default signal --sequential --reducers 4 --output-dir "$work/dir" --compress gzip "$input"
    expect_status 153 "word_count --output-dir --compress gzip over the file size limit"
    expect_stderr_line "word_count: terminated by SIGXFSZ"
    [[ ! -e $work/dir ]] || fail "--output-dir over the limit: the directory exists"
    # cli_finish checks that no .dir.tmp-XXXXXX is left.
    ;;
  terminal)
    # script gives the job a terminal for standard output and copies what
    # it writes there to its own standard output.
    status=0
    script -qec "$(printf '%q ' "$subreaper" "$report" "$word_count" --compress gzip "$input")" /dev/null \
      >"$work/terminal.out" 2>&1 </dev/null || status=$?
    err=$work/terminal.out
    expect_status 2 "word_count --compress gzip on a terminal"
    grep -q "word_count: error: compressed output is not written to a terminal" "$err" ||
      fail "word_count --compress gzip on a terminal: no error saying so"
    if grep -qa $'\x1f\x8b' "$err"; then fail "word_count --compress gzip wrote gzip data to the terminal"; fi
    ;;
  streaming)
    run map "$word_count" --stream-map --compress gzip "$input"
    expect_first_error_line 2 "--compress" "word_count --stream-map --compress gzip"
    run map "$word_count" --stream-map -o "$work/map.gz" "$input"
    expect_first_error_line 2 "$work/map.gz" "word_count --stream-map -o map.gz"
    [[ ! -e $work/map.gz ]] || fail "word_count --stream-map -o map.gz wrote map.gz"
    run map "$word_count" --stream-map --compress none -o "$work/map.gz" "$input"
    expect_status 0 "word_count --stream-map --compress none -o map.gz"
    [[ $(head -n 1 "$work/map.gz") == $'1\t1' ]] || fail "--stream-map --compress none: map.gz is not plain"
    ;;
  help)
    run help "$word_count" --help
    expect_status 0 "word_count --help"
    grep -q -- "--compress=gzip|zstd|none" "$out" || fail "--help does not describe --compress"
    ;;
  *) unknown_case ;;
esac
cli_finish
