#!/usr/bin/env bash
# check_error.sh STATUS TEXT COMMAND... : runs COMMAND and checks that it exits
# with STATUS and that its standard error contains TEXT.
set -u
want_status=$1
want_text=$2
shift 2
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
"$@" >/dev/null 2>"$errors"
status=$?
if [ "$status" -ne "$want_status" ]; then
  echo "exit status $status, expected $want_status: $*" >&2
  cat "$errors" >&2
  exit 1
fi
if ! grep -qF -- "$want_text" "$errors"; then
  echo "standard error lacks \"$want_text\":" >&2
  cat "$errors" >&2
  exit 1
fi
