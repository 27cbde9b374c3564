#pragma once
// Just enough JSON writing for the Prometheus API's answers.
#include <string>
#include <string_view>

namespace vigil::server {

// "text" with JSON's escapes; invalid UTF-8 bytes become U+FFFD as Go's encoder writes them.
void AppendJsonString(std::string* out, std::string_view text);

}  // namespace vigil::server
