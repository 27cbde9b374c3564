#pragma once
// How `promtool test rules` (Prometheus 2.42, Go) spells what it reports, so that
// `vigil-server test-rules` prints the same text: Go's duration and float formats, label sets
// as Prometheus's Labels.String(), and the lists of alerts of a failed alert test.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::server {

using TextPairs = std::vector<std::pair<std::string, std::string>>;

// Prometheus's model.Duration: "1h30m", "1d", "2w", "0s" (weeks and years only when exact).
std::string ModelDurationString(int64_t ms);
// Go's time.Duration: "10m0s", "1h0m0s", "1.5s", "500ms", "0s".
std::string GoDurationString(int64_t ms);
// Go's strconv.FormatFloat(v, 'E', -1, 64): "3E+00", "1.3000000000000003E+00", "NaN", "+Inf".
std::string GoFloatE(double v);
// {a="b", c="d"}, values quoted as Go quotes them.
std::string LabelsString(const TextPairs& labels);
// Every line but the first prefixed with `indent`.
std::string IndentLines(std::string_view text, std::string_view indent);

// A firing alert as an alert test compares it.
struct AlertText {
  TextPairs labels;       // alertname included
  TextPairs annotations;  // sorted by name
  bool operator==(const AlertText&) const = default;
  // As Prometheus's labels.Compare: labels first, then annotations.
  bool operator<(const AlertText& o) const {
    return labels != o.labels ? labels < o.labels : annotations < o.annotations;
  }
};
// promtool's listing: "[]", or "[\n0:\n  Labels:{...}\n  Annotations:{...},\n1:..." ... "\n]".
std::string AlertListString(const std::vector<AlertText>& alerts);

}  // namespace vigil::server
