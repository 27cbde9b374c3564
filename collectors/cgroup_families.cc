// One cgroup's container_* families from its files, under cAdvisor 0.47's names, units and
// derivations; docs/CONTAINER_METRICS.md gives each family's source. Pure: the files come as
// read. A file that is absent reads as cAdvisor's default (0), as a kernel without that
// accounting; a file or value that is there but damaged loses its own families only.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>

#include "collectors/collectors.h"
#include "collectors/container_series.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

// cAdvisor reports a memory limit past int64 (v1's "unlimited" rounded up, v2's "max") as 0.
constexpr double kMaxInt64 = 9223372036854775807.0;

// A file of one number: `absent` when the file is not there, none when it is damaged.
std::optional<double> Number(const CgroupFiles& f, const std::string& file,
                             std::optional<double> absent = 0) {
  auto it = f.find(file);
  if (it == f.end()) return absent;
  return core::ParseFloat(TrimSpace(it->second));
}

// A limit: v2 writes "max" for none, which cAdvisor reports as 0, as it does limits past int64.
std::optional<double> Limit(const CgroupFiles& f, const std::string& file) {
  auto it = f.find(file);
  if (it != f.end() && TrimSpace(it->second) == "max") return 0;
  auto v = Number(f, file);
  if (v && *v > kMaxInt64) return 0;
  return v;
}

// "key value" lines (cpu.stat, memory.stat, memory.events, cpuacct.stat, oom_control).
class KeyedFile {
 public:
  KeyedFile(const CgroupFiles& f, const std::string& file) {
    auto it = f.find(file);
    if (it == f.end()) return;
    present_ = true;
    for (std::string_view line : Lines(it->second)) {
      std::vector<std::string_view> kv = Fields(line);
      if (kv.size() == 2) values_[std::string(kv[0])] = core::ParseFloat(kv[1]);
    }
  }
  bool present() const { return present_; }
  bool Has(const std::string& key) const { return values_.count(key) != 0; }
  // A key's value; 0 when the file or the key is absent (cAdvisor's default), none when the
  // value is damaged or the file has no line that reads as "key value".
  std::optional<double> operator[](const std::string& key) const {
    if (present_ && values_.empty()) return std::nullopt;
    auto it = values_.find(key);
    return it == values_.end() ? std::optional<double>(0) : it->second;
  }

 private:
  bool present_ = false;
  std::map<std::string, std::optional<double>> values_;
};

std::optional<double> Minus(std::optional<double> a, std::optional<double> b) {
  if (!a || !b) return std::nullopt;
  return std::max(0.0, *a - *b);
}
std::optional<double> Positive(std::optional<double> v) {
  return v.value_or(0) > 0 ? v : std::nullopt;
}
std::optional<double> Div(std::optional<double> a, double by) {
  if (!a) return std::nullopt;
  return *a / by;
}

void Gauge(ContainerSeries& s, const char* name, const char* help, std::optional<double> v,
           std::vector<core::Label> own = {}) {
  if (v) s.Gauge(name, help, *v, std::move(own));
}
void Counter(ContainerSeries& s, const char* name, const char* help, std::optional<double> v,
             std::vector<core::Label> own = {}) {
  if (v) s.Counter(name, help, *v, std::move(own));
}

void CpuUsage(ContainerSeries& s, std::optional<double> total, std::optional<double> user,
              std::optional<double> system) {
  Counter(s, "container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", total,
          {{"cpu", "total"}});
  Counter(s, "container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.",
          user);
  Counter(s, "container_cpu_system_seconds_total",
          "Cumulative system cpu time consumed in seconds.", system);
}

// CFS throttling from cpu.stat, reported (as cAdvisor does) only for a cgroup with a quota.
void Throttling(ContainerSeries& s, const KeyedFile& cpu, const char* throttled_key,
                double per_second) {
  if (!cpu.Has("nr_periods")) return;
  Counter(s, "container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
          cpu["nr_periods"]);
  Counter(s, "container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
          cpu["nr_throttled"]);
  Counter(s, "container_cpu_cfs_throttled_seconds_total",
          "Total time duration the container has been throttled.",
          Div(cpu[throttled_key], per_second));
}

void CpuSpec(ContainerSeries& s, std::optional<double> quota, std::optional<double> period,
             std::optional<double> shares) {
  Gauge(s, "container_spec_cpu_period", "CPU period of the container.", period);
  Gauge(s, "container_spec_cpu_quota", "CPU quota of the container.", quota);
  Gauge(s, "container_spec_cpu_shares", "CPU share of the container.", shares);
}

struct MemoryStats {
  std::optional<double> usage, rss, cache, mapped, inactive_file, swap, failcnt, max_usage,
      oom_kills, kernel;
};

void Memory(ContainerSeries& s, const MemoryStats& m, const KeyedFile& stat) {
  Gauge(s, "container_memory_usage_bytes",
        "Current memory usage in bytes, including all memory regardless of when it was accessed",
        m.usage);
  Gauge(s, "container_memory_working_set_bytes", "Current working set in bytes.",
        Minus(m.usage, m.inactive_file));
  Gauge(s, "container_memory_rss", "Size of RSS in bytes.", m.rss);
  Gauge(s, "container_memory_cache", "Number of bytes of page cache memory.", m.cache);
  Gauge(s, "container_memory_mapped_file", "Size of memory mapped files in bytes.", m.mapped);
  Gauge(s, "container_memory_kernel_usage", "Size of kernel memory allocated in bytes.", m.kernel);
  Gauge(s, "container_memory_swap", "Container swap usage in bytes.", m.swap);
  Counter(s, "container_memory_failcnt", "Number of memory usage hits limits", m.failcnt);
  Gauge(s, "container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes",
        m.max_usage);
  Counter(s, "container_oom_events_total",
          "Count of out of memory events observed for the container", m.oom_kills);
  // cAdvisor gives the cgroup's own page faults under both scopes.
  for (const char* scope : {"container", "hierarchy"}) {
    for (const char* type : {"pgfault", "pgmajfault"}) {
      if (!stat.Has(type)) continue;
      Counter(s, "container_memory_failures_total",
              "Cumulative count of memory allocation failures.", stat[type],
              {{"failure_type", type}, {"scope", scope}});
    }
  }
}

void MemorySpec(ContainerSeries& s, std::optional<double> limit, std::optional<double> swap,
                std::optional<double> reservation) {
  Gauge(s, "container_spec_memory_limit_bytes", "Memory limit for the container.", limit);
  Gauge(s, "container_spec_memory_swap_limit_bytes", "Memory swap limit for the container.", swap);
  Gauge(s, "container_spec_memory_reservation_limit_bytes",
        "Memory reservation limit for the container.", reservation);
}

// The pids controller counts threads: cAdvisor reports its count and limit as the threads'.
void Threads(ContainerSeries& s, const CgroupFiles& f) {
  Gauge(s, "container_threads", "Number of threads running inside the container",
        Number(f, "pids.current", std::nullopt));
  if (f.count("pids.max")) {
    Gauge(s, "container_threads_max",
          "Maximum number of threads allowed inside the container, infinity if value is zero",
          Limit(f, "pids.max"));
  }
}

void Processes(ContainerSeries& s, const CgroupFiles& f) {
  auto it = f.find("cgroup.procs");
  if (it == f.end()) return;
  s.Gauge("container_processes", "Number of processes running inside the container.",
          static_cast<double>(ParseCgroupProcs(it->second).size()));
}

// A device's block I/O: bytes and operations by operation name ("Read", "Write", "Sync" ...).
struct DeviceIo {
  std::string major, minor;
  std::map<std::string, double> bytes, ios;
};
using BlockIoByDevice = std::map<std::string, DeviceIo>;  // by device name

DeviceIo& DeviceOf(BlockIoByDevice& io, std::string_view major_minor, const DeviceNamer& name) {
  DeviceIo& d = io[name(std::string(major_minor))];
  size_t colon = major_minor.find(':');
  d.major = std::string(major_minor.substr(0, colon));
  d.minor = colon == std::string_view::npos ? "" : std::string(major_minor.substr(colon + 1));
  return d;
}

void BlockIo(ContainerSeries& s, const BlockIoByDevice& io) {
  auto of = [](const std::map<std::string, double>& m, const char* op) -> std::optional<double> {
    auto it = m.find(op);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
  for (const auto& [device, d] : io) {
    std::vector<core::Label> dev{{"device", device}};
    Counter(s, "container_fs_reads_bytes_total", "Cumulative count of bytes read",
            of(d.bytes, "Read"), dev);
    Counter(s, "container_fs_writes_bytes_total", "Cumulative count of bytes written",
            of(d.bytes, "Write"), dev);
    Counter(s, "container_fs_reads_total", "Cumulative count of reads completed", of(d.ios, "Read"),
            dev);
    Counter(s, "container_fs_writes_total", "Cumulative count of writes completed",
            of(d.ios, "Write"), dev);
    for (const auto& [op, v] : d.bytes) {
      s.Counter("container_blkio_device_usage_total", "Blkio Device bytes usage", v,
                {{"device", device}, {"major", d.major}, {"minor", d.minor}, {"operation", op}});
    }
  }
}

// v2's io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". A device whose
// line has a damaged number is left out.
BlockIoByDevice IoStat(const CgroupFiles& f, const DeviceNamer& device_name) {
  BlockIoByDevice io;
  auto it = f.find("io.stat");
  if (it == f.end()) return io;
  for (std::string_view line : Lines(it->second)) {
    std::vector<std::string_view> fields = Fields(line);
    if (fields.size() < 2 || fields[0].find(':') == std::string_view::npos) continue;
    DeviceIo d;
    bool damaged = false;
    for (size_t i = 1; i < fields.size(); ++i) {
      size_t eq = fields[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = fields[i].substr(0, eq);
      auto n = core::ParseFloat(fields[i].substr(eq + 1));
      damaged |= !n;
      if (!n) break;
      if (key == "rbytes") d.bytes["Read"] = *n;
      if (key == "wbytes") d.bytes["Write"] = *n;
      if (key == "rios") d.ios["Read"] = *n;
      if (key == "wios") d.ios["Write"] = *n;
    }
    if (damaged) continue;
    DeviceIo& into = DeviceOf(io, fields[0], device_name);
    into.bytes = std::move(d.bytes);
    into.ios = std::move(d.ios);
  }
  return io;
}

// v1's blkio: "MAJ:MIN Op N" lines, and a last "Total N". As runc (cAdvisor's reader), the
// recursive throttle files (this cgroup and its children) where the kernel has them.
BlockIoByDevice Blkio(const CgroupFiles& f, const DeviceNamer& device_name) {
  BlockIoByDevice io;
  for (const char* suffix : {"_recursive", ""}) {
    const std::string bytes = std::string("blkio.throttle.io_service_bytes") + suffix;
    const std::string ios = std::string("blkio.throttle.io_serviced") + suffix;
    if (!f.count(bytes) && !f.count(ios)) continue;
    for (const auto& [file, into_bytes] : {std::pair{bytes, true}, std::pair{ios, false}}) {
      auto it = f.find(file);
      if (it == f.end()) continue;
      for (std::string_view line : Lines(it->second)) {
        std::vector<std::string_view> fields = Fields(line);
        if (fields.size() != 3 || fields[0].find(':') == std::string_view::npos) continue;
        auto n = core::ParseFloat(fields[2]);
        if (!n) continue;
        DeviceIo& d = DeviceOf(io, fields[0], device_name);
        (into_bytes ? d.bytes : d.ios)[std::string(fields[1])] = *n;
      }
    }
    break;
  }
  return io;
}

// The hugetlb controller's files, one set per page size ("hugetlb.2MB.current"): the sizes
// the files name, from the file whose name ends in `suffix`.
std::vector<std::string> HugePageSizesIn(const CgroupFiles& f, std::string_view suffix) {
  std::vector<std::string> sizes;
  constexpr std::string_view kPrefix = "hugetlb.";
  for (auto it = f.lower_bound(std::string(kPrefix)); it != f.end(); ++it) {
    std::string_view name = it->first;
    if (!name.starts_with(kPrefix)) break;
    if (!name.ends_with(suffix) || name.size() <= kPrefix.size() + suffix.size()) continue;
    sizes.emplace_back(name.substr(kPrefix.size(), name.size() - kPrefix.size() - suffix.size()));
  }
  return sizes;
}

void Hugetlb(ContainerSeries& s, const std::string& size, std::optional<double> usage,
             std::optional<double> max_usage, std::optional<double> failcnt) {
  std::vector<core::Label> l{{"size", size}};
  Gauge(s, "container_hugetlb_usage_bytes", "Current hugepage usage", usage, l);
  Gauge(s, "container_hugetlb_max_usage_bytes", "Maximum hugepage usages recorded", max_usage, l);
  Counter(s, "container_hugetlb_failcnt", "Number of hugepage usage hits limits", failcnt, l);
}

// v1's memory.numa_stat: "file=N N0=a N1=b" lines, in pages, the cgroup's own, and
// "hierarchical_file=..." for it and its children. A line with a damaged count is left out.
void NumaPages(ContainerSeries& s, const CgroupFiles& f) {
  auto it = f.find("memory.numa_stat");
  if (it == f.end()) return;
  for (std::string_view line : Lines(it->second)) {
    std::vector<std::string_view> fields = Fields(line);
    if (fields.empty()) continue;
    std::string_view type = fields[0].substr(0, fields[0].find('='));
    const char* scope = "container";
    if (type.starts_with("hierarchical_")) {
      type.remove_prefix(std::string_view("hierarchical_").size());
      scope = "hierarchy";
    }
    if (type != "file" && type != "anon" && type != "unevictable") continue;
    std::vector<std::pair<std::string, double>> nodes;
    bool damaged = false;
    for (size_t i = 1; i < fields.size() && !damaged; ++i) {
      std::string_view node = fields[i];
      size_t eq = node.find('=');
      auto pages =
          eq == std::string_view::npos ? std::nullopt : core::ParseFloat(node.substr(eq + 1));
      damaged = !pages || node.size() < 2 || node[0] != 'N' || eq < 2;
      if (!damaged) nodes.emplace_back(std::string(node.substr(1, eq - 1)), *pages);
    }
    if (damaged) continue;
    for (const auto& [node, pages] : nodes) {
      s.Gauge("container_memory_numa_pages", "Number of used pages per NUMA node", pages,
              {{"type", std::string(type)}, {"scope", scope}, {"node", node}});
    }
  }
}

// v2 gives a weight of 1..10000 where v1 gave shares of 2..262144: cAdvisor maps one onto the
// other as the kernel does, in integers. A weight out of range is damage: no shares.
std::optional<double> SharesOfWeight(std::optional<double> weight) {
  if (!weight || *weight < 1 || *weight > 10000) return std::nullopt;
  const auto w = static_cast<uint64_t>(*weight);
  return static_cast<double>(2 + ((w - 1) * 262142) / 9999);
}

}  // namespace

std::string HugePageSizeName(std::string_view dir_name) {
  constexpr std::string_view kPrefix = "hugepages-", kSuffix = "kB";
  if (!dir_name.starts_with(kPrefix) || !dir_name.ends_with(kSuffix)) return "";
  auto kb = core::ParseFloat(
      dir_name.substr(kPrefix.size(), dir_name.size() - kPrefix.size() - kSuffix.size()));
  if (!kb || *kb <= 0 || *kb != std::floor(*kb)) return "";
  // The kernel's names (and runc's, cAdvisor's reader): the largest unit of 1024s, as %g.
  static const char* const kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = *kb * 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char name[32];
  std::snprintf(name, sizeof name, "%g%s", v, kUnits[unit]);
  return name;
}

void AddCgroupV2(const std::string& id, const CgroupFiles& f, const DeviceNamer& device_name,
                 MetricSet* out, std::vector<core::Label> identity) {
  ContainerSeries s{out, id, std::move(identity)};
  KeyedFile cpu(f, "cpu.stat");
  if (cpu.Has("usage_usec")) {
    CpuUsage(s, Div(cpu["usage_usec"], 1e6), Div(cpu["user_usec"], 1e6),
             Div(cpu["system_usec"], 1e6));
  }
  // cpu.max: "QUOTA PERIOD" in microseconds, QUOTA "max" for none.
  std::optional<double> quota, period;
  if (auto it = f.find("cpu.max"); it != f.end()) {
    std::vector<std::string_view> q = Fields(TrimSpace(it->second));
    if (q.size() == 2) {
      period = core::ParseFloat(q[1]);
      if (q[0] != "max") quota = core::ParseFloat(q[0]);
    }
  }
  quota = Positive(quota);
  if (quota) Throttling(s, cpu, "throttled_usec", 1e6);
  CpuSpec(s, quota, period, SharesOfWeight(Number(f, "cpu.weight", std::nullopt)));

  if (auto usage = Number(f, "memory.current", std::nullopt)) {
    KeyedFile stat(f, "memory.stat");
    KeyedFile events(f, "memory.events");
    MemoryStats m{.usage = usage,
                  .rss = stat["anon"],
                  .cache = stat["file"],
                  .mapped = stat["file_mapped"],
                  .inactive_file = stat["inactive_file"],
                  .swap = Number(f, "memory.swap.current"),
                  .failcnt = events["max"],
                  .max_usage = Number(f, "memory.peak"),
                  .oom_kills = events["oom_kill"],
                  .kernel = stat.Has("kernel") ? stat["kernel"] : std::nullopt};
    Memory(s, m, stat);
    MemorySpec(s, Limit(f, "memory.max"), Limit(f, "memory.swap.max"), Limit(f, "memory.min"));
  }
  BlockIo(s, IoStat(f, device_name));
  // v2 keeps no peak of huge pages: no max_usage.
  for (const std::string& size : HugePageSizesIn(f, ".current")) {
    const std::string file = "hugetlb." + size;
    Hugetlb(s, size, Number(f, file + ".current"), std::nullopt,
            KeyedFile(f, file + ".events")["max"]);
  }
  Threads(s, f);
  Processes(s, f);
}

void AddCgroupV1(const std::string& id, const CgroupFiles& f, const DeviceNamer& device_name,
                 MetricSet* out, std::vector<core::Label> identity) {
  ContainerSeries s{out, id, std::move(identity)};
  if (auto usage = Number(f, "cpuacct.usage", std::nullopt)) {
    KeyedFile ticks(f, "cpuacct.stat");  // in USER_HZ
    CpuUsage(s, *usage / 1e9, Div(ticks["user"], 100), Div(ticks["system"], 100));
  }
  // cpu.cfs_quota_us is -1 for none.
  const std::optional<double> quota = Positive(Number(f, "cpu.cfs_quota_us", std::nullopt));
  if (quota) Throttling(s, KeyedFile(f, "cpu.stat"), "throttled_time", 1e9);
  CpuSpec(s, quota, Number(f, "cpu.cfs_period_us", std::nullopt),
          Number(f, "cpu.shares", std::nullopt));

  if (auto usage = Number(f, "memory.usage_in_bytes", std::nullopt)) {
    // The total_ keys count the cgroup and its children, which cAdvisor reports.
    KeyedFile stat(f, "memory.stat");
    MemoryStats m{.usage = usage,
                  .rss = stat["total_rss"],
                  .cache = stat["total_cache"],
                  .mapped = stat["total_mapped_file"],
                  .inactive_file = stat["total_inactive_file"],
                  .swap = stat["total_swap"],
                  .failcnt = Number(f, "memory.failcnt"),
                  .max_usage = Number(f, "memory.max_usage_in_bytes"),
                  .oom_kills = KeyedFile(f, "memory.oom_control")["oom_kill"],
                  .kernel = Number(f, "memory.kmem.usage_in_bytes", std::nullopt)};
    Memory(s, m, stat);
    MemorySpec(s, Limit(f, "memory.limit_in_bytes"), Limit(f, "memory.memsw.limit_in_bytes"),
               Limit(f, "memory.soft_limit_in_bytes"));
    NumaPages(s, f);
  }
  BlockIo(s, Blkio(f, device_name));
  for (const std::string& size : HugePageSizesIn(f, ".usage_in_bytes")) {
    const std::string file = "hugetlb." + size;
    Hugetlb(s, size, Number(f, file + ".usage_in_bytes"), Number(f, file + ".max_usage_in_bytes"),
            Number(f, file + ".failcnt"));
  }
  Threads(s, f);
  Processes(s, f);
}

}  // namespace vigil::collectors
