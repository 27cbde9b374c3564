// The container collector: every cgroup found by walking the tree (v2, v1, or hybrid, where
// the v1 controllers hold the numbers) reported as cAdvisor reports a container, labelled with
// its path as `id` and with what the runtime's state says of it. The families of its files are
// cgroup_families.cc's; those of its processes' /proc entries are container_tasks.cc's.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <optional>
#include <set>

#include "collectors/collectors.h"
#include "collectors/container_identity.h"
#include "collectors/container_series.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

constexpr int kMaxDepth = 10;
constexpr size_t kMaxCgroups = 2000;  // bounds the series of a node with runaway cgroups

std::vector<std::string> Subdirs(const std::string& path) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      // cgroupfs fills in d_type; stat only where a filesystem does not.
      bool dir = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN) {
        struct stat st {};
        dir = ::stat((path + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      if (dir) out.push_back(name);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every cgroup under `root`, as paths from it ("/" first), depth and count bounded.
void Walk(const std::string& root, const std::string& rel, int depth, std::set<std::string>* out) {
  if (out->size() >= kMaxCgroups) return;
  out->insert(rel.empty() ? "/" : rel);
  if (depth >= kMaxDepth) return;
  for (const std::string& sub : Subdirs(root + rel)) Walk(root, rel + "/" + sub, depth + 1, out);
}

// cAdvisor's start time of a cgroup it knows no runtime's record of: the oldest modification
// time among its directories and the file in each that is written only when it is created
// (a directory's own time moves whenever a child cgroup comes or goes).
std::optional<double> StartTime(const std::vector<std::string>& dirs, const char* created_file) {
  std::optional<int64_t> oldest;
  for (const std::string& dir : dirs) {
    for (const std::string& path : {dir, dir + "/" + created_file}) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      oldest = std::min<int64_t>(oldest.value_or(INT64_MAX), st.st_mtim.tv_sec);
    }
  }
  if (!oldest) return std::nullopt;
  return static_cast<double>(*oldest);
}

bool IgnoredInterface(std::string_view name) {
  // cAdvisor leaves out loopback and the host ends of bridges: lo*, veth*, docker*.
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.starts_with("lo") || lower.starts_with("veth") || lower.starts_with("docker");
}

class CgroupCollector final : public Collector {
 public:
  CgroupCollector(const Roots& roots, const core::Clock& clock)
      : roots_(roots), clock_(clock), identities_(roots.rootfs) {
    // The node's huge page sizes are fixed at boot; the hugetlb controller has files for each.
    std::vector<std::string> v1_hugetlb;
    for (const std::string& dir : Subdirs(roots.sysfs + "/kernel/mm/hugepages")) {
      const std::string size = HugePageSizeName(dir);
      if (size.empty()) continue;
      const std::string file = "hugetlb." + size;
      v2_files_.insert(v2_files_.end(), {file + ".current", file + ".events"});
      v1_hugetlb.insert(v1_hugetlb.end(), {file + ".usage_in_bytes", file + ".max_usage_in_bytes",
                                           file + ".failcnt"});
    }
    if (!v1_hugetlb.empty()) v1_files_.emplace_back("hugetlb", std::move(v1_hugetlb));
  }
  std::string_view name() const override { return "cgroup"; }
  core::Status Collect(MetricSet* out) override {
    identities_.BeginCollection();
    core::Status status = CollectCgroups(out);
    identities_.EndCollection();
    return status;
  }

 private:
  core::Status CollectCgroups(MetricSet* out) {
    const std::string& root = roots_.cgroupfs;
    DeviceNamer namer = [this](const std::string& major_minor) { return DeviceName(major_minor); };
    struct stat st {};
    if (::stat((root + "/cgroup.controllers").c_str(), &st) == 0) {  // v2 alone
      std::set<std::string> cgroups;
      Walk(root, "", 0, &cgroups);
      for (const std::string& id : cgroups) {
        const std::string dir = root + (id == "/" ? "" : id);
        CgroupFiles f = Read(dir, v2_files_);
        std::vector<core::Label> identity = identities_.Labels(id);
        AddCgroupV2(id, f, namer, out, identity);
        AddCommon(id, f, identity, StartTime({dir}, "cgroup.events"), out);
      }
      return core::OkStatus();
    }
    // v1, or hybrid: each controller its own hierarchy (possibly joined, as "cpu,cpuacct").
    std::map<std::string, std::string> controller_dir;
    for (const std::string& dir : Subdirs(root)) {
      std::string_view rest = dir;
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        controller_dir.emplace(std::string(rest.substr(0, comma)), root + "/" + dir);
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      }
    }
    if (controller_dir.empty()) return core::NotFoundError("no cgroup hierarchy under " + root);
    std::set<std::string> cgroups;
    for (const char* c : {"memory", "cpuacct", "cpu", "blkio", "pids"}) {
      if (controller_dir.count(c)) Walk(controller_dir[c], "", 0, &cgroups);
    }
    for (const std::string& id : cgroups) {
      const std::string rel = id == "/" ? "" : id;
      CgroupFiles f;
      std::set<std::string> dirs;  // joined controllers share one
      for (const auto& [controller, files] : v1_files_) {
        auto dir = controller_dir.find(controller);
        if (dir == controller_dir.end()) continue;
        CgroupFiles part = Read(dir->second + rel, files);
        f.insert(part.begin(), part.end());
        struct stat d {};
        if (::stat((dir->second + rel).c_str(), &d) == 0) dirs.insert(dir->second + rel);
      }
      std::vector<core::Label> identity = identities_.Labels(id);
      AddCgroupV1(id, f, namer, out, identity);
      AddCommon(id, f, identity, StartTime({dirs.begin(), dirs.end()}, "cgroup.clone_children"),
                out);
    }
    return core::OkStatus();
  }

  // What every cgroup has beside its files' families: when it was seen and started, and, for
  // a runtime's container, what its processes hold and its network.
  void AddCommon(const std::string& id, const CgroupFiles& f,
                 const std::vector<core::Label>& identity, std::optional<double> start,
                 MetricSet* out) {
    ContainerSeries s{out, id, identity};
    s.Gauge("container_last_seen", "Last time a container was seen by the exporter",
            std::floor(static_cast<double>(clock_.NowUnixMillis()) / 1000));
    if (start) {
      s.Gauge("container_start_time_seconds",
              "Start time of the container since unix epoch in seconds.", *start);
    }
    auto procs = f.find("cgroup.procs");
    if (procs == f.end()) return;
    std::vector<std::string> pids = ParseCgroupProcs(procs->second);
    // cAdvisor reads /proc for the containers of a runtime, whose root process it knows; for
    // every other cgroup (the root's holds all of the node's own processes) it does not.
    if (!ContainerIdFromCgroup(id).empty()) {
      AddContainerTasks(ReadContainerTasks(roots_.procfs, pids, /*root_limits=*/true), id, identity,
                        out);
    }
    if (!pids.empty()) Network(id, pids[0], identity, out);
  }

  std::vector<std::string> v2_files_ = {"cpu.stat",        "cpu.max",     "cpu.weight",
                                        "memory.current",  "memory.stat", "memory.swap.current",
                                        "memory.events",   "memory.peak", "memory.max",
                                        "memory.swap.max", "memory.min",  "io.stat",
                                        "pids.current",    "pids.max",    "cgroup.procs"};
  std::vector<std::pair<std::string, std::vector<std::string>>> v1_files_ = {
      {"cpuacct", {"cpuacct.usage", "cpuacct.stat"}},
      {"cpu", {"cpu.stat", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"}},
      {"memory",
       {"memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt",
        "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
        "memory.kmem.usage_in_bytes", "memory.numa_stat", "memory.stat", "memory.oom_control",
        "cgroup.procs"}},
      {"blkio",
       {"blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive",
        "blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"}},
      {"pids", {"pids.current", "pids.max"}},
  };

  CgroupFiles Read(const std::string& dir, const std::vector<std::string>& files) const {
    CgroupFiles f;
    for (const std::string& name : files) {
      if (auto text = roots_.files->Read(dir, name, 1 << 20); text.ok()) {
        f[name] = std::move(text).value();
      }
    }
    return f;
  }

  // /sys/dev/block/MAJ:MIN points at the device: cAdvisor names it /dev/<name>.
  std::string DeviceName(const std::string& major_minor) const {
    char target[PATH_MAX];
    ssize_t n =
        ::readlink((roots_.sysfs + "/dev/block/" + major_minor).c_str(), target, sizeof target - 1);
    if (n <= 0) return major_minor;
    std::string path(target, static_cast<size_t>(n));
    return "/dev/" + path.substr(path.rfind('/') + 1);
  }

  // The network of a cgroup whose processes live in a namespace of their own: read through
  // one of its processes, as the container sees it. The node's own namespace is netdev's.
  void Network(const std::string& id, const std::string& pid,
               const std::vector<core::Label>& identity, MetricSet* out) const {
    char theirs[64], ours[64];
    ssize_t a = ::readlink((roots_.procfs + "/" + pid + "/ns/net").c_str(), theirs, sizeof theirs);
    ssize_t b = ::readlink((roots_.procfs + "/self/ns/net").c_str(), ours, sizeof ours);
    if (a <= 0 || (b == a && std::string_view(theirs, static_cast<size_t>(a)) ==
                                 std::string_view(ours, static_cast<size_t>(b)))) {
      return;
    }
    AddContainerConnections(roots_.procfs, pid, id, identity, out);
    auto text = ReadFile(roots_.procfs, pid + "/net/dev");
    if (!text.ok()) return;
    MetricSet dev;
    if (!ParseNetdev(*text, &dev).ok()) return;
    static const std::map<std::string, std::pair<const char*, const char*>> kNames = {
        {"node_network_receive_bytes_total",
         {"container_network_receive_bytes_total", "Cumulative count of bytes received"}},
        {"node_network_receive_packets_total",
         {"container_network_receive_packets_total", "Cumulative count of packets received"}},
        {"node_network_receive_errs_total",
         {"container_network_receive_errors_total",
          "Cumulative count of errors encountered while receiving"}},
        {"node_network_receive_drop_total",
         {"container_network_receive_packets_dropped_total",
          "Cumulative count of packets dropped while receiving"}},
        {"node_network_transmit_bytes_total",
         {"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted"}},
        {"node_network_transmit_packets_total",
         {"container_network_transmit_packets_total", "Cumulative count of packets transmitted"}},
        {"node_network_transmit_errs_total",
         {"container_network_transmit_errors_total",
          "Cumulative count of errors encountered while transmitting"}},
        {"node_network_transmit_drop_total",
         {"container_network_transmit_packets_dropped_total",
          "Cumulative count of packets dropped while transmitting"}},
    };
    ContainerSeries s{out, id, identity};
    for (const auto& family : dev.families()) {
      auto it = kNames.find(family.name);
      if (it == kNames.end()) continue;
      for (const auto& sample : family.samples) {
        if (IgnoredInterface(sample.labels[0].value)) continue;
        s.Counter(it->second.first, it->second.second, sample.value,
                  {{"interface", sample.labels[0].value}});
      }
    }
  }

  Roots roots_;
  const core::Clock& clock_;
  ContainerIdentities identities_;
};

}  // namespace

std::unique_ptr<Collector> NewCgroupCollector(const Roots& roots, const core::Clock& clock) {
  return std::make_unique<CgroupCollector>(roots, clock);
}

}  // namespace vigil::collectors
