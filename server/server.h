#pragma once
// The central server's work on its loop: the HTTP endpoint (/-/healthy, /-/ready, /metrics, the
// remote-write receiver, the API), the storage with its maintenance, and the forwarders that
// send on what was received. Decoding, appends and maintenance run on the thread pool.
#include <memory>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "core/config_reload.h"
#include "core/daemon.h"
#include "core/http_endpoint.h"
#include "core/metrics.h"
#include "core/tls.h"
#include "core/uv.h"
#include "remote/destinations.h"
#include "server/api/auth.h"
#include "server/api/fleet_service.h"
#include "server/api/query_api.h"
#include "server/api/receiver.h"
#include "server/api/remote_read.h"
#include "server/config.h"
#include "server/promql/engine.h"
#include "server/rules/manager.h"
#include "server/rules/notifier.h"
#include "server/self_scrape.h"
#include "server/storage/storage.h"

namespace vigil::server {

class Server final : public core::Service {
 public:
  // `config_path` is what SIGHUP and POST /-/reload read again ("": they are refused).
  static core::Result<std::unique_ptr<Server>> Create(core::Loop& loop, ServerConfig config,
                                                      const core::Clock& clock,
                                                      std::string config_path = "");
  ~Server() override;
  void Stop() override;
  bool Stopped() const override;

  const core::HostPort& address() const { return http_->server().address(); }
  storage::Storage& storage() { return *storage_; }
  const rules::RuleManager& rules() const { return *rules_; }

  // Reads the configuration file and the rule files again and applies what can change while
  // running: [rules], [auth], the forwarding destinations and [server] external_url. A file
  // with an error, a bad rule file or a change to a setting read at start only is refused as
  // a whole; `done` hears OK or why nothing changed.
  void Reload(std::function<void(core::Status)> done);

 private:
  Server(core::Loop& loop, ServerConfig config, const core::Clock& clock);
  void StartForwarders();
  // Starts (or restarts, on its cursor) the forwarder of `d`.
  void StartForwarder(const remote::DestinationConfig& d, const ForwardBounds& bounds);
  // What a good reload changes; the rules are applied already.
  void Apply(const ServerConfig& next);
  core::Status RefuseReload(core::Status why);
  rules::GroupContext RuleContext(const ServerConfig& config) const;
  void AddApiRoutes();
  // Queues `work` on the thread pool unless the previous one is still running.
  void RunInBackground(bool* running, std::function<void()> work);

  core::Loop& loop_;
  ServerConfig config_;
  const core::Clock& clock_;
  core::MetricsRegistry metrics_;
  Auth auth_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<core::TlsConfig> tls_;
  std::unique_ptr<core::HttpEndpoint> http_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<FleetService> fleet_;
  // Before query_api_, which submits to it until it is destroyed.
  std::unique_ptr<QueryQueue> query_queue_;
  std::unique_ptr<QueryApi> query_api_;
  std::unique_ptr<RemoteRead> remote_read_;
  std::string config_path_;
  // Rules query through an engine of their own, with the [query] limits.
  std::unique_ptr<promql::Engine> rule_engine_;
  // Before rules_: the rules send to it until they are destroyed.
  std::unique_ptr<rules::Notifier> notifier_;
  std::unique_ptr<rules::RuleManager> rules_;
  std::unique_ptr<core::SignalWatch> sighup_;
  std::unique_ptr<SelfScrape> self_scrape_;
  std::unique_ptr<core::ConfigReloadMetrics> reload_metrics_;
  std::unique_ptr<remote::Destinations> forwarders_;
  // Their WAL cursors, by destination name, for the vigil_wal_* metrics; a removed
  // destination's stays (the log keeps it, within its bounds). Read by the self-scrape on the
  // thread pool while a reload on the loop adds to it.
  mutable std::mutex forward_cursors_mu_;
  std::vector<wal::DestinationCursor> forward_cursors_;
  core::Timer sync_timer_;
  core::Timer maintain_timer_;
  bool syncing_ = false;
  bool maintaining_ = false;
  bool stopping_ = false;
};

}  // namespace vigil::server
