// node_exporter's meminfo collector: every field of /proc/meminfo, "kB" ones in bytes.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseMeminfo(std::string_view text, MetricSet* out) {
  bool any = false;
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f.size() < 2 || f[0].back() != ':') {
      return core::InvalidArgumentError("/proc/meminfo: malformed line \"" + std::string(line) +
                                        "\"");
    }
    // "Active(anon):" becomes Active_anon, as node_exporter names it.
    std::string key(f[0].substr(0, f[0].size() - 1));
    if (size_t open = key.find('('); open != std::string::npos && key.back() == ')') {
      key = key.substr(0, open) + "_" + key.substr(open + 1, key.size() - open - 2);
    }
    VIGIL_ASSIGN_OR_RETURN(double v, Number(f[1], "/proc/meminfo " + key));
    if (f.size() == 3 && f[2] == "kB") {
      v *= 1024;
      key += "_bytes";
    }
    // A key that makes no metric name would make the agent's whole page unparsable for its
    // scrapers (as fuzz_procfs found for sockstat), so the file is refused.
    if (!core::IsValidMetricName("node_memory_" + key))
      return core::InvalidArgumentError("/proc/meminfo: malformed field \"" + key + "\"");
    out->Add("node_memory_" + key, "Memory information field " + key + ".",
             core::MetricType::kGauge, v);
    any = true;
  }
  if (!any) return core::InvalidArgumentError("/proc/meminfo is empty");
  return core::OkStatus();
}

}  // namespace vigil::collectors
