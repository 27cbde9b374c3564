#pragma once
// JSON writing as Go's encoding/json writes it, for every answer and request body Vigil builds
// by hand: the HTTP API's answers and the alerts sent to Alertmanager.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/labels.h"

namespace vigil::core {

// "text" with JSON's escapes; invalid UTF-8 bytes become U+FFFD as Go's encoder writes them.
void AppendJsonString(std::string* out, std::string_view text);
// {"__name__":"up","job":"node"}
void AppendJsonLabels(std::string* out, const Labels& labels);
// Milliseconds as Prometheus writes them: seconds, then the milliseconds after a point only
// when there are any (1700000000.5 s is written 1700000000.500).
void AppendJsonTimestamp(std::string* out, int64_t ms);

}  // namespace vigil::core
