#pragma once
// The agent's work on its loop: its HTTP endpoint (/-/healthy, /-/ready, /metrics), the
// local scrapes, the write-ahead log every sample goes through, and one remote-write sender
// per destination reading from it. The collectors join it here.
#include <map>
#include <memory>

#include "agent/config.h"
#include "agent/node_target.h"
#include "agent/sample_log.h"
#include "agent/scrape.h"
#include "core/clock.h"
#include "core/daemon.h"
#include "core/http_endpoint.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "remote/sender.h"

namespace vigil::agent {

class Agent final : public core::Service {
 public:
  static core::Result<std::unique_ptr<Agent>> Create(core::Loop& loop, AgentConfig config,
                                                     const core::Clock& clock);
  void Stop() override;
  bool Stopped() const override;

  const core::HostPort& address() const { return http_->server().address(); }

 private:
  Agent(core::Loop& loop, AgentConfig config, const core::Clock& clock);
  void StartSenders(wal::Wal& wal);
  bool Ready() const;

  AgentConfig config_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::HttpEndpoint> http_;
  std::unique_ptr<SampleLog> log_;
  std::unique_ptr<NodeTarget> node_;
  std::vector<std::unique_ptr<remote::Sender>> senders_;
  std::vector<std::unique_ptr<ScrapeTarget>> scrapes_;
  std::map<std::string, remote::MetricMetadata> metadata_;  // by family, from the scraped pages
  // SIGHUP's default action would end the agent (systemd's reload sends it): caught and logged.
  std::unique_ptr<core::SignalWatch> sighup_;
  core::Loop& loop_;
  const core::Clock& clock_;
};

}  // namespace vigil::agent
