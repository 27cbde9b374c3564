// node_exporter's stat collector: kernel and process counters from /proc/stat.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseStat(std::string_view text, MetricSet* out) {
  struct Field {
    std::string_view key, name, help;
    core::MetricType type;
  };
  static constexpr Field kFields[] = {
      {"btime", "node_boot_time_seconds", "Node boot time, in unixtime.", core::MetricType::kGauge},
      {"ctxt", "node_context_switches_total", "Total number of context switches.",
       core::MetricType::kCounter},
      {"processes", "node_forks_total", "Total number of forks.", core::MetricType::kCounter},
      {"intr", "node_intr_total", "Total number of interrupts serviced.",
       core::MetricType::kCounter},
      {"procs_blocked", "node_procs_blocked",
       "Number of processes blocked waiting for I/O to complete.", core::MetricType::kGauge},
      {"procs_running", "node_procs_running", "Number of processes in runnable state.",
       core::MetricType::kGauge},
  };
  bool any = false;
  for (const Field& field : kFields) {
    for (std::string_view line : Lines(text)) {
      std::vector<std::string_view> f = Fields(line);
      if (f.size() < 2 || f[0] != field.key) continue;
      VIGIL_ASSIGN_OR_RETURN(double v, Number(f[1], "/proc/stat " + std::string(field.key)));
      out->Add(field.name, field.help, field.type, v);
      any = true;
      break;
    }
  }
  if (!any)
    return core::InvalidArgumentError("/proc/stat: none of btime, ctxt, processes, intr found");
  return core::OkStatus();
}

}  // namespace vigil::collectors
