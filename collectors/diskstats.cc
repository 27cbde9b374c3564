// node_exporter's diskstats collector: /proc/diskstats per block device (partitions, ram and
// loop devices left out as node_exporter's default device-exclude does), discard and flush
// fields where the kernel has them, and node_disk_info from the udev database.
#include <cctype>
#include <map>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

constexpr double kSectorBytes = 512;  // /proc/diskstats counts 512-byte sectors on every device

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace

// node_exporter's default: ^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$
bool ExcludedDisk(std::string_view name) {
  for (std::string_view prefix : {"ram", "loop", "fd"}) {
    if (name.substr(0, prefix.size()) == prefix && AllDigits(name.substr(prefix.size())))
      return true;
  }
  for (std::string_view prefix : {"hd", "sd", "vd", "xvd"}) {
    if (name.size() > prefix.size() + 1 && name.substr(0, prefix.size()) == prefix &&
        std::islower(static_cast<unsigned char>(name[prefix.size()])) &&
        AllDigits(name.substr(prefix.size() + 1))) {
      return true;
    }
  }
  if (name.substr(0, 4) == "nvme") {
    size_t n = name.find('n', 4), p = name.find('p', 4);
    if (n != std::string_view::npos && p != std::string_view::npos && p > n &&
        AllDigits(name.substr(4, n - 4)) && AllDigits(name.substr(n + 1, p - n - 1)) &&
        AllDigits(name.substr(p + 1))) {
      return true;
    }
  }
  return false;
}

core::Status ParseDiskstats(std::string_view text, MetricSet* out) {
  struct Field {
    const char* name;
    const char* help;
    double scale;
    core::MetricType type = core::MetricType::kCounter;
  };
  // In the order of the columns after major, minor and name.
  static const Field kFields[] = {
      {"node_disk_reads_completed_total", "The total number of reads completed successfully.", 1},
      {"node_disk_reads_merged_total", "The total number of reads merged.", 1},
      {"node_disk_read_bytes_total", "The total number of bytes read successfully.", kSectorBytes},
      {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
       0.001},
      {"node_disk_writes_completed_total", "The total number of writes completed successfully.", 1},
      {"node_disk_writes_merged_total", "The number of writes merged.", 1},
      {"node_disk_written_bytes_total", "The total number of bytes written successfully.",
       kSectorBytes},
      {"node_disk_write_time_seconds_total",
       "This is the total number of seconds spent by all writes.", 0.001},
      {"node_disk_io_now", "The number of I/Os currently in progress.", 1,
       core::MetricType::kGauge},
      {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", 0.001},
      {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
       0.001},
      {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
       1},
      {"node_disk_discards_merged_total", "The total number of discards merged.", 1},
      {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
       1},
      {"node_disk_discard_time_seconds_total",
       "This is the total number of seconds spent by all discards.", 0.001},
      {"node_disk_flush_requests_total",
       "The total number of flush requests completed successfully", 1},
      {"node_disk_flush_requests_time_seconds_total",
       "This is the total number of seconds spent by all flush requests.", 0.001},
  };
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f.size() < 14)
      return core::InvalidArgumentError("/proc/diskstats: short line \"" + std::string(line) +
                                        "\"");
    std::string device(f[2]);
    if (ExcludedDisk(device)) continue;
    for (size_t i = 0; i < std::size(kFields) && i + 3 < f.size(); ++i) {
      VIGIL_ASSIGN_OR_RETURN(double v, Number(f[i + 3], "/proc/diskstats field"));
      out->Add(kFields[i].name, kFields[i].help, kFields[i].type, v * kFields[i].scale,
               {{"device", device}});
    }
  }
  return core::OkStatus();
}

namespace {

// E:KEY=VALUE lines of /run/udev/data/b<major>:<minor>.
std::map<std::string, std::string> UdevProperties(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : Lines(text)) {
    if (line.substr(0, 2) != "E:") continue;
    size_t eq = line.find('=');
    if (eq != std::string_view::npos)
      out[std::string(line.substr(2, eq - 2))] = std::string(line.substr(eq + 1));
  }
  return out;
}

}  // namespace

core::Status CollectDiskstats(const Roots& roots, MetricSet* out) {
  auto text = roots.files->Read(roots.procfs, "diskstats");
  if (!text.ok()) return text.status();
  VIGIL_RETURN_IF_ERROR(ParseDiskstats(*text, out));
  for (std::string_view line : Lines(*text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.size() < 3 || ExcludedDisk(f[2])) continue;
    std::map<std::string, std::string> udev;
    if (auto data =
            ReadFile(roots.rootfs, "run/udev/data/b" + std::string(f[0]) + ":" + std::string(f[1]));
        data.ok()) {
      udev = UdevProperties(*data);
    }
    std::string serial =
        udev.count("ID_SERIAL_SHORT") ? udev["ID_SERIAL_SHORT"] : udev["ID_SERIAL"];
    out->Add("node_disk_info", "Info of /sys/block/<block_device>.", core::MetricType::kGauge, 1,
             {{"device", std::string(f[2])},
              {"major", std::string(f[0])},
              {"minor", std::string(f[1])},
              {"model", udev["ID_MODEL"]},
              {"path", udev["ID_PATH"]},
              {"revision", udev["ID_REVISION"]},
              {"serial", serial},
              {"wwn", udev["ID_WWN"]}});
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
