#!/usr/bin/env bash
# prefix_test.sh SOURCE_ROOT VERSION
#
# Installs the library the way a user without root does, into a prefix in a
# home directory (a temporary HOME/.local): configures SOURCE_ROOT there with
# only the library (tests, examples and benchmarks off), shared and static
# (default_library=both), builds it and runs `meson install`. Then builds
# test/install/consumer.cpp outside the source tree as the README says:
#   - with pkg-config, PKG_CONFIG_PATH being the .pc's directory in Meson's
#     libdir (Debian's multiarch lib/x86_64-linux-gnu, read from Meson, not
#     assumed), and -Wl,-rpath to that libdir, so that it runs with no
#     LD_LIBRARY_PATH; a -std=c++2b with the same flags stays C++23;
#   - with CMake, find_package(mapreduce) through CMAKE_PREFIX_PATH, linking
#     the shared library, then the static one (mapreduce_USE_STATIC_LIBS).
# Each consumer's output is checked (consumer_checks.sh). VERSION is the
# project's; CXX, if set, is the compiler command. Writes nothing outside its
# temporary directory.
set -euo pipefail

if [[ $# != 2 ]]; then
  echo "usage: $0 SOURCE_ROOT VERSION" >&2
  exit 2
fi
source_root=$1 version=$2
# shellcheck source=consumer_checks.sh
source "$source_root/test/install/consumer_checks.sh"
# shellcheck source=cmake_consumer.sh
source "$source_root/test/install/cmake_consumer.sh"
read -ra cxx <<<"${CXX:-g++}"
# The consumers must find the library by their rpath alone.
unset LD_LIBRARY_PATH

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/home/.local build=$tmp/build

meson setup "$build" "$source_root" --prefix="$prefix" -Ddefault_library=both \
  -Dtests=false -Dexamples=false -Dbenchmarks=false >"$tmp/setup.log" 2>&1 ||
  fail "meson setup --prefix=$prefix failed: $(<"$tmp/setup.log")"
ninja -C "$build" >"$tmp/build.log" 2>&1 || fail "building the library failed: $(<"$tmp/build.log")"
meson install -C "$build" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
  fail "meson install into $prefix failed: $(<"$tmp/install.log")"

# Meson's libdir, relative to the prefix unless it was given outside it.
libdir=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
[[ $libdir == /* ]] || libdir=$prefix/$libdir
[[ -f $libdir/pkgconfig/mapreduce.pc ]] || fail "no mapreduce.pc in $libdir/pkgconfig"

# expect_loaded_from PROGRAM: PROGRAM loads libmapreduce from the home prefix.
expect_loaded_from() {
  local loaded
  loaded=$(ldd "$1" | sed -n 's/^\s*libmapreduce\.so[^ ]* => \([^ ]*\).*/\1/p')
  [[ $loaded == "$libdir"/* ]] || fail "$1 loads libmapreduce from '$loaded', not from $libdir"
}

# pkg-config, the README's way.
export PKG_CONFIG_PATH=$libdir/pkgconfig
[[ $(pkg-config --path mapreduce) == "$libdir/pkgconfig/mapreduce.pc" ]] ||
  fail "pkg-config found $(pkg-config --path mapreduce), not $libdir/pkgconfig/mapreduce.pc"
pkg_flags=$(pkg-config --cflags --libs mapreduce)
mkdir "$tmp/pkg-config"
cp "$source_root/test/install/consumer.cpp" "$tmp/pkg-config/"
# shellcheck disable=SC2086  # pkg-config's flags are meant to be split
(cd "$tmp/pkg-config" && "${cxx[@]}" -std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror consumer.cpp \
  -o consumer $pkg_flags -Wl,-rpath,"$libdir") >"$tmp/compile.log" 2>&1 ||
  fail "building the consumer with pkg-config failed: $(<"$tmp/compile.log")"
expect_loaded_from "$tmp/pkg-config/consumer"
check_consumer "$tmp/pkg-config/consumer" "$tmp/pkg-config"

# The .pc's flags come after the user's: they must not set the standard.
# shellcheck disable=SC2046  # pkg-config's flags are meant to be split
"${cxx[@]}" -std=c++2b $(pkg-config --cflags mapreduce) -fsyntax-only -x c++ - >"$tmp/cxx2b.log" 2>&1 <<'CPP' ||
#include <mapreduce/mapreduce.hpp>
static_assert(__cplusplus > 202002L, "-std=c++2b with pkg-config's flags is compiled as C++20");
CPP
  fail "-std=c++2b $(pkg-config --cflags mapreduce) is not C++23: $(<"$tmp/cxx2b.log")"
unset PKG_CONFIG_PATH

# CMake, the shared library and then the static one.
build_cmake_consumer "$source_root" "$tmp/cmake-shared" "$prefix" "$libdir/cmake/mapreduce" "$version"
expect_loaded_from "$tmp/cmake-shared/build/consumer"
check_consumer "$tmp/cmake-shared/build/consumer" "$tmp/cmake-shared"

build_cmake_consumer "$source_root" "$tmp/cmake-static" "$prefix" "$libdir/cmake/mapreduce" "$version" \
  -Dmapreduce_USE_STATIC_LIBS=ON
if ldd "$tmp/cmake-static/build/consumer" | grep libmapreduce >&2; then
  fail 'the consumer built with mapreduce_USE_STATIC_LIBS loads a shared libmapreduce'
fi
check_consumer "$tmp/cmake-static/build/consumer" "$tmp/cmake-static"
echo "ok: installed into $prefix, built and ran consumers with pkg-config ($pkg_flags) and with CMake"
