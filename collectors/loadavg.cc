// node_exporter's loadavg collector: node_load1, node_load5, node_load15 from /proc/loadavg.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseLoadavg(std::string_view text, MetricSet* out) {
  std::vector<std::string_view> f = Fields(TrimSpace(text));
  if (f.size() < 3) return core::InvalidArgumentError("/proc/loadavg: expected 3 load averages");
  static constexpr const char* kNames[] = {"node_load1", "node_load5", "node_load15"};
  static constexpr const char* kHelp[] = {"1m load average.", "5m load average.",
                                          "15m load average."};
  for (int i = 0; i < 3; ++i) {
    VIGIL_ASSIGN_OR_RETURN(double v, Number(f[static_cast<size_t>(i)], "load average"));
    out->Add(kNames[i], kHelp[i], core::MetricType::kGauge, v);
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
