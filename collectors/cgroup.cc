// Container metrics from cgroups, under cAdvisor's names: one series set per cgroup found by
// walking the tree (v2, v1, or hybrid, where the v1 controllers hold the numbers), labelled
// with its path as `id`. Derivations as cAdvisor's: working set = usage - inactive_file
// floored at 0; on v2, rss = anon and cache = file.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <set>

#include "collectors/collectors.h"
#include "collectors/container_identity.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

constexpr int kMaxDepth = 10;
constexpr size_t kMaxCgroups = 2000;  // bounds the series of a node with runaway cgroups

std::optional<double> Value(const CgroupFiles& f, const std::string& file) {
  auto it = f.find(file);
  if (it == f.end()) return std::nullopt;
  std::string_view v = TrimSpace(it->second);
  if (v == "max") return std::nullopt;
  return core::ParseFloat(v);
}

// "key value" lines (cpu.stat, memory.stat, memory.events, cpuacct.stat).
std::map<std::string, double> KeyValues(const CgroupFiles& f, const std::string& file) {
  std::map<std::string, double> out;
  auto it = f.find(file);
  if (it == f.end()) return out;
  for (std::string_view line : Lines(it->second)) {
    std::vector<std::string_view> kv = Fields(line);
    if (kv.size() != 2) continue;
    if (auto v = core::ParseFloat(kv[1])) out[std::string(kv[0])] = *v;
  }
  return out;
}

struct Emitter {
  MetricSet* out;
  std::string id;
  std::vector<core::Label> identity;  // name, image, pod, ... where the runtime says
  void Counter(const char* name, const char* help, double v, std::vector<core::Label> extra = {}) {
    Add(name, help, core::MetricType::kCounter, v, std::move(extra));
  }
  void Gauge(const char* name, const char* help, double v, std::vector<core::Label> extra = {}) {
    Add(name, help, core::MetricType::kGauge, v, std::move(extra));
  }
  void Add(const char* name, const char* help, core::MetricType type, double v,
           std::vector<core::Label> extra) {
    extra.push_back({"id", id});
    extra.insert(extra.end(), identity.begin(), identity.end());
    out->Add(name, help, type, v, std::move(extra));
  }
};

void Memory(Emitter& e, double usage, double rss, double cache, double mapped,
            double inactive_file) {
  e.Gauge("container_memory_usage_bytes",
          "Current memory usage in bytes, including all memory regardless of when it was accessed",
          usage);
  e.Gauge("container_memory_working_set_bytes", "Current working set in bytes.",
          std::max(0.0, usage - inactive_file));
  e.Gauge("container_memory_rss", "Size of RSS in bytes.", rss);
  e.Gauge("container_memory_cache", "Number of bytes of page cache memory.", cache);
  e.Gauge("container_memory_mapped_file", "Size of memory mapped files in bytes.", mapped);
}

// CFS throttling from cpu.stat: v2 counts throttled time in us, v1 in ns.
void Throttling(Emitter& e, std::map<std::string, double>& cpu, const char* throttled_key,
                double per_second) {
  if (!cpu.count("nr_periods")) return;
  e.Counter("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
            cpu["nr_periods"]);
  e.Counter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
            cpu["nr_throttled"]);
  e.Counter("container_cpu_cfs_throttled_seconds_total",
            "Total time duration the container has been throttled.",
            cpu[throttled_key] / per_second);
}

void Processes(Emitter& e, const CgroupFiles& f) {
  auto it = f.find("cgroup.procs");
  if (it == f.end()) return;
  double n = 0;
  for (std::string_view line : Lines(it->second)) n += TrimSpace(line).empty() ? 0 : 1;
  e.Gauge("container_processes", "Number of processes running inside the container.", n);
}

void BlockIo(Emitter& e, const std::map<std::string, std::array<double, 4>>& per_device) {
  for (const auto& [device, v] : per_device) {
    std::vector<core::Label> d{{"device", device}};
    e.Counter("container_fs_reads_bytes_total", "Cumulative count of bytes read", v[0], d);
    e.Counter("container_fs_writes_bytes_total", "Cumulative count of bytes written", v[1], d);
    e.Counter("container_fs_reads_total", "Cumulative count of reads completed", v[2], d);
    e.Counter("container_fs_writes_total", "Cumulative count of writes completed", v[3], d);
  }
}

}  // namespace

void AddCgroupV2(const std::string& id, const CgroupFiles& f, const DeviceNamer& device_name,
                 MetricSet* out, std::vector<core::Label> identity) {
  Emitter e{out, id, std::move(identity)};
  auto cpu = KeyValues(f, "cpu.stat");
  if (cpu.count("usage_usec")) {
    e.Counter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
              cpu["usage_usec"] / 1e6, {{"cpu", "total"}});
    e.Counter("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.",
              cpu["user_usec"] / 1e6);
    e.Counter("container_cpu_system_seconds_total",
              "Cumulative system cpu time consumed in seconds.", cpu["system_usec"] / 1e6);
  }
  Throttling(e, cpu, "throttled_usec", 1e6);
  if (auto it = f.find("cpu.max"); it != f.end()) {
    std::vector<std::string_view> q = Fields(TrimSpace(it->second));
    if (q.size() == 2) {
      if (auto quota = core::ParseFloat(q[0]))
        e.Gauge("container_spec_cpu_quota", "CPU quota of the container.", *quota);
      if (auto period = core::ParseFloat(q[1]))
        e.Gauge("container_spec_cpu_period", "CPU period of the container.", *period);
    }
  }
  if (auto weight = Value(f, "cpu.weight")) {
    // cAdvisor reports v2 weights in v1's shares, by the kernel's own mapping.
    const auto w =
        static_cast<uint64_t>(std::max(1.0, *weight));  // integer arithmetic, as cAdvisor's
    e.Gauge("container_spec_cpu_shares", "CPU share of the container.",
            static_cast<double>(2 + ((w - 1) * 262142) / 9999));
  }
  if (auto usage = Value(f, "memory.current")) {
    auto stat = KeyValues(f, "memory.stat");
    Memory(e, *usage, stat["anon"], stat["file"], stat["file_mapped"], stat["inactive_file"]);
    e.Gauge("container_memory_swap", "Container swap usage in bytes.",
            Value(f, "memory.swap.current").value_or(0));
    auto events = KeyValues(f, "memory.events");
    e.Counter("container_memory_failcnt", "Number of memory usage hits limits", events["max"]);
    e.Counter("container_oom_events_total",
              "Count of out of memory events observed for the container", events["oom_kill"]);
    e.Gauge("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes",
            Value(f, "memory.peak").value_or(0));
    e.Gauge("container_spec_memory_limit_bytes", "Memory limit for the container.",
            Value(f, "memory.max").value_or(0));
  }
  std::map<std::string, std::array<double, 4>> io;
  if (auto it = f.find("io.stat"); it != f.end()) {
    for (std::string_view line : Lines(it->second)) {
      std::vector<std::string_view> fields = Fields(line);
      if (fields.empty()) continue;
      auto& v = io[device_name(std::string(fields[0]))];
      for (size_t i = 1; i < fields.size(); ++i) {
        size_t eq = fields[i].find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view key = fields[i].substr(0, eq);
        double n = core::ParseFloat(fields[i].substr(eq + 1)).value_or(0);
        if (key == "rbytes")
          v[0] = n;
        else if (key == "wbytes")
          v[1] = n;
        else if (key == "rios")
          v[2] = n;
        else if (key == "wios")
          v[3] = n;
      }
    }
  }
  BlockIo(e, io);
  Processes(e, f);
}

void AddCgroupV1(const std::string& id, const CgroupFiles& f, const DeviceNamer& device_name,
                 MetricSet* out, std::vector<core::Label> identity) {
  Emitter e{out, id, std::move(identity)};
  if (auto usage = Value(f, "cpuacct.usage")) {
    e.Counter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
              *usage / 1e9, {{"cpu", "total"}});
    auto ticks = KeyValues(f, "cpuacct.stat");  // USER_HZ
    e.Counter("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.",
              ticks["user"] / 100);
    e.Counter("container_cpu_system_seconds_total",
              "Cumulative system cpu time consumed in seconds.", ticks["system"] / 100);
  }
  auto cpu = KeyValues(f, "cpu.stat");
  Throttling(e, cpu, "throttled_time", 1e9);
  if (auto quota = Value(f, "cpu.cfs_quota_us"); quota && *quota > 0) {
    e.Gauge("container_spec_cpu_quota", "CPU quota of the container.", *quota);
  }
  if (auto period = Value(f, "cpu.cfs_period_us"))
    e.Gauge("container_spec_cpu_period", "CPU period of the container.", *period);
  if (auto shares = Value(f, "cpu.shares"))
    e.Gauge("container_spec_cpu_shares", "CPU share of the container.", *shares);
  if (auto usage = Value(f, "memory.usage_in_bytes")) {
    auto stat = KeyValues(f, "memory.stat");
    Memory(e, *usage, stat["total_rss"], stat["total_cache"], stat["total_mapped_file"],
           stat["total_inactive_file"]);
    double swap = stat["total_swap"];
    if (auto memsw = Value(f, "memory.memsw.usage_in_bytes")) swap = std::max(0.0, *memsw - *usage);
    e.Gauge("container_memory_swap", "Container swap usage in bytes.", swap);
    e.Counter("container_memory_failcnt", "Number of memory usage hits limits",
              Value(f, "memory.failcnt").value_or(0));
    e.Counter("container_oom_events_total",
              "Count of out of memory events observed for the container",
              KeyValues(f, "memory.oom_control")["oom_kill"]);
    e.Gauge("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes",
            Value(f, "memory.max_usage_in_bytes").value_or(0));
    e.Gauge("container_spec_memory_limit_bytes", "Memory limit for the container.",
            Value(f, "memory.limit_in_bytes").value_or(0));
  }
  std::map<std::string, std::array<double, 4>> io;
  for (const auto& [file, base] : {std::pair{"blkio.throttle.io_service_bytes", 0},
                                   std::pair{"blkio.throttle.io_serviced", 2}}) {
    auto it = f.find(file);
    if (it == f.end()) continue;
    for (std::string_view line : Lines(it->second)) {
      std::vector<std::string_view> fields = Fields(line);
      if (fields.size() != 3) continue;  // "Total N" lines have two
      double n = core::ParseFloat(fields[2]).value_or(0);
      if (fields[1] == "Read")
        io[device_name(std::string(fields[0]))][static_cast<size_t>(base)] = n;
      if (fields[1] == "Write")
        io[device_name(std::string(fields[0]))][static_cast<size_t>(base) + 1] = n;
    }
  }
  BlockIo(e, io);
  Processes(e, f);
}

namespace {

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

class CgroupCollector final : public Collector {
 public:
  explicit CgroupCollector(const Roots& roots) : roots_(roots), identities_(roots.rootfs) {}
  std::string_view name() const override { return "cgroup"; }
  core::Status Collect(MetricSet* out) override {
    const std::string& root = roots_.cgroupfs;
    DeviceNamer namer = [this](const std::string& major_minor) { return DeviceName(major_minor); };
    struct stat st {};
    if (::stat((root + "/cgroup.controllers").c_str(), &st) == 0) {  // v2 alone
      std::set<std::string> cgroups;
      Walk(root, "", 0, &cgroups);
      for (const std::string& id : cgroups) {
        CgroupFiles f = Read(root + (id == "/" ? "" : id), kV2Files);
        std::vector<core::Label> identity = identities_.Labels(id);
        AddCgroupV2(id, f, namer, out, identity);
        Network(id, f, identity, out);
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
      for (const auto& [controller, files] : kV1Files) {
        auto dir = controller_dir.find(controller);
        if (dir == controller_dir.end()) continue;
        CgroupFiles part = Read(dir->second + rel, files);
        f.insert(part.begin(), part.end());
      }
      std::vector<core::Label> identity = identities_.Labels(id);
      AddCgroupV1(id, f, namer, out, identity);
      Network(id, f, identity, out);
    }
    return core::OkStatus();
  }

 private:
  static inline const std::vector<std::string> kV2Files = {
      "cpu.stat",       "cpu.max",     "cpu.weight",
      "memory.current", "memory.stat", "memory.swap.current",
      "memory.events",  "memory.peak", "memory.max",
      "io.stat",        "cgroup.procs"};
  static inline const std::vector<std::pair<std::string, std::vector<std::string>>> kV1Files = {
      {"cpuacct", {"cpuacct.usage", "cpuacct.stat"}},
      {"cpu", {"cpu.stat", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"}},
      {"memory",
       {"memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt",
        "memory.limit_in_bytes", "memory.stat", "memory.memsw.usage_in_bytes", "memory.oom_control",
        "cgroup.procs"}},
      {"blkio", {"blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"}},
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
  void Network(const std::string& id, const CgroupFiles& f,
               const std::vector<core::Label>& identity, MetricSet* out) const {
    auto procs = f.find("cgroup.procs");
    if (procs == f.end()) return;
    std::string pid(TrimSpace(procs->second.substr(0, procs->second.find('\n'))));
    if (pid.empty()) return;
    char theirs[64], ours[64];
    ssize_t a = ::readlink((roots_.procfs + "/" + pid + "/ns/net").c_str(), theirs, sizeof theirs);
    ssize_t b = ::readlink((roots_.procfs + "/self/ns/net").c_str(), ours, sizeof ours);
    if (a <= 0 || (b == a && std::string_view(theirs, static_cast<size_t>(a)) ==
                                 std::string_view(ours, static_cast<size_t>(b)))) {
      return;
    }
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
    for (const auto& family : dev.families()) {
      auto it = kNames.find(family.name);
      if (it == kNames.end()) continue;
      for (const auto& s : family.samples) {
        if (s.labels[0].value == "lo") continue;
        std::vector<core::Label> labels{{"id", id}, {"interface", s.labels[0].value}};
        labels.insert(labels.end(), identity.begin(), identity.end());
        out->Add(it->second.first, it->second.second, core::MetricType::kCounter, s.value,
                 std::move(labels));
      }
    }
  }

  Roots roots_;
  ContainerIdentities identities_;
};

}  // namespace

std::unique_ptr<Collector> NewCgroupCollector(const Roots& roots) {
  return std::make_unique<CgroupCollector>(roots);
}

}  // namespace vigil::collectors
