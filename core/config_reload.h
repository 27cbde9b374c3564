#pragma once
// What both binaries' configuration reloads (SIGHUP, POST /-/reload) share with Prometheus's:
// the two self-metrics that report them and the answer to /-/reload.
#include "core/clock.h"
#include "core/http_message.h"
#include "core/metrics.h"
#include "core/status.h"

namespace vigil::core {

// vigil_config_last_reload_successful and vigil_config_last_reload_success_timestamp_seconds,
// as prometheus_config_*: the configuration read at start counts as the first good load.
class ConfigReloadMetrics {
 public:
  ConfigReloadMetrics(MetricsRegistry& metrics, const Clock& clock);
  void Succeeded();
  void Failed();

 private:
  const Clock& clock_;
  Metric* successful_;
  Metric* success_time_;
};

// 200 with no body, or 500 with "failed to reload config: " and the reason.
HttpResponse ReloadResponse(const Status& status);

}  // namespace vigil::core
