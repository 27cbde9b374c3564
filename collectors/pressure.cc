// node_exporter's pressure collector: pressure stall information, /proc/pressure/{cpu,io,memory}.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

// `resource` is cpu, io or memory; the text is one of its files.
core::Status ParsePressure(std::string_view resource, std::string_view text, MetricSet* out) {
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    std::string_view total;
    for (std::string_view field : f) {
      if (field.substr(0, 6) == "total=") total = field.substr(6);
    }
    if (total.empty())
      return core::InvalidArgumentError("pressure/" + std::string(resource) + ": no total=");
    VIGIL_ASSIGN_OR_RETURN(double us, Number(total, "pressure total"));
    const double seconds = us / 1e6;
    if (f[0] == "some") {
      if (resource == "cpu") {
        out->Add("node_pressure_cpu_waiting_seconds_total",
                 "Total time in seconds that processes have waited for CPU time",
                 core::MetricType::kCounter, seconds);
      } else if (resource == "io") {
        out->Add("node_pressure_io_waiting_seconds_total",
                 "Total time in seconds that processes have waited due to IO congestion",
                 core::MetricType::kCounter, seconds);
      } else {
        out->Add("node_pressure_memory_waiting_seconds_total",
                 "Total time in seconds that processes have waited for memory",
                 core::MetricType::kCounter, seconds);
      }
    } else if (f[0] == "full") {
      // node_exporter 1.5 reports no "full" line for cpu.
      if (resource == "io") {
        out->Add("node_pressure_io_stalled_seconds_total",
                 "Total time in seconds no process could make progress due to IO congestion",
                 core::MetricType::kCounter, seconds);
      } else if (resource == "memory") {
        out->Add("node_pressure_memory_stalled_seconds_total",
                 "Total time in seconds no process could make progress due to memory congestion",
                 core::MetricType::kCounter, seconds);
      }
    } else {
      return core::InvalidArgumentError("pressure/" + std::string(resource) +
                                        ": unexpected line \"" + std::string(line) + "\"");
    }
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
