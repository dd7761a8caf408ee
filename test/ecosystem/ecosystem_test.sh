#!/usr/bin/env bash
# ecosystem_test.sh CASE WORD_COUNT MOVIE_RATINGS DATA_DIR VERSION
#
# Command-line tests of what a runner-built program reads and writes: several
# inputs, a directory, standard input, .gz and .zst files, --output-dir,
# --format jsonl, --stats, --progress, --version, and Hadoop Streaming as
# Hadoop runs it (mapper | sort | reducer). Expectations come from the
# standard tools (tr, sort, uniq, awk, wc) in the C locale, never from the
# programs under test. Exits 0 when the case passes; otherwise prints what
# failed and exits 1.
set -u -o pipefail
export LC_ALL=C

case_name=$1
# Meson passes paths relative to the build directory; the cases run elsewhere.
word_count=$(readlink -f "$2")
movie_ratings=$(readlink -f "$3")
data=$(readlink -f "$4")
version=$5

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mapreduce-ecosystem-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
tab=$(printf '\t')

failures=0
fail() {
  echo "FAIL ($case_name): $*" >&2
  failures=$((failures + 1))
}

# same EXPECTED ACTUAL WHAT: the two files are byte for byte equal.
same() {
  if ! cmp -s "$1" "$2"; then
    fail "$3: output differs from the expectation"
    diff "$1" "$2" | head -20 >&2
  fi
}

# runs STATUS WHAT COMMAND...: COMMAND exits with STATUS.
runs() {
  local expected=$1 what=$2
  shift 2
  "$@"
  local status=$?
  [ "$status" -eq "$expected" ] || fail "$what: exit status $status, expected $expected ($*)"
}

# contains FILE TEXT WHAT: FILE has a line that is exactly TEXT.
contains() {
  grep -aqxF -- "$2" "$1" || { fail "$3: no line '$2' in $1:"; head -c 2000 "$1" >&2; }
}

require() {
  for tool in "$@"; do
    # Not a skip: the case needs the tool, and CI must install it.
    command -v "$tool" >/dev/null || { echo "FAIL ($case_name): '$tool' is not installed (Debian package: $tool)" >&2; exit 1; }
  done
}

# A deterministic English-like text of about $1 lines: capitalised words,
# contractions, numbers, snake_case, punctuation, UTF-8 words (whose bytes
# over 0x7f split words), runs of blanks, empty lines, some CRLF endings.
generate_text() {
  awk -v lines="$1" 'BEGIN {
    n = split("the of and to a in that it is was he for on are as with his they I at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part Map Reduce MapReduce shuffle sort combiner mapper reducer don'"'"'t it'"'"'s o'"'"'clock rock'"'"'n'"'"'roll snake_case _private x86_64 1001 42 2024 caf\303\251 na\303\257ve \303\274ber r\303\251sum\303\251 \345\234\260\345\233\263", vocab, " ")
    punct[0] = " "; punct[1] = ", "; punct[2] = ". "; punct[3] = "; "; punct[4] = " -- "; punct[5] = "! "; punct[6] = "? "; punct[7] = " (" ; punct[8] = ") "; punct[9] = "\t"
    seed = 12345
    for (l = 0; l < lines; l++) {
      seed = (seed * 1103515245 + 12345) % 2147483648
      if (seed % 17 == 0) { print ""; continue }
      words = 3 + seed % 14
      line = ""
      for (w = 0; w < words; w++) {
        seed = (seed * 1103515245 + 12345) % 2147483648
        # Zipf-like: low indices far more often.
        i = 1 + int(n * (seed / 2147483648) ^ 3)
        word = vocab[i]
        if (w == 0) word = toupper(substr(word, 1, 1)) substr(word, 2)
        line = line word punct[int(seed / 7) % 10]
      }
      if (seed % 5 == 0) line = line "\r"
      print line
    }
  }'
}

# The word counts of standard input, as word_count defines words (maximal
# runs of [A-Za-z0-9_']): word<TAB>count in byte order.
count_words() {
  tr -cs "A-Za-z0-9_'" '\n' | grep -v '^$' | sort | uniq -c | awk '{ print $2 "\t" $1 }'
}

# The total of the counts of a word<TAB>count file.
total_of() { awk -F '\t' '{ s += $2 } END { print s + 0 }' "$1"; }

make_text() {
  generate_text 60000 >text.txt
  count_words <text.txt >expected.txt
  [ "$(wc -l <expected.txt)" -gt 100 ] || { echo "FAIL: the generated text has too few words" >&2; exit 1; }
}

case "$case_name" in
several_files)
  make_text
  split -l 20000 text.txt part.  # part.aa part.ab part.ac, each ending in a newline
  for engine in "" "--sequential" "-p 3"; do
    # shellcheck disable=SC2086
    runs 0 "three files $engine" "$word_count" $engine part.aa part.ab part.ac >out.txt
    same expected.txt out.txt "three files $engine"
  done
  # A line never spans two inputs: a file without a final newline ends its
  # last word.
  printf 'abc' >no-newline.txt
  printf 'def\n' >next.txt
  printf 'abc\t1\ndef\t1\n' >expected-split.txt
  runs 0 "no final newline" "$word_count" no-newline.txt next.txt >out.txt
  same expected-split.txt out.txt "a file without a final newline, then another"
  # The same file twice counts twice.
  awk -F '\t' '{ print $1 "\t" 2 * $2 }' expected.txt >expected-twice.txt
  runs 0 "a file twice" "$word_count" text.txt text.txt >out.txt
  same expected-twice.txt out.txt "the same file twice"
  runs 1 "a missing file" "$word_count" text.txt missing.txt >out.txt 2>err.txt
  grep -q "missing.txt" err.txt || fail "the error does not name missing.txt: $(cat err.txt)"
  [ -s out.txt ] && fail "output written although an input is missing"
  ;;

directory)
  make_text
  mkdir -p in/sub in/_logs
  split -l 25000 text.txt in/part-
  echo "HIDDENWORD" >in/.hidden
  echo "UNDERSCOREWORD" >in/_SUCCESS
  echo "LOGWORD" >in/_logs/log
  echo "SUBDIRWORD" >in/sub/x
  for engine in "" "--sequential" "-p 2"; do
    # shellcheck disable=SC2086
    runs 0 "a directory $engine" "$word_count" $engine in >out.txt
    same expected.txt out.txt "a directory $engine"
    # shellcheck disable=SC2086
    runs 0 "a directory with a slash $engine" "$word_count" $engine in/ >out.txt
    same expected.txt out.txt "a directory given as in/ $engine"
  done
  # A directory among files.
  printf 'extra words\n' >extra.txt
  { cat text.txt extra.txt; } | count_words >expected-extra.txt
  runs 0 "a directory and a file" "$word_count" extra.txt in >out.txt
  same expected-extra.txt out.txt "a file and a directory"
  mkdir empty
  runs 0 "an empty directory" "$word_count" empty >out.txt
  [ -s out.txt ] && fail "an empty directory gave output"
  ;;

stdin)
  make_text
  cat text.txt | runs 0 "a pipe" "$word_count" - >out.txt
  same expected.txt out.txt "standard input from a pipe"
  cat text.txt | runs 0 "a pipe, -p 3" "$word_count" -p 3 - >out.txt
  same expected.txt out.txt "standard input from a pipe, -p 3"
  runs 0 "a redirected file" "$word_count" - <text.txt >out.txt
  same expected.txt out.txt "standard input redirected from a file"
  split -l 20000 text.txt part.
  cat part.ab | runs 0 "- between files" "$word_count" part.aa - part.ac >out.txt
  same expected.txt out.txt "standard input between two files"
  : | runs 0 "an empty pipe" "$word_count" - >out.txt
  [ -s out.txt ] && fail "an empty pipe gave output"
  runs 2 "- twice" "$word_count" - - </dev/null >out.txt 2>err.txt
  ;;

compressed)
  require gzip zstd
  make_text
  split -l 20000 text.txt part.
  gzip -c text.txt >text.gz
  zstd -q -c text.txt >text.zst
  { gzip -c part.aa; gzip -1 -c part.ab; gzip -9 -c part.ac; } >members.gz
  { zstd -q -c part.aa; zstd -q -1 -c part.ab; zstd -q -19 -c part.ac; } >frames.zst
  for input in text.gz text.zst members.gz frames.zst; do
    for engine in "--sequential" "-p 3"; do
      runs 0 "$input $engine" "$word_count" $engine "$input" >out.txt
      same expected.txt out.txt "$input $engine"
    done
  done
  # Mixed with a plain file and a directory of compressed parts.
  mkdir dir
  gzip -c part.ab >dir/b.gz
  zstd -q -c part.ac >dir/c.zst
  runs 0 "mixed inputs" "$word_count" part.aa dir >out.txt
  same expected.txt out.txt "a plain file and a directory of compressed parts"
  # Corrupt and truncated data: exit 1 naming the file, no output.
  head -c -20 text.gz >cut.gz
  head -c -20 text.zst >cut.zst
  { head -c 5000 text.gz; head -c 3000 /dev/zero; tail -c +8001 text.gz; } >corrupt.gz
  printf 'not compressed at all\n' >plain.zst
  for bad in cut.gz cut.zst corrupt.gz plain.zst; do
    runs 1 "$bad" "$word_count" -p 2 "$bad" >out.txt 2>err.txt
    grep -q "$bad" err.txt || fail "the error for $bad does not name it: $(cat err.txt)"
    [ -s out.txt ] && fail "output written for $bad"
  done
  ;;

output_dir)
  make_text
  runs 0 "--output-dir -p 2" "$word_count" -p 2 --output-dir out text.txt >stdout.txt
  [ -s stdout.txt ] && fail "--output-dir also wrote to standard output"
  expected_names="_SUCCESS part-00000 part-00001 part-00002 part-00003 part-00004 part-00005 part-00006 part-00007"
  names=$(cd out && ls -A | sort | tr '\n' ' ' | sed 's/ $//')
  [ "$names" = "$expected_names" ] || fail "-p 2 made '$names', expected '$expected_names'"
  [ -f out/_SUCCESS ] && [ ! -s out/_SUCCESS ] || fail "_SUCCESS is missing or not empty"
  for part in out/part-*; do
    sort -c "$part" 2>/dev/null || fail "$part is not sorted"
  done
  cat out/part-* | sort >merged.txt
  same expected.txt merged.txt "the union of the parts"
  [ "$(cat out/part-* | wc -l)" -eq "$(wc -l <expected.txt)" ] || fail "a word is in more than one part"
  # The sequential engine: one part, the whole sorted output.
  runs 0 "--output-dir --sequential" "$word_count" --sequential --output-dir seq text.txt
  names=$(cd seq && ls -A | tr '\n' ' ' | sed 's/ $//')
  [ "$names" = "_SUCCESS part-00000" ] || fail "--sequential made '$names'"
  same expected.txt seq/part-00000 "--sequential part-00000"
  # An existing empty directory is fine.
  mkdir empty
  runs 0 "an empty directory" "$word_count" -p 1 --output-dir empty text.txt
  [ "$(ls empty | wc -l)" -eq 5 ] || fail "-p 1 into an empty directory: $(ls empty)"
  # A directory with files in it is refused (usage error, 2) and untouched.
  before=$(cd out && ls -lA --time-style=+%s.%N && cat ./*)
  runs 2 "a non-empty directory" "$word_count" -p 2 --output-dir out text.txt >stdout.txt 2>err.txt
  grep -q "out" err.txt || fail "the refusal does not name the directory: $(cat err.txt)"
  after=$(cd out && ls -lA --time-style=+%s.%N && cat ./*)
  [ "$before" = "$after" ] || fail "the refused directory changed"
  # A failed job leaves nothing: a missing catalogue fails movie_ratings.
  runs 1 "a failed job" "$movie_ratings" --movies missing.txt --output-dir failed "$data/ratings.txt" 2>err.txt
  [ -e failed ] && fail "a failed job left its output directory"
  # No temporary directory (.NAME.tmp-XXXXXX) is left anywhere.
  leftovers=$(ls -A | grep '^\.' || true)
  [ -z "$leftovers" ] || fail "temporary files left: $leftovers"
  runs 2 "-o and --output-dir" "$word_count" -o x.txt --output-dir y text.txt 2>err.txt
  [ -e x.txt ] || [ -e y ] && fail "-o with --output-dir wrote something"
  ;;

jsonl)
  make_text
  runs 0 "--format jsonl" "$word_count" --format jsonl text.txt >out.jsonl
  bad=$(grep -cvE "^\{\"key\": \"[A-Za-z0-9_']+\", \"value\": [1-9][0-9]*\}\$" out.jsonl)
  [ "$bad" -eq 0 ] || fail "$bad lines are not {\"key\": WORD, \"value\": COUNT}: $(grep -vE "^\{\"key\"" out.jsonl | head -3)"
  sed -E 's/^\{"key": "(.*)", "value": ([0-9]+)\}$/\1\t\2/' out.jsonl >back.txt
  same expected.txt back.txt "jsonl turned back into word<TAB>count"
  # Strings with quotes and UTF-8, floats: movie_ratings, whose expected
  # output is turned into JSON here (names have no backslash or control
  # character; averages are JSON numbers as they are).
  awk -F '\t' '{
      name = ""
      for (i = 1; i <= length($1); i++) {
        c = substr($1, i, 1)
        name = name (c == "\"" ? "\\" : "") c
      }
      print "{\"key\": \"" name "\", \"value\": " $2 "}"
    }' "$data/ratings.expected" >expected.jsonl
  runs 0 "movie_ratings --format jsonl" "$movie_ratings" -p 2 --format jsonl "$data/ratings.txt" >out.jsonl
  same expected.jsonl out.jsonl "movie_ratings --format jsonl"
  contains out.jsonl '{"key": "The \"Quoted\" Movie", "value": 5.528571428571429}' "an escaped quote"
  runs 0 "--format tsv" "$word_count" --format tsv text.txt >out.txt
  same expected.txt out.txt "--format tsv"
  runs 2 "--format xml" "$word_count" --format xml text.txt >out.txt 2>err.txt
  ;;

stats)
  make_text
  words=$(total_of expected.txt)
  distinct=$(wc -l <expected.txt)
  for engine in "--sequential" "-p 2"; do
    runs 0 "--stats $engine" "$word_count" --stats $engine text.txt >out.txt 2>err.txt
    same expected.txt out.txt "standard output with --stats $engine"
    contains err.txt "counters:" "--stats $engine"
    contains err.txt "  mapreduce" "--stats $engine"
    contains err.txt "    input bytes=$(wc -c <text.txt)" "--stats $engine"
    contains err.txt "    input lines=$(wc -l <text.txt)" "--stats $engine"
    contains err.txt "    map output records=$words" "--stats $engine"
    contains err.txt "    distinct keys=$distinct" "--stats $engine"
    contains err.txt "    reduce output records=$distinct" "--stats $engine"
    contains err.txt "    input files=1" "--stats $engine"
    grep -aqE '^    map phase ms=[0-9]+$' err.txt || fail "--stats $engine: no map phase ms"
    grep -aqE '^    peak rss KiB=[1-9][0-9]*$' err.txt || fail "--stats $engine: no peak rss KiB"
  done
  runs 0 "without --stats" "$word_count" text.txt >out.txt 2>err.txt
  [ -s err.txt ] && fail "counters printed without --stats: $(head -3 err.txt)"
  ;;

progress)
  make_text
  runs 0 "--progress" "$word_count" --progress -p 2 text.txt >out.txt 2>err.txt
  same expected.txt out.txt "standard output with --progress"
  grep -aq "map" err.txt || fail "--progress wrote no line mentioning map: $(head -c 300 err.txt | od -c | head)"
  runs 0 "--progress --sequential" "$word_count" --progress --sequential text.txt >out.txt 2>err.txt
  same expected.txt out.txt "standard output with --progress --sequential"
  grep -aq "map" err.txt || fail "--progress --sequential wrote no line mentioning map"
  # Standard error is a file here, not a terminal: no progress by default.
  runs 0 "no --progress" "$word_count" -p 2 text.txt >out.txt 2>err.txt
  [ -s err.txt ] && fail "progress shown on a file by default: $(head -c 200 err.txt | od -c | head -3)"
  runs 0 "--no-progress" "$word_count" --no-progress text.txt >out.txt 2>err.txt
  [ -s err.txt ] && fail "progress shown with --no-progress"
  ;;

version)
  for program in "$word_count" "$movie_ratings"; do
    name=$(basename "$program")
    runs 0 "$name --version" "$program" --version >out.txt 2>err.txt
    printf '%s (mapreduce %s)\n' "$name" "$version" >expected-version.txt
    same expected-version.txt out.txt "$name --version"
    [ -s err.txt ] && fail "$name --version wrote to standard error"
  done
  runs 0 "--help" "$word_count" --help >out.txt
  for option in --output-dir --format --stats --progress --stream-map --stream-reduce --version; do
    grep -q -- "$option" out.txt || fail "--help does not mention $option"
  done
  ;;

streaming_word_count)
  make_text
  words=$(total_of expected.txt)
  distinct=$(wc -l <expected.txt)
  # Exactly as Hadoop Streaming runs a job: mapper, sort by the C locale,
  # reducer, each reading standard input.
  cat text.txt | "$word_count" --stream-map 2>map-err.txt | sort | "$word_count" --stream-reduce 2>reduce-err.txt |
    sort >out.txt
  statuses=("${PIPESTATUS[@]}")
  [ "${statuses[*]}" = "0 0 0 0 0" ] || fail "pipeline exit statuses: ${statuses[*]}"
  same expected.txt out.txt "stream-map | sort | stream-reduce"
  contains map-err.txt "reporter:counter:mapreduce,input lines,$(wc -l <text.txt)" "stream-map counters"
  contains map-err.txt "reporter:counter:mapreduce,input bytes,$(wc -c <text.txt)" "stream-map counters"
  contains map-err.txt "reporter:counter:mapreduce,map output records,$words" "stream-map counters"
  contains reduce-err.txt "reporter:counter:mapreduce,reduce output records,$distinct" "stream-reduce counters"
  bad=$(grep -cv '^reporter:counter:[^,]*,[^,]*,-\?[0-9]*$' map-err.txt reduce-err.txt | awk -F: '{ s += $2 } END { print s }')
  [ "$bad" -eq 0 ] || fail "standard error holds lines other than reporter:counter: lines"
  # The map side applies the combiner, across map tasks since word_count's
  # combines in any order: a small file gives each word once, with its count
  # in that file.
  head -n 5000 text.txt >small.txt
  count_words <small.txt >expected-small.txt
  "$word_count" --stream-map small.txt 2>/dev/null | sort >mapped-small.txt
  same expected-small.txt mapped-small.txt "stream-map of one map task"
  # Given inputs instead of standard input; several map tasks.
  "$word_count" --stream-map text.txt text.txt 2>/dev/null | sort | "$word_count" --stream-reduce 2>/dev/null |
    sort >out.txt
  awk -F '\t' '{ print $1 "\t" 2 * $2 }' expected.txt >expected-twice.txt
  same expected-twice.txt out.txt "stream-map with two inputs"
  runs 2 "both modes" "$word_count" --stream-map --stream-reduce </dev/null 2>/dev/null
  ;;

streaming_movie_ratings)
  movies="$data/movies.txt"
  ratings="$data/ratings.txt"
  "$movie_ratings" --movies "$movies" "$ratings" | sort >expected.txt
  [ "$(wc -l <expected.txt)" -gt 3 ] || fail "movie_ratings gave too little output"
  cat "$ratings" | "$movie_ratings" --movies "$movies" --stream-map 2>map-err.txt | sort |
    "$movie_ratings" --movies "$movies" --stream-reduce 2>reduce-err.txt | sort >out.txt
  statuses=("${PIPESTATUS[@]}")
  [ "${statuses[*]}" = "0 0 0 0 0" ] || fail "pipeline exit statuses: ${statuses[*]}"
  same expected.txt out.txt "movie_ratings stream-map | sort | stream-reduce"
  records=$(grep -c '[^[:space:]]' "$ratings")
  contains map-err.txt "reporter:counter:mapreduce,map output records,$records" "stream-map counters"
  contains map-err.txt "reporter:counter:mapreduce,input lines,$(wc -l <"$ratings")" "stream-map counters"
  contains reduce-err.txt "reporter:counter:mapreduce,reduce output records,$(wc -l <expected.txt)" \
    "stream-reduce counters"
  # The map side's lines are movie_id<TAB>rating.
  "$movie_ratings" --movies "$movies" --stream-map "$ratings" 2>/dev/null >mapped.txt
  bad=$(grep -cvE "^[0-9]+${tab}-?[0-9.e+-]+\$" mapped.txt)
  [ "$bad" -eq 0 ] || fail "$bad stream-map lines are not id<TAB>rating: $(head -3 mapped.txt)"
  ;;

*)
  echo "unknown case $case_name" >&2
  exit 1
  ;;
esac

if [ "$failures" -ne 0 ]; then
  echo "$case_name: $failures failures" >&2
  exit 1
fi
echo "$case_name: passed"
