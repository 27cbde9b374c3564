#pragma once
// The agent's work on its loop: its HTTP endpoint (/-/healthy, /-/ready, /metrics) and the
// write-ahead log; collectors and remote-write senders join it here.
#include <memory>

#include "agent/config.h"
#include "agent/sample_log.h"
#include "core/clock.h"
#include "core/daemon.h"
#include "core/http_endpoint.h"
#include "core/metrics.h"
#include "core/uv.h"

namespace vigil::agent {

class Agent final : public core::Service {
 public:
  static core::Result<std::unique_ptr<Agent>> Create(core::Loop& loop, AgentConfig config,
                                                     const core::Clock& clock);
  void Stop() override;
  bool Stopped() const override;

  const core::HostPort& address() const { return http_->server().address(); }

 private:
  Agent(AgentConfig config, const core::Clock& clock);

  AgentConfig config_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::HttpEndpoint> http_;
  std::unique_ptr<SampleLog> log_;
};

}  // namespace vigil::agent
