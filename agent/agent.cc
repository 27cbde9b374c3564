#include "agent/agent.h"

#include "core/log.h"

namespace vigil::agent {

Agent::Agent(AgentConfig config, const core::Clock& clock) : config_(std::move(config)) {
  core::RegisterBuildMetrics(metrics_, "vigil-agent", clock);
}

core::Result<std::unique_ptr<Agent>> Agent::Create(core::Loop& loop, AgentConfig config,
                                                   const core::Clock& clock) {
  // No check of data_dir here: a read-only or full disk must not stop collection; the
  // sample log reports it and holds samples in memory until the disk takes them.
  std::unique_ptr<Agent> agent(new Agent(std::move(config), clock));
  Agent* a = agent.get();
  core::HttpServerOptions options;
  options.listen = a->config_.listen;
  VIGIL_ASSIGN_OR_RETURN(a->http_, core::HttpEndpoint::Create(loop, options, a->metrics_));
  core::AddAdminRoutes(a->http_->router(), a->metrics_, "Vigil Agent", [] { return true; });

  SampleLogOptions log_options;
  log_options.wal.dir = a->config_.data_dir + "/wal";
  log_options.wal.max_size = a->config_.wal_max_size;
  log_options.wal.max_age = a->config_.wal_max_age;
  log_options.wal.fsync =
      a->config_.wal_fsync_always ? wal::FsyncPolicy::kAlways : wal::FsyncPolicy::kInterval;
  for (const auto& d : a->config_.destinations) log_options.destinations.push_back(d.name);
  a->log_ = std::make_unique<SampleLog>(loop, std::move(log_options), clock, a->metrics_);
  a->log_->Start();
  core::LogInfo("listening", {{"addr", a->http_->server().address().ToString()},
                              {"node_name", a->config_.node_name},
                              {"destinations", a->config_.destinations.size()}});
  return agent;
}

void Agent::Stop() {
  http_->server().Shutdown();
  log_->Stop();
}

bool Agent::Stopped() const { return http_->server().connection_count() == 0 && log_->Stopped(); }

}  // namespace vigil::agent
