#include "agent/agent.h"

#include "core/log.h"

namespace vigil::agent {

Agent::Agent(AgentConfig config, const core::Clock& clock) : config_(std::move(config)) {
  core::RegisterBuildMetrics(metrics_, "vigil-agent", clock);
}

core::Result<std::unique_ptr<Agent>> Agent::Create(core::Loop& loop, AgentConfig config,
                                                   const core::Clock& clock) {
  VIGIL_RETURN_IF_ERROR(core::EnsureWritableDir(config.data_dir).WithContext("[agent] data_dir"));
  std::unique_ptr<Agent> agent(new Agent(std::move(config), clock));
  Agent* a = agent.get();
  core::HttpServerOptions options;
  options.listen = a->config_.listen;
  VIGIL_ASSIGN_OR_RETURN(a->http_, core::HttpEndpoint::Create(loop, options, a->metrics_));
  core::AddAdminRoutes(a->http_->router(), a->metrics_, "Vigil Agent", [] { return true; });
  core::LogInfo("listening", {{"addr", a->http_->server().address().ToString()},
                              {"node_name", a->config_.node_name},
                              {"destinations", a->config_.destinations.size()}});
  return agent;
}

void Agent::Stop() { http_->server().Shutdown(); }

bool Agent::Stopped() const { return http_->server().connection_count() == 0; }

}  // namespace vigil::agent
