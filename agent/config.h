#pragma once
// agent.ini: what one node's agent collects, where it keeps its log and where it pushes.
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/scrape.h"
#include "collectors/collector.h"
#include "core/config_values.h"
#include "core/ini.h"
#include "core/labels.h"
#include "remote/destination_config.h"

namespace vigil::agent {

inline constexpr char kDefaultConfigPath[] = "/etc/vigil/agent.ini";

struct AgentConfig {
  std::string node_name;  // the `instance` label; the host name when not set
  std::string job = "node";
  std::chrono::milliseconds interval{15'000};
  std::string data_dir = "/var/lib/vigil-agent";
  uint64_t wal_max_size = 1ull << 30;
  std::chrono::milliseconds wal_max_age{0};  // 0: no age cap
  bool wal_fsync_always = false;             // wal_fsync = always; default interval (1 s)
  // The agent's own vigil_* metrics pushed with the node's (push_self_metrics): its backlog
  // then shows in the server's fleet view and in any Prometheus it pushes to.
  bool push_self_metrics = true;
  core::HostPort listen{"127.0.0.1", 9101};
  std::vector<core::Label> extra_labels;  // [labels], on every pushed series
  std::vector<remote::DestinationConfig> destinations;
  std::vector<ScrapeConfig> scrapes;             // [scrape.NAME]
  collectors::Roots roots;                       // [collectors] procfs, sysfs, rootfs, cgroupfs
  std::vector<std::string> disabled_collectors;  // [collectors] NAME = false
  // [agent] delete_cursors: WAL cursors of removed destinations to delete at start or reload,
  // releasing the log they hold. A removed destination's cursor is kept otherwise, so that
  // adding it back resumes where it stopped.
  std::vector<std::string> delete_cursors;
  // The settings as read, section by section: what a reload compares to tell what changed
  // where the parsed form cannot be compared (collector roots hold a compiled pattern).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> sections;
};

// Reads and checks a parsed document, appending every problem to *errors (the whole file:
// core::LoadConfig(path, ReadAgentConfig)).
AgentConfig ReadAgentConfig(const core::IniDocument& doc, std::vector<core::ConfigError>* errors);

}  // namespace vigil::agent
