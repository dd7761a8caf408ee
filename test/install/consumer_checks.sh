# shellcheck shell=bash
# Sourced by install_test.sh and subproject_test.sh (not run on its own).
# Defines check_consumer CONSUMER WORKDIR: writes a small input into WORKDIR,
# runs the consumer built from consumer.cpp through its command line and by
# constructing the job directly, and fails (exit 1) when an output, an exit
# status or an error differs from what is expected.

# Blank-separated words, with a CRLF line (the '\r' is dropped), an empty line,
# a tab, a word with a comma, a capital (sorts first) and a last line without
# a newline.
consumer_input=$'the cat sat on the mat\n\t the  dog\tsat\r\n\na cat, the cat\nThe end'
consumer_expected=$'The\t1\na\t1\ncat\t2\ncat,\t1\ndog\t1\nend\t1\nmat\t1\non\t1\nsat\t2\nthe\t4'

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_output NAME FILE: FILE must hold exactly the expected counts.
expect_output() {
  if ! diff -u <(printf '%s\n' "$consumer_expected") "$2" >&2; then
    fail "$1: output differs from the expected counts (diff above: - expected, + actual)"
  fi
}

check_consumer() {
  local consumer=$1 work=$2 status
  printf '%s' "$consumer_input" >"$work/input.txt"

  "$consumer" -p 2 "$work/input.txt" >"$work/p2.out" || fail "consumer -p 2 exited with $?"
  expect_output 'consumer -p 2' "$work/p2.out"

  "$consumer" --sequential "$work/input.txt" >"$work/seq.out" || fail "consumer --sequential exited with $?"
  expect_output 'consumer --sequential' "$work/seq.out"

  "$consumer" --direct "$work/input.txt" "$work/direct.out" || fail "consumer --direct exited with $?"
  expect_output 'consumer --direct (Job(path, options).run())' "$work/direct.out"

  # An error thrown inside the library is caught by its type in the program.
  status=0
  "$consumer" --direct "$work/missing.txt" "$work/missing.out" 2>"$work/direct.err" || status=$?
  [[ $status == 3 ]] || fail "consumer --direct on a missing input: exit $status, expected 3 (InputError); stderr: $(<"$work/direct.err")"
  [[ ! -e $work/missing.out ]] || fail 'consumer --direct on a missing input wrote an output file'

  # run_main reports a job error on one line and exits 1.
  status=0
  "$consumer" "$work/missing.txt" >"$work/missing.stdout" 2>"$work/runner.err" || status=$?
  [[ $status == 1 ]] || fail "consumer on a missing input: exit $status, expected 1; stderr: $(<"$work/runner.err")"
  grep -q 'error:' "$work/runner.err" || fail "consumer on a missing input: no 'error:' on stderr: $(<"$work/runner.err")"
  [[ ! -s $work/missing.stdout ]] || fail 'consumer on a missing input wrote to stdout'
}
