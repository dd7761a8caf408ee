#pragma once

// Every public header includes this one, so that a program compiled below
// C++20 gets one error that says so, rather than some ninety about what C++17
// lacks (std::endian, concepts, std::span). The #include of a file that cannot
// exist then ends the compilation (a missing header is a fatal error to GCC
// and Clang; #error is not), before those other errors.
#if __cplusplus < 202002L
#error mapreduce needs C++20 or later: compile with -std=c++20 (or a later standard)
#include "compilation stopped: mapreduce needs C++20"
#endif
