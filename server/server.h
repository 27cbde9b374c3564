#pragma once
// The central server's work on its loop. Today: its HTTP endpoint with /-/healthy, /-/ready
// and /metrics; the receiver, storage, PromQL API and rules join it here.
#include <memory>

#include "core/clock.h"
#include "core/daemon.h"
#include "core/http_endpoint.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "server/config.h"

namespace vigil::server {

class Server final : public core::Service {
 public:
  static core::Result<std::unique_ptr<Server>> Create(core::Loop& loop, ServerConfig config,
                                                      const core::Clock& clock);
  void Stop() override;
  bool Stopped() const override;

  const core::HostPort& address() const { return http_->server().address(); }

 private:
  Server(ServerConfig config, const core::Clock& clock);

  ServerConfig config_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::HttpEndpoint> http_;
};

}  // namespace vigil::server
