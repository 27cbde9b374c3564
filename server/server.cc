#include "server/server.h"

#include "core/log.h"

namespace vigil::server {

Server::Server(ServerConfig config, const core::Clock& clock) : config_(std::move(config)) {
  core::RegisterBuildMetrics(metrics_, "vigil-server", clock);
}

core::Result<std::unique_ptr<Server>> Server::Create(core::Loop& loop, ServerConfig config,
                                                     const core::Clock& clock) {
  VIGIL_RETURN_IF_ERROR(core::EnsureWritableDir(config.data_dir).WithContext("[server] data_dir"));
  std::unique_ptr<Server> server(new Server(std::move(config), clock));
  Server* s = server.get();
  core::HttpServerOptions options;
  options.listen = s->config_.listen;
  VIGIL_ASSIGN_OR_RETURN(s->http_, core::HttpEndpoint::Create(loop, options, s->metrics_));
  core::AddAdminRoutes(s->http_->router(), s->metrics_, "Vigil Server", [] { return true; });
  core::LogInfo("listening", {{"addr", s->http_->server().address().ToString()},
                              {"data_dir", s->config_.data_dir}});
  return server;
}

void Server::Stop() { http_->server().Shutdown(); }

bool Server::Stopped() const { return http_->server().connection_count() == 0; }

}  // namespace vigil::server
