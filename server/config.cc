#include "server/config.h"

namespace vigil::server {

ServerConfig ReadServerConfig(const core::IniDocument& doc,
                              std::vector<core::ConfigError>* errors) {
  core::ConfigReader reader(doc);
  ServerConfig c;

  core::ConfigSection& server = reader.Section("server");
  if (auto listen = server.HostPortValue("listen")) c.listen = *listen;
  c.data_dir = server.String("data_dir", c.data_dir);
  if (c.data_dir.empty()) server.Error("data_dir", "must not be empty");
  ServerLimits& limits = c.limits;
  limits.max_request_size = server.Size("max_request_size", limits.max_request_size);
  if (limits.max_request_size < 1024) server.Error("max_request_size", "must be at least 1KB");
  limits.max_decompressed_request_size =
      server.Size("max_decompressed_request_size", limits.DecompressedRequestSize());
  if (limits.max_decompressed_request_size < 1024) {
    server.Error("max_decompressed_request_size", "must be at least 1KB");
  }
  limits.max_header_size = server.Size("max_header_size", limits.max_header_size);
  if (limits.max_header_size < 1024) server.Error("max_header_size", "must be at least 1KB");
  limits.max_header_count = server.Int("max_header_count", limits.max_header_count, 1, 10'000);
  limits.max_connections = server.Int("max_connections", limits.max_connections, 1, 1'000'000);
  limits.read_timeout = server.Duration("read_timeout", limits.read_timeout);
  if (limits.read_timeout <= std::chrono::milliseconds(0)) server.Error("read_timeout", "must be positive");
  limits.idle_timeout = server.Duration("idle_timeout", limits.idle_timeout);
  if (limits.idle_timeout <= std::chrono::milliseconds(0)) server.Error("idle_timeout", "must be positive");
  limits.max_concurrent_writes = server.Int("max_concurrent_writes", limits.max_concurrent_writes, 1, 1024);
  c.tls.cert_file = server.String("tls_cert_file");
  c.tls.key_file = server.String("tls_key_file");
  c.tls.client_ca_file = server.String("tls_client_ca_file");
  if (c.tls.cert_file.empty() != c.tls.key_file.empty())
    server.Error(c.tls.cert_file.empty() ? "tls_key_file" : "tls_cert_file",
                 "tls_cert_file and tls_key_file go together");
  if (!c.tls.client_ca_file.empty() && c.tls.cert_file.empty())
    server.Error("tls_client_ca_file", "needs tls_cert_file and tls_key_file");

  core::ConfigSection& query = reader.Section("query");
  c.query.timeout = query.Duration("timeout", c.query.timeout);
  if (c.query.timeout <= std::chrono::milliseconds(0)) query.Error("timeout", "must be positive");
  c.query.max_samples = query.Int("max_samples", c.query.max_samples, 1, INT64_MAX);
  c.query.max_points_per_series = query.Int("max_points_per_series", c.query.max_points_per_series, 1, INT64_MAX);
  c.query.max_length = query.Size("max_length", c.query.max_length);
  if (c.query.max_length < 1024) query.Error("max_length", "must be at least 1KB");
  c.query.lookback_delta = query.Duration("lookback_delta", c.query.lookback_delta);
  if (c.query.lookback_delta <= std::chrono::milliseconds(0)) query.Error("lookback_delta", "must be positive");

  core::ConfigSection& storage = reader.Section("storage");
  c.retention = storage.Duration("retention", c.retention);
  c.retention_size = storage.Size("retention_size", c.retention_size);
  c.out_of_order_window = storage.Duration("out_of_order_window", c.out_of_order_window);

  core::ConfigSection& auth = reader.Section("auth");
  c.auth.bearer_token = auth.SecretFile("bearer_token_file").value_or("");
  c.auth.basic_username = auth.String("basic_auth_username");
  c.auth.basic_password = auth.SecretFile("basic_auth_password_file").value_or("");
  if (c.auth.basic_username.empty() != c.auth.basic_password.empty())
    auth.Error("basic_auth_username", "basic_auth_username and basic_auth_password_file go together");
  if (auth.Has("bearer_token_file") && c.auth.bearer_token.empty())
    auth.Error("bearer_token_file", "the token file is empty or unreadable");

  core::ConfigSection& rules = reader.Section("rules");
  c.rule_files = rules.List("files");
  c.evaluation_interval = rules.Duration("evaluation_interval", c.evaluation_interval);
  if (c.evaluation_interval < std::chrono::seconds(1)) {
    rules.Error("evaluation_interval", "must be at least 1s");
  }

  core::ConfigSection& alertmanager = reader.Section("alertmanager");
  c.alertmanager_url = alertmanager.UrlValue("url");

  c.forward_to = remote::ReadDestinations(reader);
  for (const core::IniSection& section : doc.sections()) {
    c.text += "[" + section.name + "]\n";
    for (const core::IniEntry& e : section.entries) c.text += e.key + " = " + e.value + "\n";
  }
  std::vector<core::ConfigError> found = reader.Finish();
  errors->insert(errors->end(), found.begin(), found.end());
  return c;
}

}  // namespace vigil::server
