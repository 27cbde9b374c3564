#pragma once
// The agent's work on its loop: its HTTP endpoint (/-/healthy, /-/ready, /metrics,
// /-/reload), the local scrapes, the write-ahead log every sample goes through, and one
// remote-write sender per destination reading from it. The collectors join it here.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/config_diff.h"
#include "agent/node_target.h"
#include "agent/sample_log.h"
#include "agent/scrape.h"
#include "core/clock.h"
#include "core/config_reload.h"
#include "core/daemon.h"
#include "core/http_endpoint.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "remote/destinations.h"

namespace vigil::agent {

class Agent final : public core::Service {
 public:
  // `config_path` is what SIGHUP and POST /-/reload read again ("": they are refused).
  static core::Result<std::unique_ptr<Agent>> Create(core::Loop& loop, AgentConfig config,
                                                     const core::Clock& clock,
                                                     std::string config_path = "");
  void Stop() override;
  bool Stopped() const override;

  // Reads the configuration file again and applies what changed (agent/config_diff.h). A file
  // with any error, or a change to a setting read at start only, is refused as a whole: the
  // running configuration stays, and the status says why.
  core::Status Reload();

  const core::HostPort& address() const { return http_->server().address(); }

 private:
  Agent(core::Loop& loop, AgentConfig config, const core::Clock& clock);
  // Starts (or restarts) the sender of `d` on its cursor.
  void StartSender(wal::Wal& wal, const remote::DestinationConfig& d);
  // Starts the scrape targets that waited for their predecessors' scrape in flight, and
  // deletes the cursors of delete_cursors that no sender uses any more.
  void Settle();
  std::unique_ptr<ScrapeTarget> MakeScrape(const ScrapeConfig& config);
  collectors::CollectorSet NodeCollectors() const;
  std::vector<core::Label> NodeLabels() const;
  void Apply(const AgentConfigChange& change, AgentConfig next);
  void AddReloadRoute();
  bool Ready() const;

  AgentConfig config_;
  std::string config_path_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::HttpEndpoint> http_;
  std::unique_ptr<SampleLog> log_;
  std::unique_ptr<NodeTarget> node_;
  std::unique_ptr<remote::Destinations> destinations_;
  std::map<std::string, std::unique_ptr<ScrapeTarget>> scrapes_;  // by [scrape.NAME]
  // A changed [scrape.NAME]'s new target, until the old one (paused) has pushed the scrape it
  // had in flight: no scrape is lost to a reload.
  std::map<std::string, std::unique_ptr<ScrapeTarget>> scrape_successors_;
  // [agent] delete_cursors still read by a sender settling its last window.
  std::vector<std::string> cursors_to_delete_;
  std::map<std::string, remote::MetricMetadata> metadata_;  // by family, from the scraped pages
  std::unique_ptr<core::SignalWatch> sighup_;
  std::unique_ptr<core::ConfigReloadMetrics> reload_metrics_;
  core::Loop& loop_;
  const core::Clock& clock_;
  core::Timer settle_timer_;  // while scrape targets or cursor deletions wait
  bool stopping_ = false;
};

}  // namespace vigil::agent
