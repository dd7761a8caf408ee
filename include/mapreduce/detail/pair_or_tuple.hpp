#pragma once

#include <tuple>
#include <utility>

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce::detail {

// True for std::pair and std::tuple, the composite keys and values that
// Codec, TextFormat, JsonFormat and StreamText treat element by element.
template <class T>
inline constexpr bool kIsPairOrTuple = false;
template <class A, class B>
inline constexpr bool kIsPairOrTuple<std::pair<A, B>> = true;
template <class... T>
inline constexpr bool kIsPairOrTuple<std::tuple<T...>> = true;

}  // namespace mapreduce::detail
