// node_exporter's arp collector: entries of /proc/net/arp counted per device.
#include <map>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseArp(std::string_view text, MetricSet* out) {
  std::map<std::string, double> per_device;
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 1; i < lines.size(); ++i) {  // a header line first
    std::vector<std::string_view> f = Fields(lines[i]);
    if (f.empty()) continue;
    if (f.size() != 6)
      return core::InvalidArgumentError("/proc/net/arp: expected 6 columns on line " +
                                        std::to_string(i + 1));
    per_device[std::string(f[5])] += 1;
  }
  for (const auto& [device, n] : per_device) {
    out->Add("node_arp_entries", "ARP entries by device", core::MetricType::kGauge, n,
             {{"device", device}});
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
