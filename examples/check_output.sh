#!/usr/bin/env bash
# check_output.sh EXPECTED COMMAND... : runs COMMAND and compares its standard
# output with the file EXPECTED, byte for byte; shows a diff when they differ.
set -u
expected=$1
shift
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
"$@" >"$actual"
status=$?
if [ "$status" -ne 0 ]; then
  echo "command failed with exit status $status: $*" >&2
  exit 1
fi
if ! cmp -s "$expected" "$actual"; then
  echo "output differs from $expected:" >&2
  diff "$expected" "$actual" >&2
  exit 1
fi
