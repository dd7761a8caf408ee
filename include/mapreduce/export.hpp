#pragma once

#include "mapreduce/detail/require_cxx20.hpp"

// Marks the symbols libmapreduce exports; the library is built with hidden
// visibility, so anything not marked stays private to it.
#define MAPREDUCE_EXPORT __attribute__((visibility("default")))
