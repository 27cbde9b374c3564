#pragma once
// Sends alerts to Alertmanager as Prometheus 2.42's notifier does: POST /api/v2/alerts with a
// JSON list of at most 256 alerts, [global] external_labels added where the alert has no label
// of that name. Each Alertmanager has its own bounded queue and sends one batch at a time, so
// one that is down or slow holds back no other; when a queue is full its oldest alerts are
// dropped and counted (the rules resend what is still firing).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config_values.h"
#include "core/labels.h"
#include "core/metrics.h"
#include "core/tls.h"
#include "core/uv.h"

namespace vigil::rules {

// [alertmanager]: where alerts go, and how to reach them.
struct AlertmanagerConfig {
  std::vector<core::Url> urls;  // each Alertmanager's base URL; /api/v2/alerts is added
  std::chrono::milliseconds timeout{10'000};
  std::string basic_auth_username;
  std::string basic_auth_password;
  std::string bearer_token;
  core::TlsClientOptions tls;
};

// One alert as Alertmanager's API v2 takes it (postableAlert).
struct NotifierAlert {
  core::Labels labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;  // 0: not sent
  std::string generator_url;
};

struct NotifierOptions {
  AlertmanagerConfig alertmanager;
  core::Labels external_labels;
  size_t queue_capacity = 10'000;  // per Alertmanager (Prometheus: --alertmanager.notification-queue-capacity)
  size_t max_batch = 256;
};

class Notifier {
 public:
  Notifier(core::Loop& loop, NotifierOptions options, core::MetricsRegistry& metrics);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues alerts for every Alertmanager. Thread-safe: rule groups call it from the pool.
  void Send(std::vector<NotifierAlert> alerts);
  // Sends nothing more; what is in flight finishes or times out.
  void Stop();
  bool Stopped() const;
  // The Alertmanagers' alert endpoints, for /api/v1/alertmanagers.
  std::vector<std::string> Endpoints() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::rules
