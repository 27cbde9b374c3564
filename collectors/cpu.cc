// node_exporter's cpu collector: seconds per CPU and mode from the "cpuN" lines of
// /proc/stat, in USER_HZ ticks (100 per second on every Linux architecture).
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

namespace {
constexpr double kUserHz = 100;
}

core::Status ParseCpu(std::string_view text, MetricSet* out) {
  // The order of the columns of a cpu line.
  static constexpr std::string_view kModes[] = {"user",   "nice", "system",  "idle",
                                                "iowait", "irq",  "softirq", "steal"};
  bool any = false;
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    // "cpu" alone is the total over all CPUs, which node_exporter leaves out.
    if (f.empty() || f[0].size() <= 3 || f[0].substr(0, 3) != "cpu") continue;
    std::string cpu(f[0].substr(3));
    if (f.size() < 9)
      return core::InvalidArgumentError("/proc/stat: short line for " + std::string(f[0]));
    for (size_t m = 0; m < std::size(kModes); ++m) {
      VIGIL_ASSIGN_OR_RETURN(double ticks, Number(f[m + 1], "/proc/stat cpu field"));
      out->Add("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
               core::MetricType::kCounter, ticks / kUserHz,
               {{"cpu", cpu}, {"mode", std::string(kModes[m])}});
    }
    // guest and guest_nice (kernels since 2.6.24 and 2.6.33).
    if (f.size() >= 11) {
      VIGIL_ASSIGN_OR_RETURN(double guest, Number(f[9], "/proc/stat guest"));
      VIGIL_ASSIGN_OR_RETURN(double guest_nice, Number(f[10], "/proc/stat guest_nice"));
      const char* help = "Seconds the CPUs spent in guests (VMs) for each mode.";
      out->Add("node_cpu_guest_seconds_total", help, core::MetricType::kCounter,
               guest_nice / kUserHz, {{"cpu", cpu}, {"mode", "nice"}});
      out->Add("node_cpu_guest_seconds_total", help, core::MetricType::kCounter, guest / kUserHz,
               {{"cpu", cpu}, {"mode", "user"}});
    }
    any = true;
  }
  if (!any) return core::InvalidArgumentError("/proc/stat: no cpuN lines");
  return core::OkStatus();
}

}  // namespace vigil::collectors
