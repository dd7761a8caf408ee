#!/usr/bin/env bash
# install_test.sh SOURCE_ROOT BUILD_ROOT PREFIX LIBDIR INCLUDEDIR DEFAULT_LIBRARY VERSION
#
# Runs `meson install --destdir` from BUILD_ROOT into a temporary directory;
# checks that the library, mapreduce.pc, the CMake package and exactly the
# public headers of SOURCE_ROOT/include/mapreduce are there, that every
# installed header compiles on its own with only the installed include
# directory, that each one compiled as C++17 fails with one error that asks
# for C++20, and that none includes a header of Boost, zlib or zstd; then
# builds test/install/consumer.cpp outside the source tree with
# `$CXX -std=c++20 … $(pkg-config --cflags --libs mapreduce)`, and again with
# CMake's find_package from the DESTDIR (the package is relocatable), and
# checks their output (consumer_checks.sh, cmake_consumer.sh). LIBDIR and
# INCLUDEDIR are absolute (joined to PREFIX); DEFAULT_LIBRARY is shared, static
# or both; CXX, if set, is the compiler command. Writes nothing outside its temporary
# directory but Meson's own install log in BUILD_ROOT/meson-logs.
set -euo pipefail

if [[ $# != 7 ]]; then
  echo "usage: $0 SOURCE_ROOT BUILD_ROOT PREFIX LIBDIR INCLUDEDIR DEFAULT_LIBRARY VERSION" >&2
  exit 2
fi
source_root=$1 build_root=$2 prefix=$3 libdir=$4 includedir=$5 default_library=$6 version=$7
# shellcheck source=consumer_checks.sh
source "$source_root/test/install/consumer_checks.sh"
# shellcheck source=cmake_consumer.sh
source "$source_root/test/install/cmake_consumer.sh"
read -ra cxx <<<"${CXX:-g++}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
destdir=$tmp/destdir

meson install -C "$build_root" --destdir "$destdir" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
  fail "meson install failed: $(<"$tmp/install.log")"

# What landed.
inc=$destdir$includedir lib=$destdir$libdir pcdir=$destdir$libdir/pkgconfig
[[ -f $inc/mapreduce/mapreduce.hpp ]] || fail "no $includedir/mapreduce/mapreduce.hpp"
[[ -f $pcdir/mapreduce.pc ]] || fail "no $libdir/pkgconfig/mapreduce.pc"
cmakedir=$lib/cmake/mapreduce
for file in mapreduceConfig.cmake mapreduceConfigVersion.cmake; do
  [[ -f $cmakedir/$file ]] || fail "no $libdir/cmake/mapreduce/$file"
done
# Every public header, and only those: the installed tree mirrors the source
# include/mapreduce, and holds nothing else under the include directory.
diff <(cd "$source_root/include" && find mapreduce -type f -name '*.hpp' | sort) \
     <(cd "$inc" && find . -type f | sed 's|^\./||' | sort) >&2 ||
  fail 'installed headers differ from include/mapreduce (diff above: < source only, > installed only)'
case $default_library in
  shared | both)
    [[ -f $lib/libmapreduce.so.$version ]] || fail "no $libdir/libmapreduce.so.$version"
    [[ -L $lib/libmapreduce.so && -e $lib/libmapreduce.so ]] || fail "no libmapreduce.so link to the library"
    soname=$(readelf -d "$lib/libmapreduce.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [[ -n $soname && -e $lib/$soname ]] || fail "SONAME '$soname' is not installed in $libdir"
    ;;&
  static | both)
    [[ -f $lib/libmapreduce.a ]] || fail "no $libdir/libmapreduce.a"
    ;;
esac

# compile_headers TAG FLAG...: compiles each installed header on its own with
# FLAGs, $(nproc) at a time; header N's messages go to $tmp/TAG.N.log and its
# exit status to $tmp/TAG.N.status.
headers=$(cd "$inc" && find mapreduce -name '*.hpp' | sort)
compile_headers() {
  local tag=$1 n=0 running=0 max_running
  shift
  max_running=$(nproc)
  for header in $headers; do
    n=$((n + 1))
    if ((running >= max_running)); then
      wait -n || true
      running=$((running - 1))
    fi
    running=$((running + 1))
    { status=0
      "${cxx[@]}" "$@" -fsyntax-only -I"$inc" -x c++ - <<<"#include <$header>" >"$tmp/$tag.$n.log" 2>&1 || status=$?
      echo "$status" >"$tmp/$tag.$n.status"; } &
  done
  wait
}

# The headers on their own: each compiles with only the installed include
# directory, so none needs a private lib/ header or forgets an #include, and
# none warns in a user's build.
compile_headers cxx20 -std=c++20 -Wall -Wextra -Wpedantic -Werror
n=0
for header in $headers; do
  n=$((n + 1))
  [[ $(<"$tmp/cxx20.$n.status") == 0 ]] || fail "<$header> does not compile on its own: $(<"$tmp/cxx20.$n.log")"
done

# Below C++20, each header stops the compilation with one error that says
# what to do, as its first error, rather than dozens about what C++17 lacks.
compile_headers cxx17 -std=c++17
cxx20_error='mapreduce needs C++20 or later: compile with -std=c++20 (or a later standard)'
n=0
for header in $headers; do
  n=$((n + 1))
  log=$tmp/cxx17.$n.log
  [[ $(<"$tmp/cxx17.$n.status") != 0 ]] || fail "<$header> compiles as C++17: $(<"$log")"
  errors=$(grep -E '(fatal )?error:' "$log") || true
  first=$(head -1 <<<"$errors")
  # GCC repeats the directive in its message, Clang does not.
  [[ $first == *"error: #error $cxx20_error" || $first == *"error: $cxx20_error" ]] ||
    fail "<$header> compiled as C++17: the first error is not '$cxx20_error': $(<"$log")"
  [[ $(wc -l <<<"$errors") == 2 && $(tail -1 <<<"$errors") == *'fatal error: '*'compilation stopped: '* ]] ||
    fail "<$header> compiled as C++17: errors after the one that asks for C++20: $(<"$log")"
done

# None includes a header of the library's own dependencies (Boost, zlib,
# zstd, bzip2, xz, lz4), so a user needs none of them to compile.
# shellcheck disable=SC2086  # one header a word
printf '#include <%s>\n' $headers >"$tmp/all_headers.cpp"
"${cxx[@]}" -std=c++20 -I"$inc" -M "$tmp/all_headers.cpp" >"$tmp/deps" ||
  fail 'listing the headers the public headers include failed'
if grep -Eo '[^ ]*(/boost/[^ ]*|/zlib\.h|/zstd\.h|/bzlib\.h|/lzma[./][^ ]*|/lz4[^ ]*\.h)' "$tmp/deps" >"$tmp/private_deps"; then
  fail "the public headers include headers of the library's dependencies: $(head -5 "$tmp/private_deps")"
fi

# pkg-config on the installed .pc, with the prefix moved into the DESTDIR.
# (--define-prefix guesses the prefix from the .pc's directory and gets it
# wrong for a multiarch libdir; PKG_CONFIG_SYSROOT_DIR would also move the
# absolute paths of system libraries in Libs.private.)
pc() { PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} pkg-config --define-variable=prefix="$destdir$prefix" "$@" mapreduce; }
[[ $(pc --path) == "$pcdir/mapreduce.pc" ]] || fail "pkg-config found $(pc --path), not the installed mapreduce.pc"
[[ $(pc --modversion) == "$version" ]] || fail "pkg-config --modversion: $(pc --modversion), expected $version"
pkg_flags=$(pc --cflags --libs)
[[ " $pkg_flags " == *" -I$inc "* ]] || fail "pkg-config --cflags gives no -I$inc: $pkg_flags"
[[ " $pkg_flags " == *" -L$lib "* ]] || fail "pkg-config --libs gives no -L$lib: $pkg_flags"
# The library's own dependencies stay private to a shared library (a static
# one needs them public, to link).
if [[ $default_library != static && -n $(pc --print-requires) ]]; then
  fail "mapreduce.pc makes users of the shared library require $(pc --print-requires)"
fi

# A program outside the source tree, built the way the README says.
mkdir "$tmp/consumer"
cp "$source_root/test/install/consumer.cpp" "$tmp/consumer/"
static_flag=()
if [[ $default_library == static ]]; then static_flag=(--static); fi
# shellcheck disable=SC2046  # pkg-config's flags are meant to be split
(cd "$tmp/consumer" && "${cxx[@]}" -std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror consumer.cpp \
  -o consumer $(pc --cflags --libs "${static_flag[@]}")) >"$tmp/compile.log" 2>&1 ||
  fail "building the consumer against the installed library failed: $(<"$tmp/compile.log")"

export LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if [[ $default_library != static ]]; then
  loaded=$(ldd "$tmp/consumer/consumer" | sed -n 's/^\s*libmapreduce\.so[^ ]* => \([^ ]*\).*/\1/p')
  [[ $loaded == "$lib"/* ]] || fail "the consumer loads libmapreduce from '$loaded', not from $lib"
fi
check_consumer "$tmp/consumer/consumer" "$tmp/consumer"

# The CMake package, found where the DESTDIR put it: its paths are relative to
# its own directory, not the prefix it was configured for.
build_cmake_consumer "$source_root" "$tmp/cmake" "$destdir$prefix" "$cmakedir" "$version"
if [[ $default_library != static ]]; then
  loaded=$(ldd "$tmp/cmake/build/consumer" | sed -n 's/^\s*libmapreduce\.so[^ ]* => \([^ ]*\).*/\1/p')
  [[ $loaded == "$lib"/* ]] || fail "the CMake consumer loads libmapreduce from '$loaded', not from $lib"
fi
check_consumer "$tmp/cmake/build/consumer" "$tmp/cmake"
echo "ok: installed into a DESTDIR, built and ran a consumer with: $pkg_flags, and with CMake's find_package"
