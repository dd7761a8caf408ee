#!/usr/bin/env bash
# records.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# --records FORMAT on the real word_count: the formats besides lines give
# every engine (--sequential, -p 1, 2 and 3) the same output and count their
# records ("input records" in --stats); a bad format is a usage error.
#
# Cases:
#   nul            printf 'a b\0c\0', and find -print0 output of names with
#                  spaces and newlines: one record per NUL
#   paragraphs     a 2 MB text of paragraphs, plain and gzipped: as many
#                  records as awk's paragraph mode (RS="") finds
#   fixed-partial  a file that is not a whole number of fixed records: status
#                  1, one error line naming the file and its size
#   separator      --records sep:STRING: a fortune-style file (records ended
#                  by "%\n") and CRLF lines counted as records; a separator
#                  that can overlap itself ('sep:\n%\n'), an empty one, one
#                  over 64 bytes and a bad escape are usage errors
#   bogus          --records bogus: status 2, the bad value named
#   stream-map-nul --stream-map --records nul: status 2 (streaming is lines)
#   help           --help describes --records
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

engines=(--sequential "--processes=1" "--processes=2" "--processes=3")

# counts_records INPUT EXPECTED RECORDS ARGS...: word_count ARGS INPUT gives
# EXPECTED with every engine, status 0, and counts RECORDS input records.
counts_records() {
  local input=$1 expected=$2 records=$3 engine
  shift 3
  for engine in "${engines[@]}"; do
    run "count$engine" "$word_count" --stats "$@" "$engine" "$input"
    expect_status 0 "word_count $* $engine $input"
    expect_same "$expected" "$out" "word_count $* $engine"
    if ! grep -qxF "    input records=$records" "$err"; then
      fail "word_count $* $engine: not $records input records"
      show_stderr
    fi
  done
}

case $case_name in
  nul)
    printf 'a b\0c\0' >"$work/print0"
    printf 'a\t1\nb\t1\nc\t1\n' >"$work/expected.tsv"
    counts_records "$work/print0" "$work/expected.tsv" 2 --records nul
    # The same bytes as lines: one record.
    run lines "$word_count" --stats "$work/print0"
    expect_same "$work/expected.tsv" "$out" "word_count without --records"
    grep -qxF "    input lines=1" "$err" || fail "word_count without --records: not 1 input line"
    # Names that hold spaces and newlines, as find -print0 lists them.
    mkdir "$work/tree"
    : >"$work/tree/one two"
    : >"$work/tree/three"$'\n'"four"
    : >"$work/tree/five"
    (cd "$work/tree" && find . -type f -print0) >"$work/names"
    printf 'five\t1\nfour\t1\none\t1\nthree\t1\ntwo\t1\n' >"$work/names.tsv"
    counts_records "$work/names" "$work/names.tsv" 3 --records nul
    ;;
  paragraphs)
    # Paragraphs of 1 to 6 lines between runs of 1 to 3 empty lines.
    awk 'BEGIN {
      srand(7)
      for (p = 0; p < 40000; p++) {
        lines = 1 + int(rand() * 6)
        for (l = 0; l < lines; l++) printf "w%d w%d w%d x%d\n", (p * 13 + l) % 701, p % 97, l, p % 1009
        blanks = 1 + int(rand() * 3)
        for (b = 0; b < blanks; b++) printf "\n"
      }
    }' >"$work/text.txt"
    [[ $(file_size "$work/text.txt") -gt 2000000 ]] || fail "the text is under 2 MB: one map task"
    records=$(awk 'BEGIN { RS = "" } END { print NR }' "$work/text.txt")
    [[ $records -eq 40000 ]] || fail "awk finds $records paragraphs, not 40000"
    word_counts "$work/text.txt" >"$work/expected.tsv"
    counts_records "$work/text.txt" "$work/expected.tsv" "$records" --records paragraphs
    gzip -c "$work/text.txt" >"$work/text.txt.gz"
    counts_records "$work/text.txt.gz" "$work/expected.tsv" "$records" --records paragraphs
    ;;
  fixed-partial)
    printf '0123456789' >"$work/ten.bin"
    for engine in --sequential "--processes=2"; do
      run fixed "$word_count" --records fixed:4 "$engine" "$work/ten.bin"
      expect_status 1 "word_count --records fixed:4 $engine"
      expect_stderr_line "word_count: error: input $work/ten.bin is 10 bytes, not a whole number of 4-byte records"
    done
    printf '0123456789ab' >"$work/twelve.bin"
    printf '0123\t1\n4567\t1\n89ab\t1\n' >"$work/expected.tsv"
    counts_records "$work/twelve.bin" "$work/expected.tsv" 3 --records fixed:4
    ;;
  separator)
    printf 'one fish\n%%\ntwo fish\nred fish\n%%\nblue fish\n%%\n' >"$work/fortunes"
    printf 'blue\t1\nfish\t4\none\t1\nred\t1\ntwo\t1\n' >"$work/fortunes.tsv"
    counts_records "$work/fortunes" "$work/fortunes.tsv" 3 --records 'sep:%\n'
    printf 'a b\r\nc\r\n' >"$work/crlf"
    printf 'a\t1\nb\t1\nc\t1\n' >"$work/crlf.tsv"
    counts_records "$work/crlf" "$work/crlf.tsv" 2 --records 'sep:\r\n'
    counts_records "$work/crlf" "$work/crlf.tsv" 2 --records 'sep:\x0d\x0A'
    # "\n%\n" begins and ends with "\n": in "\n%\n%\n" it occurs twice,
    # overlapping, and which one ends a record would depend on the cut.
    usage_error "word_count: error: --records: the separator sep:\n%\n can overlap itself (it begins and ends with '\n'), so its records would depend on where the input is cut; use a separator that cannot (for records between blank lines, paragraphs)" \
      --records 'sep:\n%\n' "$work/fortunes"
    usage_error "word_count: error: --records: a separator must be 1 to 64 bytes long, not 0" \
      --records 'sep:' "$work/fortunes"
    usage_error "word_count: error: --records: a separator must be 1 to 64 bytes long, not 65" \
      --records "sep:$(printf '%065d' 0)" "$work/fortunes"
    for value in 'sep:\q' 'sep:\x4' 'sep:\xzz' 'sep:a\'; do
      usage_error "word_count: error: --records: the separator in '$value' has a bad escape (use \n, \t, \r, \0, \\\\ or \xHH)" \
        --records "$value" "$work/fortunes"
    done
    ;;
  bogus)
    printf 'a\n' >"$work/in.txt"
    for value in bogus fixed: fixed:0 fixed:-1 fixed:1x fixed:1073741825 Lines; do
      usage_error "word_count: error: --records must be lines, nul, paragraphs, file, fixed:N (N from 1 to 1073741824 bytes) or sep:STRING, not '$value'" \
        --records "$value" "$work/in.txt"
    done
    ;;
  stream-map-nul)
    printf 'a\0b\0' >"$work/in.txt"
    usage_error "word_count: error: --stream-map and --stream-reduce read lines: --records must be lines there, not nul" \
      --stream-map --records nul "$work/in.txt"
    usage_error "word_count: error: --stream-map and --stream-reduce read lines: --records must be lines there, not fixed:2" \
      --stream-reduce --records fixed:2 "$work/in.txt"
    run stream "$word_count" --stream-map --records lines "$work/in.txt"
    expect_status 0 "word_count --stream-map --records lines"
    ;;
  help)
    run help "$word_count" --help
    expect_status 0 "word_count --help"
    for word in "--records=FORMAT" "nul" "paragraphs" "fixed:N" "sep:STRING"; do
      grep -qF -- "$word" "$out" || fail "--help does not mention $word"
    done
    ;;
  *) unknown_case ;;
esac

cli_finish
