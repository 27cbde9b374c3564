#include "core/http_router.h"

#include <algorithm>

namespace vigil::core {

HttpRouter::HttpRouter(MetricsRegistry& metrics)
    : requests_(metrics.Counter("vigil_http_requests_total",
                                "HTTP requests answered, by handler and status code.",
                                {"handler", "code"})) {}

void HttpRouter::Handle(std::string path, std::vector<std::string> methods, HttpHandler handler) {
  Route r{path, std::move(methods), std::move(handler)};
  exact_.emplace(std::move(path), std::move(r));
}

void HttpRouter::HandlePrefix(std::string prefix, std::vector<std::string> methods,
                              HttpHandler handler) {
  prefixes_.push_back({std::move(prefix), std::move(methods), std::move(handler)});
}

const HttpRouter::Route* HttpRouter::Find(std::string_view path) const {
  auto it = exact_.find(path);
  if (it != exact_.end()) return &it->second;
  for (const Route& r : prefixes_) {
    if (path.substr(0, r.pattern.size()) == r.pattern) return &r;
  }
  return nullptr;
}

void HttpRouter::Serve(const HttpRequest& request, HttpResponder responder) const {
  const Route* route = Find(request.Path());
  if (!route) {
    responder.Send(HttpResponse::Text(404, "404 page not found\n"));
    return;
  }
  const auto& m = route->methods;
  bool allowed = std::find(m.begin(), m.end(), request.method) != m.end() ||
                 (request.method == "HEAD" && std::find(m.begin(), m.end(), "GET") != m.end());
  if (!allowed) {
    HttpResponse r = HttpResponse::Text(405, "method not allowed\n");
    std::string allow;
    for (const std::string& method : m) allow += (allow.empty() ? "" : ", ") + method;
    r.headers.Set("Allow", allow);
    responder.Send(std::move(r));
    return;
  }
  route->handler(request, std::move(responder));
}

void HttpRouter::Observe(const HttpRequest& request, int status) const {
  const Route* route = Find(request.Path());
  requests_.With({route ? route->pattern : "other", std::to_string(status)})->Inc();
}

}  // namespace vigil::core
