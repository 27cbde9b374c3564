#pragma once
// server.ini: where the central server listens and keeps its data, its rules, its
// Alertmanager and where it forwards what it receives.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/config_values.h"
#include "core/ini.h"
#include "core/tls.h"
#include "remote/destination_config.h"

namespace vigil::server {

inline constexpr char kDefaultConfigPath[] = "/etc/vigil/server.ini";

// Who may use the HTTP API and the receiver: nobody needs credentials when both are unset.
struct AuthConfig {
  std::string bearer_token;
  std::string basic_username;
  std::string basic_password;
  bool enabled() const { return !bearer_token.empty() || !basic_username.empty(); }
};

struct ServerConfig {
  core::HostPort listen{"127.0.0.1", 9090};
  std::string data_dir = "/var/lib/vigil-server";
  uint64_t max_request_size = 32u << 20;
  core::TlsServerOptions tls;  // off unless tls_cert_file is set
  AuthConfig auth;
  // [storage]
  std::chrono::milliseconds retention{15ll * 24 * 3600 * 1000};
  uint64_t retention_size = 0;
  std::chrono::milliseconds out_of_order_window{24ll * 3600 * 1000};
  std::vector<std::string> rule_files;  // glob patterns
  std::chrono::milliseconds evaluation_interval{15'000};
  std::optional<core::Url> alertmanager_url;
  std::vector<remote::DestinationConfig> forward_to;
  // The settings as read, section by section: what /api/v1/status/config shows.
  std::string text;
};

// Reads and checks the whole file; the error lists every problem, one per line.
core::Result<ServerConfig> LoadServerConfig(const std::string& path);
ServerConfig ReadServerConfig(const core::IniDocument& doc, std::vector<core::ConfigError>* errors);

}  // namespace vigil::server
