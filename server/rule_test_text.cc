#include "server/rule_test_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "server/promql/ast.h"

namespace vigil::server {

std::string ModelDurationString(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  // Years and weeks only when they divide evenly: 90d reads better than 12w6d.
  static constexpr struct {
    const char* unit;
    int64_t ms;
    bool exact;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000, true},
                {"w", 7LL * 24 * 3600 * 1000, true},
                {"d", 24LL * 3600 * 1000, false},
                {"h", 3600LL * 1000, false},
                {"m", 60LL * 1000, false},
                {"s", 1000, false},
                {"ms", 1, false}};
  for (const auto& u : kUnits) {
    if (u.exact && ms % u.ms != 0) continue;
    if (const int64_t n = ms / u.ms; n > 0) {
      out += std::to_string(n) + u.unit;
      ms -= n * u.ms;
    }
  }
  return out;
}

std::string GoDurationString(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t u = ms < 0 ? static_cast<uint64_t>(-(ms + 1)) + 1 : static_cast<uint64_t>(ms);
  if (ms < 0) out = "-";
  if (u < 1000) return out + std::to_string(u) + "ms";
  const uint64_t hours = u / 3'600'000, minutes = u / 60'000 % 60, millis = u % 60'000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += std::to_string(millis / 1000);
  if (millis % 1000 != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03u", static_cast<unsigned>(millis % 1000));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "s";
}

std::string GoFloatE(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // The shortest digits that read back as v, in scientific form: what Go's -1 precision means.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string out(buf, ec == std::errc() ? end : buf);
  for (char& c : out) {
    if (c == 'e') c = 'E';
  }
  return out;
}

std::string LabelsString(const TextPairs& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i].first + "=" + promql::QuoteString(labels[i].second);
  }
  return out + "}";
}

std::string IndentLines(std::string_view text, std::string_view indent) {
  std::string out;
  size_t start = 0;
  for (bool first = true;; first = false) {
    const size_t nl = text.find('\n', start);
    if (!first) out += indent;
    out += text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string AlertListString(const std::vector<AlertText>& alerts) {
  if (alerts.empty()) return "[]";
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const std::string one = "\nLabels:" + LabelsString(alerts[i].labels) +
                            "\nAnnotations:" + LabelsString(alerts[i].annotations);
    out += (i == 0 ? "\n" : ",\n") + std::to_string(i) + ":" + IndentLines(one, "  ");
  }
  return out + "\n]";
}

}  // namespace vigil::server
