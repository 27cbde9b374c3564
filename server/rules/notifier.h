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
  // Unix milliseconds; 0: not sent (Alertmanager takes the time it receives the alert, and that
  // plus its resolve_timeout).
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string generator_url;
};

struct NotifierOptions {
  AlertmanagerConfig alertmanager;
  core::Labels external_labels;
  // Per Alertmanager (Prometheus: --alertmanager.notification-queue-capacity, one queue).
  size_t queue_capacity = 10'000;
  size_t max_batch = 256;
};

// Threads: made, stopped and destroyed on the loop's thread, where all sending happens. Send
// may be called from any thread, but not once the destructor has begun: the owner stops the
// rule groups first.
//
// Self-metrics, labelled with the Alertmanager's endpoint as Prometheus labels them:
// vigil_notifications_{sent,errors,dropped}_total{alertmanager} count alerts (not requests),
// vigil_notifications_queue_length{alertmanager}, vigil_notifications_latency_seconds{alertmanager}
// (the last request's), vigil_notifications_queue_capacity and
// vigil_notifications_alertmanagers_discovered.
class Notifier {
 public:
  Notifier(core::Loop& loop, NotifierOptions options, core::MetricsRegistry& metrics);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues alerts for every Alertmanager. Thread-safe: rule groups call it from the pool.
  // A request that fails is not sent again (errors and dropped count its alerts): the rules
  // send what still fires again after resend_delay, as Prometheus does.
  void Send(std::vector<NotifierAlert> alerts);
  // Sends nothing more; what is in flight finishes or times out. What is still queued, and
  // what Send is given from now on, is dropped and counted.
  void Stop();
  // True once Stop was called and no request is in flight.
  bool Stopped() const;
  // The Alertmanagers' alert endpoints, for /api/v1/alertmanagers, from any thread: each URL's
  // path is kept as a prefix, as Prometheus's path_prefix
  // (http://am:9093/x -> http://am:9093/x/api/v2/alerts). A URL listed twice is one.
  std::vector<std::string> Endpoints() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::rules
