#pragma once
// What each binary listens with: an HTTP server whose requests go through a router and whose
// responses are counted in vigil_http_requests_total.
#include <memory>

#include "core/http_router.h"
#include "core/http_server.h"
#include "core/metrics.h"

namespace vigil::core {

class HttpEndpoint {
 public:
  static Result<std::unique_ptr<HttpEndpoint>> Create(Loop& loop, HttpServerOptions options,
                                                      MetricsRegistry& metrics);
  HttpRouter& router() { return router_; }
  HttpServer& server() { return *server_; }

 private:
  explicit HttpEndpoint(MetricsRegistry& metrics) : router_(metrics) {}
  HttpRouter router_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace vigil::core
