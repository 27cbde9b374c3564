#pragma once
// server.ini: where the central server listens and keeps its data, its rules, its
// Alertmanager and where it forwards what it receives.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_values.h"
#include "core/ini.h"
#include "core/tls.h"
#include "remote/destination_config.h"
#include "server/api/auth.h"
#include "server/api/fleet_service.h"
#include "server/rules/notifier.h"

namespace vigil::server {

inline constexpr char kDefaultConfigPath[] = "/etc/vigil/server.ini";

// What one client may ask of the server: every bound on outside input that an operator may need
// to move, each with its default here and in conf/server.ini.
struct ServerLimits {
  uint64_t max_request_size = 32u << 20;  // a request's body as sent (413 past it)
  // A remote-write body once snappy has expanded it: 400 past it, checked before the memory is
  // taken. Unset (0), four times max_request_size.
  uint64_t max_decompressed_request_size = 0;
  uint64_t max_header_size = 64u << 10;  // start line and headers together (431 past it)
  int64_t max_header_count = 100;
  int64_t max_connections = 1024;                   // more are closed as they come
  std::chrono::milliseconds read_timeout{30'000};   // a request's first byte to its last (408)
  std::chrono::milliseconds idle_timeout{120'000};  // a kept-alive connection's wait
  int64_t max_concurrent_writes = 16;  // remote-write requests decoding at once; more get 503
  // Remote read (POST /api/v1/read), Prometheus's --storage.remote.read-* flags: samples in
  // one SAMPLES answer (400 past it; 0: no limit), reads answered at once (more wait; 0: no
  // limit), and a streamed frame's message size.
  int64_t remote_read_sample_limit = 50'000'000;
  int64_t remote_read_concurrent_limit = 10;
  uint64_t remote_read_max_bytes_in_frame = 1u << 20;
  uint64_t DecompressedRequestSize() const {
    return max_decompressed_request_size != 0 ? max_decompressed_request_size
                                              : 4 * max_request_size;
  }
};

// [query]: Prometheus's --query.* flags.
struct QueryConfig {
  std::chrono::milliseconds timeout{120'000};
  int64_t max_samples = 50'000'000;
  int64_t max_points_per_series = 11'000;  // of a range query: (end - start) / step
  // Bytes of a PromQL expression or series selector (400 past it): parsing takes memory in
  // proportion, before any other bound can refuse the query.
  uint64_t max_length = 256u << 10;
  std::chrono::milliseconds lookback_delta{300'000};
  // API queries running at once, as Prometheus's --query.max-concurrency; each has a thread of
  // its own (outside libuv's pool, so queries never hold up ingestion or rules).
  int64_t max_concurrency = 20;
  // API queries waiting for one of those threads (their wait counts against the timeout);
  // more are answered 503 at once, so what waiting requests hold stays bounded.
  int64_t max_queued = 200;
};

// [rules]: Prometheus's --rules.* flags and evaluation_interval.
struct RulesConfig {
  std::vector<std::string> files;  // glob patterns
  std::chrono::milliseconds evaluation_interval{15'000};
  // Groups query this far in the past; a group's query_offset wins.
  std::chrono::milliseconds query_offset{0};
  std::chrono::milliseconds resend_delay{60'000};
  // After a restart, an alert's pending time is restored from ALERTS_FOR_STATE when the server
  // was down at most outage_tolerance; an alert then fires no sooner than for_grace_period.
  std::chrono::milliseconds outage_tolerance{3'600'000};
  std::chrono::milliseconds for_grace_period{600'000};
};

// [remote_write.NAME] wal_max_size and wal_max_age, read by the server only: how much of
// the WAL a forwarding destination may hold back beyond what storage keeps for its head,
// before the oldest of it is given up and counted (vigil_wal_dropped_samples_total). The
// agent bounds its whole log instead ([agent] wal_max_size, wal_max_age).
struct ForwardBounds {
  uint64_t wal_max_size = 1ull << 30;
  std::chrono::milliseconds wal_max_age{0};  // 0: no age bound
};

struct ServerConfig {
  core::HostPort listen{"127.0.0.1", 9090};
  std::string data_dir = "/var/lib/vigil-server";
  ServerLimits limits;
  QueryConfig query;
  core::TlsServerOptions tls;  // off unless tls_cert_file is set
  AuthConfig auth;
  // [storage]
  std::chrono::milliseconds retention{15ll * 24 * 3600 * 1000};
  uint64_t retention_size = 0;
  std::chrono::milliseconds out_of_order_window{24ll * 3600 * 1000};
  // [global]: labels added to alerts sent to Alertmanager (a rule's own label wins), to
  // /federate's and remote read's series (a series' own label wins), and visible to templates
  // as $externalLabels.
  core::Labels external_labels;
  // [server] external_url: where people reach this server (alerts' generatorURL, templates'
  // $externalURL). Unset: http://HOSTNAME:PORT, as Prometheus's --web.external-url.
  std::string external_url;
  // [server] self_metrics_interval: how often the server stores its own /metrics (job
  // "vigil-server"); zero: never.
  std::chrono::milliseconds self_metrics_interval{15'000};
  RulesConfig rules;
  rules::AlertmanagerConfig alertmanager;
  std::vector<remote::DestinationConfig> forward_to;
  std::map<std::string, ForwardBounds> forward_bounds;  // by destination name
  FleetConfig fleet;                                    // [fleet]: the fleet view
  // The settings as read, section by section: what /api/v1/status/config shows, and what a
  // reload compares to tell what changed.
  std::string text;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> sections;
};

// Reads and checks a parsed document, appending every problem to *errors (the whole file:
// core::LoadConfig(path, ReadServerConfig)).
ServerConfig ReadServerConfig(const core::IniDocument& doc, std::vector<core::ConfigError>* errors);

// What a reload cannot apply and `next` changes, as "[section] key" by section and key: every
// setting but [rules], [auth], [remote_write.NAME] and [server] external_url, which a reload
// applies. A reload that changes any of these is refused as a whole.
std::vector<std::string> ChangedReadAtStart(const ServerConfig& running, const ServerConfig& next);

}  // namespace vigil::server
