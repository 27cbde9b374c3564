#pragma once
// The Prometheus API's JSON envelopes.
#include <functional>
#include <string>
#include <string_view>

#include "core/http_message.h"
#include "core/json_writer.h"

namespace vigil::server {

// The generic writers are core's (the rules' notifier writes JSON too); the API's code calls
// them unqualified.
using core::AppendJsonLabels;
using core::AppendJsonString;
using core::AppendJsonTimestamp;

// The API's envelopes: {"status":"success","data":DATA} and
// {"status":"error","errorType":TYPE,"error":MESSAGE} with the status code Prometheus uses for
// that type (bad_data 400, execution 422, timeout, canceled and unavailable 503, not_found 404,
// else 500).
core::HttpResponse ApiSuccess(std::string_view data_json);
// The same with the data written straight into the body: answers of megabytes are not copied.
core::HttpResponse ApiSuccess(const std::function<void(std::string* body)>& write_data);
core::HttpResponse ApiError(std::string_view type, std::string_view message);

}  // namespace vigil::server
