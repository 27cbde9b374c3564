#include "core/http_endpoint.h"

namespace vigil::core {

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Create(Loop& loop, HttpServerOptions options,
                                                           MetricsRegistry& metrics) {
  std::unique_ptr<HttpEndpoint> e(new HttpEndpoint(metrics));
  HttpRouter* router = &e->router_;
  VIGIL_ASSIGN_OR_RETURN(
      e->server_,
      HttpServer::Create(loop, std::move(options), [router](const HttpRequest& r, HttpResponder w) {
        router->Serve(r, std::move(w));
      }));
  e->server_->SetResponseObserver(
      [router](const HttpRequest& r, int status) { router->Observe(r, status); });
  return e;
}

}  // namespace vigil::core
