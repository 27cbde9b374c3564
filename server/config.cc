#include "server/config.h"

#include <unistd.h>

#include <algorithm>
#include <optional>

#include "core/client_auth.h"

namespace vigil::server {
namespace {

std::string DefaultExternalUrl(const core::HostPort& listen) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    return "http://" + listen.ToString();
  return "http://" + std::string(host) + ":" + std::to_string(listen.port);
}

// "name=value, name=value" as a label set; problems go to the section's errors.
core::Labels ReadLabelPairs(core::ConfigSection& section, std::string_view key) {
  std::vector<core::Label> pairs;
  for (const std::string& item : section.List(key)) {
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      section.Error(key, "expected name=value items, got \"" + item + "\"");
      continue;
    }
    pairs.push_back({std::string(core::TrimSpace(std::string_view(item).substr(0, eq))),
                     std::string(core::TrimSpace(std::string_view(item).substr(eq + 1)))});
  }
  core::Result<core::Labels> labels = core::Labels::Create(std::move(pairs));
  if (!labels.ok()) {
    section.Error(key, labels.status().message());
    return {};
  }
  return *labels;
}

void RequirePositive(core::ConfigSection& section, std::string_view key,
                     std::chrono::milliseconds d) {
  if (d <= std::chrono::milliseconds(0)) section.Error(key, "must be positive");
}

void ReadRules(core::ConfigSection& section, RulesConfig* r) {
  r->files = section.List("files");
  r->evaluation_interval = section.Duration("evaluation_interval", r->evaluation_interval);
  if (r->evaluation_interval < std::chrono::seconds(1)) {
    section.Error("evaluation_interval", "must be at least 1s");
  }
  r->query_offset = section.Duration("query_offset", r->query_offset);
  r->resend_delay = section.Duration("resend_delay", r->resend_delay);
  RequirePositive(section, "resend_delay", r->resend_delay);
  r->outage_tolerance = section.Duration("outage_tolerance", r->outage_tolerance);
  RequirePositive(section, "outage_tolerance", r->outage_tolerance);
  r->for_grace_period = section.Duration("for_grace_period", r->for_grace_period);
  RequirePositive(section, "for_grace_period", r->for_grace_period);
}

rules::AlertmanagerConfig ReadAlertmanager(core::ConfigSection& section) {
  rules::AlertmanagerConfig a;
  for (const std::string& text : section.List("url")) {
    core::Result<core::Url> url = core::ParseUrl(text);
    if (url.ok()) {
      a.urls.push_back(*url);
    } else {
      section.Error("url", url.status().message());
    }
  }
  a.timeout = section.Duration("timeout", a.timeout);
  RequirePositive(section, "timeout", a.timeout);
  core::ClientAuth auth = core::ReadClientAuth(section);
  a.basic_auth_username = std::move(auth.basic_auth_username);
  a.basic_auth_password = std::move(auth.basic_auth_password);
  a.bearer_token = std::move(auth.bearer_token);
  // Stricter than [remote_write.NAME]: a username alone or an empty token is taken for a
  // mistake here.
  if (!a.basic_auth_username.empty() && !section.Has("basic_auth_password_file")) {
    section.Error("basic_auth_username",
                  "basic_auth_username and basic_auth_password_file go together");
  }
  if (section.Has("bearer_token_file") && a.bearer_token.empty()) {
    section.Error("bearer_token_file", "the token file is empty or unreadable");
  }
  a.tls = core::ReadTlsClientOptions(section);
  return a;
}

}  // namespace

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
  if (limits.read_timeout <= std::chrono::milliseconds(0))
    server.Error("read_timeout", "must be positive");
  limits.idle_timeout = server.Duration("idle_timeout", limits.idle_timeout);
  if (limits.idle_timeout <= std::chrono::milliseconds(0))
    server.Error("idle_timeout", "must be positive");
  limits.max_concurrent_writes =
      server.Int("max_concurrent_writes", limits.max_concurrent_writes, 1, 1024);
  limits.remote_read_sample_limit =
      server.Int("remote_read_sample_limit", limits.remote_read_sample_limit, 0, int64_t{1} << 40);
  limits.remote_read_concurrent_limit =
      server.Int("remote_read_concurrent_limit", limits.remote_read_concurrent_limit, 0, 1024);
  limits.remote_read_max_bytes_in_frame =
      server.Size("remote_read_max_bytes_in_frame", limits.remote_read_max_bytes_in_frame);
  // A frame holds a series' labels and at least one sample; below 1KB a long label set could
  // not be sent at all. Above 64MB no client reads it (Prometheus's own readers stop at 50MB).
  if (limits.remote_read_max_bytes_in_frame < 1024 ||
      limits.remote_read_max_bytes_in_frame > (64u << 20)) {
    server.Error("remote_read_max_bytes_in_frame", "must be from 1KB to 64MB");
  }
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
  c.query.max_points_per_series =
      query.Int("max_points_per_series", c.query.max_points_per_series, 1, INT64_MAX);
  c.query.max_length = query.Size("max_length", c.query.max_length);
  if (c.query.max_length < 1024) query.Error("max_length", "must be at least 1KB");
  c.query.lookback_delta = query.Duration("lookback_delta", c.query.lookback_delta);
  if (c.query.lookback_delta <= std::chrono::milliseconds(0))
    query.Error("lookback_delta", "must be positive");
  // Each is a thread with an 8 MB stack reserved: 128 of them take 1 GB of a 32-bit ARM
  // board's 3 GB of address space.
  c.query.max_concurrency = query.Int("max_concurrency", c.query.max_concurrency, 1, 128);
  c.query.max_queued = query.Int("max_queued", c.query.max_queued, 0, 100'000);

  core::ConfigSection& storage = reader.Section("storage");
  c.retention = storage.Duration("retention", c.retention);
  c.retention_size = storage.Size("retention_size", c.retention_size);
  c.out_of_order_window = storage.Duration("out_of_order_window", c.out_of_order_window);

  core::ConfigSection& auth = reader.Section("auth");
  c.auth.bearer_token = auth.SecretFile("bearer_token_file").value_or("");
  c.auth.basic_username = auth.String("basic_auth_username");
  c.auth.basic_password = auth.SecretFile("basic_auth_password_file").value_or("");
  if (c.auth.basic_username.empty() != c.auth.basic_password.empty())
    auth.Error("basic_auth_username",
               "basic_auth_username and basic_auth_password_file go together");
  if (auth.Has("bearer_token_file") && c.auth.bearer_token.empty())
    auth.Error("bearer_token_file", "the token file is empty or unreadable");

  c.external_url = server.String("external_url", DefaultExternalUrl(c.listen));
  if (!c.external_url.empty() && c.external_url.back() == '/') c.external_url.pop_back();
  if (!core::ParseUrl(c.external_url).ok())
    server.Error("external_url", "must be an http:// or https:// URL");

  c.self_metrics_interval = server.Duration("self_metrics_interval", c.self_metrics_interval);
  if (c.self_metrics_interval.count() != 0 && c.self_metrics_interval < std::chrono::seconds(1)) {
    server.Error("self_metrics_interval", "must be 0s (off) or at least 1s");
  }

  core::ConfigSection& global = reader.Section("global");
  c.external_labels = ReadLabelPairs(global, "external_labels");

  ReadRules(reader.Section("rules"), &c.rules);
  c.alertmanager = ReadAlertmanager(reader.Section("alertmanager"));

  core::ConfigSection& fleet = reader.Section("fleet");
  c.fleet.stale_after = fleet.Duration("stale_after", c.fleet.stale_after);
  if (c.fleet.stale_after < std::chrono::seconds(1))
    fleet.Error("stale_after", "must be at least 1s");
  c.fleet.write_stale_up = fleet.Bool("write_stale_up", c.fleet.write_stale_up);

  c.forward_to = remote::ReadDestinations(reader);
  for (const remote::DestinationConfig& d : c.forward_to) {
    core::ConfigSection& section = reader.Section("remote_write." + d.name);
    ForwardBounds& b = c.forward_bounds[d.name];
    b.wal_max_size = section.Size("wal_max_size", b.wal_max_size);
    if (b.wal_max_size < (1u << 20)) section.Error("wal_max_size", "must be at least 1MB");
    b.wal_max_age = section.Duration("wal_max_age", b.wal_max_age);
    if (b.wal_max_age.count() < 0) section.Error("wal_max_age", "must not be negative");
  }
  for (const core::IniSection& section : doc.sections()) {
    c.text += "[" + section.name + "]\n";
    for (const core::IniEntry& e : section.entries) {
      c.text += e.key + " = " + e.value + "\n";
      c.sections[section.name].emplace_back(e.key, e.value);
    }
  }
  std::vector<core::ConfigError> found = reader.Finish();
  errors->insert(errors->end(), found.begin(), found.end());
  return c;
}

std::vector<std::string> ChangedReadAtStart(const ServerConfig& running, const ServerConfig& next) {
  auto applied = [](const std::string& section, const std::string& key) {
    return section == "rules" || section == "auth" || section.rfind("remote_write.", 0) == 0 ||
           (section == "server" && key == "external_url");
  };
  using Settings = std::map<std::string, std::map<std::string, std::string>>;
  auto settings = [&](const ServerConfig& c) {
    Settings out;
    for (const auto& [section, entries] : c.sections) {
      for (const auto& [key, value] : entries) {
        if (!applied(section, key)) out[section][key] = value;
      }
    }
    return out;
  };
  const Settings before = settings(running), after = settings(next);
  std::vector<std::string> changed;
  auto value_in = [](const Settings& s, const std::string& section, const std::string& key) {
    auto sec = s.find(section);
    if (sec == s.end()) return std::optional<std::string>();
    auto it = sec->second.find(key);
    return it == sec->second.end() ? std::optional<std::string>() : it->second;
  };
  // Keys set in either file: one set, removed or given another value is a change.
  auto note = [&](const Settings& settings_of_one) {
    for (const auto& [section, keys] : settings_of_one) {
      for (const auto& [key, value] : keys) {
        const std::string name = "[" + section + "] " + key;
        if (value_in(before, section, key) != value_in(after, section, key) &&
            std::find(changed.begin(), changed.end(), name) == changed.end())
          changed.push_back(name);
      }
    }
  };
  note(after);
  note(before);
  return changed;
}

}  // namespace vigil::server
