#pragma once
// Number parsing shared by the collectors' parsers.
#include <optional>
#include <string>
#include <string_view>

#include "core/number.h"
#include "core/status.h"

namespace vigil::collectors {

// A number from /proc text, or an InvalidArgument naming the file and the field.
inline core::Result<double> Number(std::string_view text, std::string_view what) {
  if (auto v = core::ParseFloat(text)) return *v;
  return core::InvalidArgumentError("invalid " + std::string(what) + ": \"" + std::string(text) +
                                    "\"");
}

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace vigil::collectors
