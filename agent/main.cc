#include "agent/agent.h"
#include "agent/config.h"
#include "core/daemon.h"

int main(int argc, char** argv) {
  using namespace vigil;
  core::DaemonSpec spec;
  spec.program = "vigil-agent";
  spec.default_config = agent::kDefaultConfigPath;
  spec.usage =
      "\nCollects this node's metrics (node_exporter's names), its containers' (cAdvisor's) and\n"
      "the local /metrics pages of [scrape.NAME], writes every sample to a write-ahead log, and\n"
      "pushes from it to each [remote_write.NAME] with Prometheus remote-write; serves the\n"
      "node's metrics, /-/healthy and /-/ready on [http] listen.\n"
      "\nFiles:\n"
      "  /etc/vigil/agent.ini      the configuration (--config)\n"
      "  /var/lib/vigil-agent      the write-ahead log ([agent] data_dir)\n"
      "  /etc/default/vigil-agent  ARGS: extra arguments for the systemd unit\n"
      "\nSignals:\n"
      "  SIGTERM, SIGINT  stop: collection and the senders end, the log is closed (within\n"
      "                   10s; a second signal stops at once); what was not pushed yet is\n"
      "                   pushed after the next start\n"
      "  SIGHUP           reload, as POST /-/reload: re-read the configuration and apply\n"
      "                   what changed (destinations, scrapes, labels, collectors) without\n"
      "                   losing the log or any destination's place; a file with errors, or\n"
      "                   a change to a setting read at start only, is refused and the\n"
      "                   running configuration stays\n";
  spec.check_config = [](const std::string& path) {
    return core::LoadConfig(path, agent::ReadAgentConfig).status();
  };
  spec.start = [](core::Loop& loop,
                  const std::string& path) -> core::Result<std::unique_ptr<core::Service>> {
    VIGIL_ASSIGN_OR_RETURN(agent::AgentConfig config,
                           core::LoadConfig(path, agent::ReadAgentConfig));
    VIGIL_ASSIGN_OR_RETURN(
        std::unique_ptr<agent::Agent> a,
        agent::Agent::Create(loop, std::move(config), core::SystemClock::Get(), path));
    return std::unique_ptr<core::Service>(std::move(a));
  };
  return core::DaemonMain(argc, argv, spec);
}
