#!/usr/bin/env bash
# subproject_test.sh SOURCE_ROOT DEFAULT_LIBRARY
#
# Makes, in a temporary directory, a Meson project whose subprojects/mapreduce
# is a symbolic link to SOURCE_ROOT and whose meson.build finds the library
# with a plain dependency('mapreduce') (which only the subproject's
# meson.override_dependency can satisfy), builds test/install/consumer.cpp
# with it, the subproject's library being DEFAULT_LIBRARY (shared or static)
# and its tests, examples and benchmarks off, and checks the consumer's output
# (consumer_checks.sh). Writes nothing outside its temporary directory.
set -euo pipefail

if [[ $# != 2 ]]; then
  echo "usage: $0 SOURCE_ROOT DEFAULT_LIBRARY" >&2
  exit 2
fi
source_root=$1 default_library=$2
# shellcheck source=consumer_checks.sh
source "$source_root/test/install/consumer_checks.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
project=$tmp/project
mkdir -p "$project/subprojects"
ln -s "$source_root" "$project/subprojects/mapreduce"
cp "$source_root/test/install/consumer.cpp" "$project/"
cat >"$project/meson.build" <<'MESON'
project('consumer', 'cpp', default_options : ['cpp_std=c++20', 'warning_level=3'])
mapreduce_dep = dependency('mapreduce')
executable('consumer', 'consumer.cpp', dependencies : mapreduce_dep, cpp_args : ['-Werror'])
MESON

# --force-fallback-for: never an installed mapreduce.pc, always the subproject.
meson setup "$tmp/build" "$project" --force-fallback-for=mapreduce \
  -Dmapreduce:default_library="$default_library" \
  -Dmapreduce:tests=false -Dmapreduce:examples=false -Dmapreduce:benchmarks=false \
  >"$tmp/setup.log" 2>&1 || fail "meson setup of the consumer project failed: $(<"$tmp/setup.log")"
grep -q 'Dependency mapreduce found: YES .*(overridden)' "$tmp/setup.log" ||
  fail "dependency('mapreduce') was not the subproject's override: $(<"$tmp/setup.log")"
ninja -C "$tmp/build" >"$tmp/build.log" 2>&1 || fail "building the consumer project failed: $(<"$tmp/build.log")"

# The library kind asked for is the one linked.
consumer=$tmp/build/consumer
loaded=$(ldd "$consumer" | sed -n 's/^\s*libmapreduce\.so[^ ]* => \([^ ]*\).*/\1/p')
case $default_library in
  shared) [[ $loaded == "$tmp/build/subprojects/mapreduce/"* ]] ||
            fail "the consumer loads libmapreduce from '$loaded', not from the subproject's build" ;;
  static) [[ -z $loaded ]] || fail "the consumer loads a shared libmapreduce ($loaded) in a static build" ;;
  *) fail "DEFAULT_LIBRARY must be shared or static, not $default_library" ;;
esac

check_consumer "$consumer" "$tmp/build"
echo "ok: the consumer built with mapreduce as a $default_library subproject"
