#pragma once
// Routes requests by exact path to handlers, answers 404 and 405 (with Allow) itself, and
// counts every response in vigil_http_requests_total{handler, code}.
#include <map>
#include <string>
#include <vector>

#include "core/http_server.h"
#include "core/metrics.h"

namespace vigil::core {

class HttpRouter {
 public:
  explicit HttpRouter(MetricsRegistry& metrics);

  // `methods` such as {"GET", "POST"}; HEAD is allowed wherever GET is.
  void Handle(std::string path, std::vector<std::string> methods, HttpHandler handler);
  // Every path under `prefix` (ending in '/') that has no exact route.
  void HandlePrefix(std::string prefix, std::vector<std::string> methods, HttpHandler handler);

  void Serve(const HttpRequest& request, HttpResponder responder) const;
  // For HttpServer::SetResponseObserver: counts by route, not by raw path, so a scan of
  // random URLs cannot blow up the metric's cardinality.
  void Observe(const HttpRequest& request, int status) const;

 private:
  struct Route {
    std::string pattern;
    std::vector<std::string> methods;
    HttpHandler handler;
  };
  const Route* Find(std::string_view path) const;

  std::map<std::string, Route, std::less<>> exact_;
  std::vector<Route> prefixes_;
  MetricFamilyDef& requests_;
};

}  // namespace vigil::core
