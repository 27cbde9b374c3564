#pragma once
// What a reload changes: the running agent.ini against the one just read. The agent applies
// the difference part by part (agent/agent.cc Reload), so that what did not change keeps
// running untouched; settings it cannot apply while running are named, and the reload is
// refused as a whole when any of them changed.
#include <string>
#include <vector>

#include "agent/config.h"

namespace vigil::agent {

struct AgentConfigChange {
  // "[http] listen", "[agent] data_dir" ...: changed, and applied only at a restart.
  std::vector<std::string> needs_restart;
  // The node target: its labels (node_name, job, [labels]), interval, self-metrics switch,
  // or [collectors].
  bool node_labels = false;
  bool node_interval = false;
  bool node_collectors = false;
  bool push_self_metrics = false;
  // By NAME of [remote_write.NAME] and [scrape.NAME].
  std::vector<std::string> destinations_added, destinations_changed, destinations_removed;
  std::vector<std::string> scrapes_added, scrapes_changed, scrapes_removed;
  bool delete_cursors = false;  // [agent] delete_cursors

  bool empty() const;
  // "destinations +a ~b -c, scrapes ..., node labels": for the log line of a reload.
  std::string Summary() const;
};

AgentConfigChange DiffAgentConfig(const AgentConfig& running, const AgentConfig& next);

}  // namespace vigil::agent
