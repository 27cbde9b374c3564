// node_exporter's filesystem collector: statfs of every mount in /proc/1/mounts, less the
// pseudo and container filesystems node_exporter leaves out by default, so that overlay and
// container mounts coming and going do not churn series.
#include <set>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

// node_exporter 1.5's --collector.filesystem.mount-points-exclude default:
// ^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)
bool ExcludedMountPoint(std::string_view mp) {
  auto under = [mp](std::string_view dir, bool needs_more) {
    if (mp.substr(0, dir.size()) != dir) return false;
    if (mp.size() == dir.size()) return !needs_more;
    return mp[dir.size()] == '/' && (!needs_more || mp.size() > dir.size() + 1);
  };
  return under("/dev", false) || under("/proc", false) || under("/sys", false) ||
         under("/run/credentials", true) || under("/var/lib/docker", true) ||
         under("/var/lib/containers/storage", true);
}

// ... and its --collector.filesystem.fs-types-exclude default.
bool ExcludedFsType(std::string_view type) {
  static const std::set<std::string_view> kTypes = {
      "autofs",     "binfmt_misc", "bpf",       "cgroup",   "cgroup2",   "configfs",
      "debugfs",    "devpts",      "devtmpfs",  "fusectl",  "hugetlbfs", "iso9660",
      "mqueue",     "nsfs",        "overlay",   "proc",     "procfs",    "pstore",
      "rpc_pipefs", "securityfs",  "selinuxfs", "squashfs", "sysfs",     "tracefs"};
  return kTypes.count(type) != 0;
}

// /proc/mounts escapes space, tab, newline and backslash as octal: \040 \011 \012 \134.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        if (s[i + k] < '0' || s[i + k] > '7') octal = false;
        v = v * 8 + (s[i + k] - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

core::Result<std::vector<Mount>> ParseMounts(std::string_view text) {
  std::vector<Mount> out;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f.size() < 4)
      return core::InvalidArgumentError("mounts: malformed line \"" + std::string(line) + "\"");
    Mount m{Unescape(f[0]), Unescape(f[1]), std::string(f[2]), false};
    if (ExcludedMountPoint(m.mount_point) || ExcludedFsType(m.fs_type)) continue;
    std::string_view options = f[3];
    while (!options.empty()) {
      size_t comma = options.find(',');
      if (options.substr(0, comma) == "ro") m.read_only = true;
      options.remove_prefix(comma == std::string_view::npos ? options.size() : comma + 1);
    }
    if (!seen.insert({m.device, m.mount_point, m.fs_type}).second) continue;
    out.push_back(std::move(m));
  }
  return out;
}

core::Status CollectFilesystem(const Roots& roots, MetricSet* out) {
  auto text = ReadFile(roots.procfs, "1/mounts");
  if (!text.ok()) text = ReadFile(roots.procfs, "self/mounts");
  if (!text.ok()) return text.status();
  VIGIL_ASSIGN_OR_RETURN(std::vector<Mount> mounts, ParseMounts(*text));
  for (const Mount& m : mounts) {
    std::vector<core::Label> labels{
        {"device", m.device}, {"fstype", m.fs_type}, {"mountpoint", m.mount_point}};
    std::string path = roots.rootfs;
    if (path.empty() || path.back() != '/') path += '/';
    path += m.mount_point.substr(1);
    auto st = roots.statfs(path);
    const auto g = core::MetricType::kGauge;
    out->Add("node_filesystem_device_error",
             "Whether an error occurred while getting statistics for the given device.", g,
             st.ok() ? 0 : 1, labels);
    out->Add("node_filesystem_readonly", "Filesystem read-only status.", g, m.read_only ? 1 : 0,
             labels);
    if (!st.ok()) continue;
    const double bs = static_cast<double>(st->block_size);
    out->Add("node_filesystem_size_bytes", "Filesystem size in bytes.", g,
             bs * static_cast<double>(st->blocks), labels);
    out->Add("node_filesystem_free_bytes", "Filesystem free space in bytes.", g,
             bs * static_cast<double>(st->blocks_free), labels);
    out->Add("node_filesystem_avail_bytes",
             "Filesystem space available to non-root users in bytes.", g,
             bs * static_cast<double>(st->blocks_available), labels);
    out->Add("node_filesystem_files", "Filesystem total file nodes.", g,
             static_cast<double>(st->files), labels);
    out->Add("node_filesystem_files_free", "Filesystem total free file nodes.", g,
             static_cast<double>(st->files_free), labels);
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
