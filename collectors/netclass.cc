// node_exporter's netclass collector: the properties of each device in /sys/class/net. The
// kernel refuses some attributes of a device that is down (carrier, speed): those are left
// out for that device, as node_exporter does.
#include <dirent.h>

#include <algorithm>
#include <optional>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
std::vector<NetDevice> NetDevices(const Roots& roots) {
  std::vector<NetDevice> out;
  DIR* d = ::opendir((roots.sysfs + "/class/net").c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") out.push_back({std::string(name), e->d_ino});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const NetDevice& a, const NetDevice& b) { return a.name < b.name; });
  return out;
}

core::Status CollectNetclass(const Roots& roots, MetricSet* out) {
  for (const NetDevice& net : NetDevices(roots)) {
    const std::string& device = net.name;
    if (roots.exclude_device && roots.exclude_device(device)) continue;
    const std::string dir = "class/net/" + device + "/";
    auto read = [&](const char* attr) -> std::optional<std::string> {
      auto v = roots.files->ReadAttribute(roots.sysfs, dir + attr, net.inode);
      if (!v.ok()) return std::nullopt;
      return std::string(TrimSpace(*v));
    };
    std::vector<core::Label> label{{"device", device}};
    auto number = [&](const char* attr, const char* metric, double scale = 1, bool hex = false) {
      std::optional<std::string> text = read(attr);
      if (!text) return;
      std::optional<double> v;
      if (hex && text->substr(0, 2) == "0x") {
        uint64_t n = 0;
        bool good = text->size() > 2 && text->size() <= 18;
        for (char c : text->substr(2)) {
          int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
          if (d < 0) good = false;
          n = n * 16 + static_cast<uint64_t>(d < 0 ? 0 : d);
        }
        if (good) v = static_cast<double>(n);
      } else {
        v = core::ParseFloat(*text);
      }
      if (!v) return;  // a speed of -1 ("unknown") is reported as is, as node_exporter does
      const std::string name = std::string("node_network_") + metric;
      const bool counter = name.size() > 6 && name.substr(name.size() - 6) == "_total";
      out->Add(name, "Network device property: " + std::string(metric),
               counter ? core::MetricType::kCounter : core::MetricType::kGauge, *v * scale, label);
    };
    number("addr_assign_type", "address_assign_type");
    number("carrier", "carrier");
    number("carrier_changes", "carrier_changes_total");
    number("carrier_down_count", "carrier_down_changes_total");
    number("carrier_up_count", "carrier_up_changes_total");
    number("dev_id", "device_id", 1, true);
    number("dormant", "dormant");
    number("flags", "flags", 1, true);
    number("ifindex", "iface_id");
    number("iflink", "iface_link");
    number("link_mode", "iface_link_mode");
    number("mtu", "mtu_bytes");
    number("name_assign_type", "name_assign_type");
    number("netdev_group", "net_dev_group");
    number("speed", "speed_bytes", 1000.0 * 1000 / 8);  // Mbit/s
    number("type", "protocol_type");
    const std::string operstate = read("operstate").value_or("");
    out->Add("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
             core::MetricType::kGauge, operstate == "up" ? 1 : 0, label);
    out->Add("node_network_info",
             "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
             core::MetricType::kGauge, 1,
             {{"address", read("address").value_or("")},
              {"broadcast", read("broadcast").value_or("")},
              {"device", device},
              {"duplex", read("duplex").value_or("")},
              {"ifalias", read("ifalias").value_or("")},
              {"operstate", operstate}});
  }
  return core::OkStatus();
}

core::Status CollectSelinux(const Roots& roots, MetricSet* out) {
  auto enforce = roots.files->Read(roots.sysfs, "fs/selinux/enforce", 64);
  out->Add("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false",
           core::MetricType::kGauge, enforce.ok() ? 1 : 0);
  if (!enforce.ok()) return core::OkStatus();
  if (auto mode = core::ParseFloat(TrimSpace(*enforce))) {
    out->Add("node_selinux_current_mode",
             "SELinux is enforcing (1), permissive (0) or disabled (-1)", core::MetricType::kGauge,
             *mode);
  }
  if (auto config = ReadFile(roots.rootfs, "etc/selinux/config"); config.ok()) {
    for (std::string_view line : Lines(*config)) {
      if (line.substr(0, 8) != "SELINUX=") continue;
      std::string_view v = TrimSpace(line.substr(8));
      out->Add("node_selinux_config_mode", "Configured SELinux enforcement mode",
               core::MetricType::kGauge,
               v == "enforcing"    ? 1
               : v == "permissive" ? 0
                                   : -1);
    }
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
