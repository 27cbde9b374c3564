#include "agent/agent.h"
#include "agent/config.h"
#include "core/daemon.h"

int main(int argc, char** argv) {
  using namespace vigil;
  core::DaemonSpec spec;
  spec.program = "vigil-agent";
  spec.default_config = agent::kDefaultConfigPath;
  spec.check_config = [](const std::string& path) {
    return core::LoadConfig(path, agent::ReadAgentConfig).status();
  };
  spec.start = [](core::Loop& loop,
                  const std::string& path) -> core::Result<std::unique_ptr<core::Service>> {
    VIGIL_ASSIGN_OR_RETURN(agent::AgentConfig config, core::LoadConfig(path, agent::ReadAgentConfig));
    VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<agent::Agent> a,
                           agent::Agent::Create(loop, std::move(config), core::SystemClock::Get()));
    return std::unique_ptr<core::Service>(std::move(a));
  };
  return core::DaemonMain(argc, argv, spec);
}
