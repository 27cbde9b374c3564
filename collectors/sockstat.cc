// node_exporter's sockstat collector: /proc/net/sockstat and sockstat6. "mem" counts pages,
// so it is also given in bytes.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseSockstat(std::string_view text, bool ipv6, double page_size, MetricSet* out) {
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f[0].back() != ':' || f.size() % 2 != 1) {
      return core::InvalidArgumentError("sockstat: malformed line \"" + std::string(line) + "\"");
    }
    std::string proto(f[0].substr(0, f[0].size() - 1));
    for (size_t i = 1; i + 1 < f.size(); i += 2) {
      std::string key(f[i]);
      VIGIL_ASSIGN_OR_RETURN(double v, Number(f[i + 1], "sockstat " + proto + " " + key));
      // "sockets: used" is only in the IPv4 file.
      std::string name = proto == "sockets" ? "node_sockstat_sockets_" + key
                                            : "node_sockstat_" + proto + "_" + key;
      // The names come from the file: one that is not a metric name would make the agent's
      // whole page unparsable for its scrapers (found by fuzz_procfs), so the file is refused.
      if (!core::IsValidMetricName(name))
        return core::InvalidArgumentError("sockstat: malformed field \"" + proto + " " + key +
                                          "\"");
      std::string help = proto == "sockets"
                             ? "Number of IPv4 sockets in use."
                             : "Number of " + proto + " sockets in state " + key + ".";
      out->Add(name, help, core::MetricType::kGauge, v);
      if (key == "mem" && !ipv6) {
        out->Add(name + "_bytes", "Number of " + proto + " sockets in state mem_bytes.",
                 core::MetricType::kGauge, v * page_size);
      }
    }
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
