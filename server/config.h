#pragma once
// server.ini: where the central server listens and keeps its data, its rules, its
// Alertmanager and where it forwards what it receives.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/config_values.h"
#include "core/ini.h"
#include "remote/destination_config.h"

namespace vigil::server {

inline constexpr char kDefaultConfigPath[] = "/etc/vigil/server.ini";

struct ServerConfig {
  core::HostPort listen{"127.0.0.1", 9090};
  std::string data_dir = "/var/lib/vigil-server";
  std::vector<std::string> rule_files;  // glob patterns
  std::chrono::milliseconds evaluation_interval{15'000};
  std::optional<core::Url> alertmanager_url;
  std::vector<remote::DestinationConfig> forward_to;
};

// Reads and checks the whole file; the error lists every problem, one per line.
core::Result<ServerConfig> LoadServerConfig(const std::string& path);
ServerConfig ReadServerConfig(const core::IniDocument& doc, std::vector<core::ConfigError>* errors);

}  // namespace vigil::server
