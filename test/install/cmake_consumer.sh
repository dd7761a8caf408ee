# shellcheck shell=bash
# Sourced by install_test.sh and prefix_test.sh (not run on its own), after
# consumer_checks.sh, whose fail() it uses. Defines
#
#   build_cmake_consumer SOURCE_ROOT WORK PREFIX_PATH CONFIG_DIR VERSION [CMAKE_ARG...]
#
# which writes in WORK a CMake project that finds the installed package with
# find_package(mapreduce VERSION REQUIRED) through CMAKE_PREFIX_PATH=PREFIX_PATH
# and builds test/install/consumer.cpp against mapreduce::mapreduce into
# WORK/build/consumer. It fails (exit 1) unless the package found is the one
# in CONFIG_DIR, refuses another major version, gives the consumer C++20
# though it asks for no standard (CMake's default is older), leaves C++23 to
# a target that asks for it, and the consumer builds. CXX, if set, is the
# compiler command.

build_cmake_consumer() {
  local source_root=$1 work=$2 prefix_path=$3 config_dir=$4 version=$5
  shift 5
  mkdir -p "$work"
  cp "$source_root/test/install/consumer.cpp" "$work/"
  cat >"$work/cxx23.cpp" <<'CPP'
#include <mapreduce/mapreduce.hpp>
static_assert(__cplusplus > 202002L, "a target that asks for C++23 is compiled as C++20");
CPP
  cat >"$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(consumer CXX)

# Another major version is not compatible.
find_package(mapreduce 999 QUIET)
if(mapreduce_FOUND)
  message(FATAL_ERROR "find_package(mapreduce 999) accepted version ${mapreduce_VERSION}")
endif()
find_package(mapreduce ${MAPREDUCE_VERSION} REQUIRED)

add_executable(consumer consumer.cpp)
target_compile_options(consumer PRIVATE -Wall -Wextra -Wpedantic -Werror)
target_link_libraries(consumer PRIVATE mapreduce::mapreduce)

add_library(cxx23 OBJECT cxx23.cpp)
set_target_properties(cxx23 PROPERTIES CXX_STANDARD 23 CXX_STANDARD_REQUIRED ON)
target_link_libraries(cxx23 PRIVATE mapreduce::mapreduce)
CMAKE

  CXX=${CXX:-g++} cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix_path" \
    -DMAPREDUCE_VERSION="$version" "$@" >"$work/configure.log" 2>&1 ||
    fail "cmake could not configure the consumer with find_package(mapreduce $version): $(<"$work/configure.log")"
  local found
  found=$(sed -n 's/^mapreduce_DIR:PATH=//p' "$work/build/CMakeCache.txt")
  [[ $found == "$config_dir" ]] || fail "find_package(mapreduce) found the package in '$found', not in $config_dir"
  cmake --build "$work/build" >"$work/build.log" 2>&1 ||
    fail "building the consumer with CMake failed: $(<"$work/build.log")"
}
