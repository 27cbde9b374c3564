#include "server/api/json.h"

namespace vigil::server {

core::HttpResponse ApiSuccess(std::string_view data_json) {
  return ApiSuccess([data_json](std::string* body) { body->append(data_json); });
}

core::HttpResponse ApiSuccess(const std::function<void(std::string* body)>& write_data) {
  core::HttpResponse r;
  r.headers.Set("Content-Type", "application/json");
  r.body = "{\"status\":\"success\",\"data\":";
  write_data(&r.body);
  r.body += "}";
  return r;
}

core::HttpResponse ApiError(std::string_view type, std::string_view message) {
  core::HttpResponse r;
  if (type == "bad_data")
    r.status = 400;
  else if (type == "execution")
    r.status = 422;
  else if (type == "timeout" || type == "canceled" || type == "unavailable")
    r.status = 503;
  else if (type == "not_found")
    r.status = 404;
  else
    r.status = 500;
  r.headers.Set("Content-Type", "application/json");
  r.body = "{\"status\":\"error\",\"errorType\":";
  AppendJsonString(&r.body, type);
  r.body += ",\"error\":";
  AppendJsonString(&r.body, message);
  r.body += "}";
  return r;
}

}  // namespace vigil::server
