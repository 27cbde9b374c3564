// node_exporter's netdev collector: per-device counters from /proc/net/dev, as
// node_network_{receive,transmit}_<field>_total{device}.
#include <algorithm>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseNetdev(std::string_view text, MetricSet* out) {
  // The columns after "iface:", as the kernel has printed them since 2.6.
  static constexpr std::string_view kReceive[] = {"bytes", "packets", "errs",       "drop",
                                                  "fifo",  "frame",   "compressed", "multicast"};
  static constexpr std::string_view kTransmit[] = {"bytes", "packets", "errs",    "drop",
                                                   "fifo",  "colls",   "carrier", "compressed"};
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 2; i < lines.size(); ++i) {  // two header lines
    std::string_view line = lines[i];
    size_t colon = line.find(':');
    if (TrimSpace(line).empty()) continue;
    if (colon == std::string_view::npos)
      return core::InvalidArgumentError("/proc/net/dev: line without ':'");
    std::string device(TrimSpace(line.substr(0, colon)));
    std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    if (f.size() != 16)
      return core::InvalidArgumentError("/proc/net/dev: expected 16 counters for " + device);
    for (size_t k = 0; k < 16; ++k) {
      const std::string field = std::string(k < 8 ? "receive_" : "transmit_") +
                                std::string(k < 8 ? kReceive[k] : kTransmit[k - 8]);
      VIGIL_ASSIGN_OR_RETURN(double v, Number(f[k], "/proc/net/dev " + field));
      out->Add("node_network_" + field + "_total", "Network device statistic " + field + ".",
               core::MetricType::kCounter, v, {{"device", device}});
    }
  }
  return core::OkStatus();
}

core::Status CollectNetdev(const Roots& roots, MetricSet* out) {
  auto text = roots.files->Read(roots.procfs, "net/dev");
  if (!text.ok()) return text.status();
  MetricSet all;
  VIGIL_RETURN_IF_ERROR(ParseNetdev(*text, &all));
  for (auto& f : all.families()) {
    for (auto& sample : f.samples) {
      if (roots.exclude_device && roots.exclude_device(sample.labels[0].value)) continue;
      out->Add(f.name, f.help, f.type, sample.value, std::move(sample.labels));
    }
  }
  // Two values node_exporter 1.5 gets over netlink and /proc/net/dev lacks; sysfs has them.
  std::vector<std::string> devices;
  for (const auto& f : out->families()) {
    if (f.name != "node_network_receive_bytes_total") continue;
    for (const auto& sample : f.samples) devices.push_back(sample.labels[0].value);
  }
  const std::vector<NetDevice> in_sysfs = NetDevices(roots);
  for (const std::string& device : devices) {
    auto net =
        std::lower_bound(in_sysfs.begin(), in_sysfs.end(), device,
                         [](const NetDevice& d, const std::string& name) { return d.name < name; });
    if (net == in_sysfs.end() || net->name != device) continue;
    const std::string dir = "class/net/" + device + "/";
    auto read = [&](const char* attr) {
      return roots.files->ReadAttribute(roots.sysfs, dir + attr, net->inode);
    };
    if (auto v = read("statistics/rx_nohandler"); v.ok()) {
      if (auto n = core::ParseFloat(TrimSpace(*v))) {
        out->Add("node_network_receive_nohandler_total",
                 "Network device statistic receive_nohandler.", core::MetricType::kCounter, *n,
                 {{"device", device}});
      }
    }
    if (auto v = read("tx_queue_len"); v.ok()) {
      if (auto n = core::ParseFloat(TrimSpace(*v))) {
        out->Add("node_network_transmit_queue_length",
                 "Network device property: transmit_queue_length", core::MetricType::kGauge, *n,
                 {{"device", device}});
      }
    }
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
