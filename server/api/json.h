#pragma once
// Just enough JSON writing for the Prometheus API's answers.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/http_message.h"
#include "core/labels.h"

namespace vigil::server {

// "text" with JSON's escapes; invalid UTF-8 bytes become U+FFFD as Go's encoder writes them.
void AppendJsonString(std::string* out, std::string_view text);
// {"__name__":"up","job":"node"}
void AppendJsonLabels(std::string* out, const core::Labels& labels);
// Milliseconds as Prometheus writes them: seconds, then the milliseconds after a point only
// when there are any (1700000000.5 s is written 1700000000.500).
void AppendJsonTimestamp(std::string* out, int64_t ms);

// The API's envelopes: {"status":"success","data":DATA} and
// {"status":"error","errorType":TYPE,"error":MESSAGE} with the status code Prometheus uses for
// that type (bad_data 400, execution 422, timeout and canceled 503, not_found 404, else 500).
core::HttpResponse ApiSuccess(std::string_view data_json);
// The same with the data written straight into the body: answers of megabytes are not copied.
core::HttpResponse ApiSuccess(const std::function<void(std::string* body)>& write_data);
core::HttpResponse ApiError(std::string_view type, std::string_view message);

}  // namespace vigil::server
