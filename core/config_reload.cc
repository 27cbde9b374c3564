#include "core/config_reload.h"

namespace vigil::core {

ConfigReloadMetrics::ConfigReloadMetrics(MetricsRegistry& metrics, const Clock& clock)
    : clock_(clock),
      successful_(metrics
                      .Gauge("vigil_config_last_reload_successful",
                             "Whether the last configuration reload succeeded.")
                      .Get()),
      success_time_(metrics
                        .Gauge("vigil_config_last_reload_success_timestamp_seconds",
                               "When the configuration was last loaded successfully.")
                        .Get()) {
  Succeeded();
}

void ConfigReloadMetrics::Succeeded() {
  successful_->Set(1);
  success_time_->Set(static_cast<double>(clock_.NowUnixMillis()) / 1000);
}

void ConfigReloadMetrics::Failed() { successful_->Set(0); }

HttpResponse ReloadResponse(const Status& status) {
  return status.ok()
             ? HttpResponse::Text(200, "")
             : HttpResponse::Text(500, "failed to reload config: " + status.message() + "\n");
}

}  // namespace vigil::core
