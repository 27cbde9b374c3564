#pragma once
// Floats spelled as Prometheus spells them. Prometheus is written in Go, so its bytes are those
// of strconv: the exposition format uses FormatFloat(v, 'g', -1, 64) ("1.5e+06"), the HTTP API
// uses FormatFloat(v, 'f', -1, 64) ("1500000"); both the shortest digits that round-trip, and
// NaN, +Inf, -Inf.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::core {

// Go's 'g' with shortest precision: the exposition format's spelling.
std::string FormatFloatG(double v);
void AppendFloatG(std::string* out, double v);
// Go's 'f' with shortest precision: the HTTP API's spelling.
std::string FormatFloatF(double v);
void AppendFloatF(std::string* out, double v);

// Go's strconv.ParseFloat for base-10 text: an optional sign, digits with an optional point
// and exponent, or Inf / Infinity / NaN in any case. Nothing else; no surrounding spaces.
std::optional<double> ParseFloat(std::string_view text);
// A base-10 int64 with an optional sign; nothing else, no overflow.
std::optional<int64_t> ParseInt64(std::string_view text);
std::optional<uint64_t> ParseUint64(std::string_view text);

}  // namespace vigil::core
