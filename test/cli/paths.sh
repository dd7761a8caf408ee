#!/usr/bin/env bash
# paths.sh CASE SUBREAPER WORD_COUNT MOVIE_RATINGS SLOW_JOB DATA_DIR
#
# Input paths on the real word_count: quoted globs and --recursive give every
# engine (--sequential, -p 1 and 3) the same output, that of the files they
# stand for counted by tr, sort and uniq; what is wrong fails with status 1
# and one error line naming it.
#
# The tree: data/a.txt (large: many map tasks), data/b.txt, data/x.log,
# data/.hidden.txt, data/_SUCCESS, data/sub/c.txt, data/sub/deep/d.txt,
# data/sub/_logs/e.txt.
#
# Cases:
#   glob            'data/*.txt', 'data/[ab].txt', 'data/**/*.txt' (hidden
#                   names left out), a glob matching directories ('data/s*':
#                   their files), a path that exists with a '*' in its name
#                   taken literally
#   glob-no-match   'data/*.gz': status 1, "input 'data/*.gz' matches no
#                   file", an existing -o file untouched
#   recursive       data without --recursive: its own files, and --stats
#                   counts "skipped subdirectories=1"; with --recursive: every
#                   file but the hidden ones, in name order, nothing skipped
#   recursive-loop  a symbolic link back to data inside it: --recursive and
#                   'data/**' fail naming it; without them it is skipped
#   help            --help describes --recursive and globs
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$@"

engines=(--sequential "--processes=1" "--processes=3")

make_tree() {
  mkdir -p "$work/data/sub/deep" "$work/data/sub/_logs"
  make_text "$work/data/a.txt" 20000 8
  echo "alpha bravo common" >"$work/data/b.txt"
  echo "xray common" >"$work/data/x.log"
  echo "hidden common" >"$work/data/.hidden.txt"
  : >"$work/data/_SUCCESS"
  echo "charlie common" >"$work/data/sub/c.txt"
  echo "delta common" >"$work/data/sub/deep/d.txt"
  echo "echo common" >"$work/data/sub/_logs/e.txt"
}

# expected NAME FILE...: the word counts of the FILEs (under $work/data) read
# one after the other, in $work/NAME.expected.
expected() {
  local name=$1 file
  shift
  for file in "$@"; do cat "$work/data/$file"; done >"$work/$name.text"
  word_counts "$work/$name.text" >"$work/$name.expected"
}

# counts_everywhere EXPECTED ARGS...: word_count ARGS gives EXPECTED with
# every engine, status 0, nothing on standard error.
counts_everywhere() {
  local expected=$1 engine
  shift
  for engine in "${engines[@]}"; do
    run "count$engine" "$word_count" "$engine" "$@"
    expect_status 0 "word_count $engine $*"
    expect_stderr_empty
    expect_same "$expected" "$out" "word_count $engine $*"
  done
}

# fails LINE ARGS...: word_count ARGS fails with every engine: status 1,
# standard error LINE, an existing -o file untouched.
fails() {
  local line=$1 engine
  shift
  for engine in --sequential "--processes=2"; do
    printf 'old output\n' >"$work/out.tsv"
    run fails "$word_count" "$engine" -o "$work/out.tsv" "$@"
    expect_status 1 "word_count $engine $*"
    expect_stderr_line "$line"
    expect_content "$work/out.tsv" $'old output\n' "the existing output file"
  done
}

# has_counter NAME=VALUE: the job's --stats output ($err) has that counter.
has_counter() {
  if ! grep -qxF "    $1" "$err"; then
    fail "--stats does not show $1"
    show_stderr
  fi
}

case $case_name in
  glob)
    make_tree
    expected txt a.txt b.txt
    counts_everywhere "$work/txt.expected" "$work/data/*.txt"
    counts_everywhere "$work/txt.expected" "$work/data/[ab].txt"
    counts_everywhere "$work/txt.expected" "$work/data/?.txt"
    expected all-txt a.txt b.txt sub/c.txt sub/deep/d.txt
    counts_everywhere "$work/all-txt.expected" "$work/data/**/*.txt"
    # A relative glob, from the directory the job runs in (meson may name
    # the programs relative to another).
    word_count=$(realpath "$word_count") subreaper=$(realpath "$subreaper")
    cd "$work" || exit 1
    counts_everywhere "$work/all-txt.expected" "data/**/*.txt"
    cd - >/dev/null || exit 1
    # A matched directory stands for its files (not its subdirectories).
    expected sub sub/c.txt
    counts_everywhere "$work/sub.expected" "$work/data/s*"
    # Among other inputs, in its place.
    expected mixed x.log b.txt sub/c.txt
    counts_everywhere "$work/mixed.expected" "$work/data/x.log" "$work/data/b*" "$work/data/sub/c.txt"
    # A path that exists is itself, even with a '*' in its name.
    echo "literal star" >"$work/data/a*.txt"
    echo "literal star" | word_counts /dev/stdin >"$work/literal.expected"
    counts_everywhere "$work/literal.expected" "$work/data/a*.txt"
    ;;
  glob-no-match)
    make_tree
    fails "word_count: error: input '$work/data/*.gz' matches no file" "$work/data/a.txt" "$work/data/*.gz"
    fails "word_count: error: input '$work/nowhere/**/*.txt' matches no file" "$work/nowhere/**/*.txt"
    # Hidden names are not matched by a wildcard.
    fails "word_count: error: input '$work/data/?hidden.txt' matches no file" "$work/data/?hidden.txt"
    ;;
  recursive)
    make_tree
    expected top a.txt b.txt x.log
    expected tree a.txt b.txt sub/c.txt sub/deep/d.txt x.log
    for engine in "${engines[@]}"; do
      run "plain$engine" "$word_count" --stats "$engine" "$work/data"
      expect_status 0 "word_count --stats $engine DIR"
      expect_same "$work/top.expected" "$out" "word_count $engine DIR"
      has_counter "skipped subdirectories=1"
      has_counter "input files=3"
      run "recursive$engine" "$word_count" --recursive --stats "$engine" "$work/data"
      expect_status 0 "word_count --recursive --stats $engine DIR"
      expect_same "$work/tree.expected" "$out" "word_count --recursive $engine DIR"
      has_counter "input files=5"
      if grep -q "skipped subdirectories" "$err"; then fail "--recursive: subdirectories counted as skipped"; fi
    done
    # The same as a glob with a trailing **: data and its subdirectories.
    counts_everywhere "$work/tree.expected" "$work/data/**"
    ;;
  recursive-loop)
    make_tree
    ln -s .. "$work/data/sub/up"
    fails "word_count: error: input directory $work/data/sub/up leads back to $work/data (a loop of symbolic links)" \
      --recursive "$work/data"
    fails "word_count: error: input directory $work/data/sub/up leads back to $work/data (a loop of symbolic links)" \
      "$work/data/**"
    expected sub sub/c.txt
    counts_everywhere "$work/sub.expected" "$work/data/sub"
    ;;
  help)
    run help "$word_count" --help
    expect_status 0 "word_count --help"
    grep -q -- "--recursive" "$out" || fail "--help does not describe --recursive"
    grep -qF "'data/**/part-*'" "$out" || fail "--help does not describe globs"
    ;;
  *) unknown_case ;;
esac
cli_finish
