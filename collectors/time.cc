// node_exporter's time collector: the clock, the time zone's offset, and the clock sources
// of /sys/devices/system/clocksource.
#include <ctime>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
core::Status CollectTime(const core::Clock& clock, const Roots& roots, MetricSet* out) {
  const int64_t ms = clock.NowUnixMillis();
  out->Add("node_time_seconds", "System time in seconds since epoch (1970).",
           core::MetricType::kGauge, static_cast<double>(ms) / 1000);
  std::time_t now = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  localtime_r(&now, &local);
  out->Add("node_time_zone_offset_seconds", "System time zone offset in seconds.",
           core::MetricType::kGauge, static_cast<double>(local.tm_gmtoff),
           {{"time_zone", local.tm_zone ? local.tm_zone : ""}});
  for (int device = 0;; ++device) {
    const std::string dir = "devices/system/clocksource/clocksource" + std::to_string(device) + "/";
    auto available = roots.files->Read(roots.sysfs, dir + "available_clocksource");
    if (!available.ok()) break;
    for (std::string_view source : Fields(TrimSpace(*available))) {
      out->Add("node_time_clocksource_available_info",
               "Available clocksources read from '/sys/devices/system/clocksource'.",
               core::MetricType::kGauge, 1,
               {{"clocksource", std::string(source)}, {"device", std::to_string(device)}});
    }
    if (auto current = roots.files->Read(roots.sysfs, dir + "current_clocksource"); current.ok()) {
      out->Add(
          "node_time_clocksource_current_info",
          "Current clocksource read from '/sys/devices/system/clocksource'.",
          core::MetricType::kGauge, 1,
          {{"clocksource", std::string(TrimSpace(*current))}, {"device", std::to_string(device)}});
    }
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
