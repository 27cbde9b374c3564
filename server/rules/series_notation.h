#pragma once
// The series notation of promtool's rule unit tests (Prometheus 2.42's series descriptions):
// an input series is a label set and a space-separated list of values, one per step of the
// test's interval:
//   7         the value 7 (also -7, +7, 1.5e3, .5, Inf, NaN; 010 is octal, as Go reads it)
//   1+2x3     1, 3, 5, 7: a start, then n steps each adding the increment (4 values)
//   9-1x2     9, 8, 7
//   4x3       4, 4, 4, 4 (n + 1 values)
//   _         no sample at this step; _x3: three steps without one
//   stale     a stale marker (the series ended), as Prometheus writes them
// Pure functions over text; no YAML here.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/status.h"

namespace vigil::rules {

// One entry per step; nullopt where the step has no sample. A stale marker is a value with
// core::StaleNaN()'s bits.
using SeriesSteps = std::vector<std::optional<double>>;

// More steps than this in one series is refused rather than allocated (promtool would try
// and run out of memory on 1x99999999999).
inline constexpr size_t kMaxSeriesSteps = 1'000'000;

// `values` as above. Errors are InvalidArgument naming the 1-based column in `values` and
// what is wrong: `col 5: unexpected "x"`, `col 1: bad number syntax "1_0"`.
core::Result<SeriesSteps> ParseSeriesValues(std::string_view values);

// A series as promtool writes it, `name{label="value", ...}`, `{label="value"}` or `name`,
// strings quoted as PromQL quotes them: the label set, __name__ included. Used for input
// series and for the labels of expected samples. InvalidArgument when it is not one.
core::Result<core::Labels> ParseSeriesLabels(std::string_view text);

}  // namespace vigil::rules
