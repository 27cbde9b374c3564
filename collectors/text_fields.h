#pragma once
// The text of /proc and /sys files taken apart: lines, the fields of a line, numbers. Shared by
// the collectors' parsers.
#include <string>
#include <string_view>
#include <vector>

#include "core/number.h"
#include "core/status.h"

namespace vigil::collectors {

// Lines without their newlines; a last line without one counts.
std::vector<std::string_view> Lines(std::string_view text);

// Splits on runs of spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line);

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// A number from /proc text, or an InvalidArgument naming the file and the field.
inline core::Result<double> Number(std::string_view text, std::string_view what) {
  if (auto v = core::ParseFloat(text)) return *v;
  return core::InvalidArgumentError("invalid " + std::string(what) + ": \"" + std::string(text) +
                                    "\"");
}

}  // namespace vigil::collectors
