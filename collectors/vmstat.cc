// node_exporter's vmstat collector with its default field set: oom_kill, pgpg*, pswp* and
// pg*fault* from /proc/vmstat, untyped as node_exporter reports them.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

// node_exporter's default --collector.vmstat.fields: ^(oom_kill|pgpg|pswp|pg.*fault).*
bool DefaultField(std::string_view name) {
  if (name.substr(0, 8) == "oom_kill" || name.substr(0, 4) == "pgpg" || name.substr(0, 4) == "pswp")
    return true;
  return name.substr(0, 2) == "pg" && name.find("fault", 2) != std::string_view::npos;
}

}  // namespace

core::Status ParseVmstat(std::string_view text, MetricSet* out) {
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f.size() != 2)
      return core::InvalidArgumentError("/proc/vmstat: malformed line \"" + std::string(line) +
                                        "\"");
    if (!DefaultField(f[0])) continue;
    VIGIL_ASSIGN_OR_RETURN(double v, Number(f[1], "/proc/vmstat " + std::string(f[0])));
    std::string name(f[0]);
    // The fields are chosen by prefix, so the rest of the name is the file's: one that makes
    // no metric name would spoil the agent's whole page (found by fuzz_procfs).
    if (!core::IsValidMetricName("node_vmstat_" + name))
      return core::InvalidArgumentError("/proc/vmstat: malformed field \"" + name + "\"");
    out->Add("node_vmstat_" + name, "/proc/vmstat information field " + name + ".",
             core::MetricType::kUntyped, v);
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
