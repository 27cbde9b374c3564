#pragma once
// The text of /proc and /sys files taken apart: lines, the fields of a line, numbers. Shared by
// the collectors' parsers.
#include <string>
#include <string_view>
#include <vector>

#include "core/config_values.h"
#include "core/number.h"
#include "core/status.h"

namespace vigil::collectors {

// Lines without their newlines; a last line without one counts.
std::vector<std::string_view> Lines(std::string_view text);

// Splits on runs of spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line);

// Without surrounding white space (a CR of a file written on Windows included).
using core::TrimSpace;

// A number from /proc text, or an InvalidArgument naming the file and the field.
inline core::Result<double> Number(std::string_view text, std::string_view what) {
  if (auto v = core::ParseFloat(text)) return *v;
  return core::InvalidArgumentError("invalid " + std::string(what) + ": \"" + std::string(text) +
                                    "\"");
}

}  // namespace vigil::collectors
