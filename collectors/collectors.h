#pragma once
// Every collector: the pure parsers of the ones that read files and parse them (tested on
// literal text), the collection functions of the ones that do more, and the registry
// (registry.cc), the one explicit list of what the agent runs, in node_exporter's names.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.h"
#include "core/clock.h"

namespace vigil::collectors {

// /proc/loadavg
core::Status ParseLoadavg(std::string_view text, MetricSet* out);
// /proc/stat: boot time, context switches, forks, interrupts, running and blocked processes.
core::Status ParseStat(std::string_view text, MetricSet* out);
// /proc/stat "cpuN" lines: seconds per mode, and guest seconds.
core::Status ParseCpu(std::string_view text, MetricSet* out);
// /proc/meminfo
core::Status ParseMeminfo(std::string_view text, MetricSet* out);
// /proc/sys/fs/file-nr
core::Status ParseFilefd(std::string_view text, MetricSet* out);
// /proc/sys/kernel/random/entropy_avail and poolsize
core::Status ParseEntropy(std::string_view available, std::string_view pool_size, MetricSet* out);
// /proc/vmstat, node_exporter's default fields: oom_kill, pgpg*, pswp*, pg*fault*.
core::Status ParseVmstat(std::string_view text, MetricSet* out);
// /proc/net/dev
core::Status ParseNetdev(std::string_view text, MetricSet* out);
// os-release(5)
core::Status ParseOsRelease(std::string_view text, MetricSet* out);

// /proc/diskstats; and node_exporter's default device exclusion (partitions, ram, loop).
core::Status ParseDiskstats(std::string_view text, MetricSet* out);
bool ExcludedDisk(std::string_view name);
// /proc/pressure/<resource>
core::Status ParsePressure(std::string_view resource, std::string_view text, MetricSet* out);
// /proc/net/softnet_stat
core::Status ParseSoftnet(std::string_view text, MetricSet* out);
// /proc/net/sockstat (ipv6 false) and sockstat6 (true).
core::Status ParseSockstat(std::string_view text, bool ipv6, double page_size, MetricSet* out);
// /proc/net/netstat and /proc/net/snmp; /proc/net/snmp6.
core::Status ParseNetstat(std::string_view text, MetricSet* out);
core::Status ParseSnmp6(std::string_view text, MetricSet* out);
bool DefaultNetstatField(std::string_view proto, std::string_view field);
// /proc/net/udp or udp6, with ip "v4" or "v6".
core::Status ParseUdpQueues(std::string_view text, std::string_view ip, MetricSet* out);
// /proc/net/arp
core::Status ParseArp(std::string_view text, MetricSet* out);
// /proc/sys/net/netfilter/nf_conntrack_count and nf_conntrack_max
core::Status ParseConntrackCounts(std::string_view count, std::string_view max, MetricSet* out);
// /proc/net/stat/nf_conntrack
core::Status ParseConntrackStat(std::string_view text, MetricSet* out);

struct Mount {
  std::string device, mount_point, fs_type;
  bool read_only = false;
};
// /proc/1/mounts, less node_exporter's default exclusions, duplicates once.
core::Result<std::vector<Mount>> ParseMounts(std::string_view text);

// A cgroup's files, by name (v1 names are unique across controllers), as read.
using CgroupFiles = std::map<std::string, std::string>;
// "MAJ:MIN" to the device label cAdvisor uses (/dev/sda).
using DeviceNamer = std::function<std::string(const std::string& major_minor)>;
// One cgroup's container_* families, from v2's or v1's files.
void AddCgroupV2(const std::string& id, const CgroupFiles& files, const DeviceNamer& device_name,
                 MetricSet* out, std::vector<core::Label> identity = {});
void AddCgroupV1(const std::string& id, const CgroupFiles& files, const DeviceNamer& device_name,
                 MetricSet* out, std::vector<core::Label> identity = {});

// A directory of /sys/kernel/mm/hugepages ("hugepages-2048kB") as the hugetlb controller names
// that page size in its files ("2MB"); "" for any other name.
std::string HugePageSizeName(std::string_view dir_name);

// A cgroup's cgroup.procs: its processes' ids; lines that are not a number are left out.
std::vector<std::string> ParseCgroupProcs(std::string_view text);
// /proc/<pid>/limits: the soft limit on open files, -1 when unlimited.
core::Result<double> ParseMaxOpenFiles(std::string_view limits);
// /proc/<pid>/task/<tid>/stat: the state cAdvisor counts the thread in (running, sleeping,
// uninterruptible, stopped), or "" for a state it does not count (zombie, idle, traced).
core::Result<std::string_view> ParseTaskState(std::string_view stat);
// What a cgroup's processes hold, read under procfs (container_tasks.cc).
struct ContainerTasks {
  double file_descriptors = 0, sockets = 0;
  std::map<std::string, double> states;  // threads by state
  std::optional<double> max_open_files;  // of the first process, when asked for
};
ContainerTasks ReadContainerTasks(const std::string& procfs, const std::vector<std::string>& pids,
                                  bool root_limits);
// A network namespace's /proc/net/tcp or tcp6: its sockets by TCP state (cAdvisor's names:
// established, synsent ... listen, closing), every state there with 0.
core::Result<std::map<std::string, double>> ParseTcpStates(std::string_view table);
// /proc/net/udp or udp6: cAdvisor's "listen" (every socket), "dropped", "rxqueued", "txqueued".
core::Result<std::map<std::string, double>> ParseUdpUsage(std::string_view table);
// /proc/net/snmp and netstat: cAdvisor's TCP counters (Tcp: and TcpExt: fields), by their
// names in lower case.
core::Result<std::map<std::string, double>> ParseTcpCounters(std::string_view snmp,
                                                             std::string_view netstat);
// container_network_{tcp,tcp6,udp,udp6}_usage_total and _advance_tcp_stats_total from what
// /proc/<pid>/net shows.
void AddContainerConnections(const std::string& procfs, const std::string& pid,
                             const std::string& id, std::vector<core::Label> identity,
                             MetricSet* out);
void AddContainerTasks(const ContainerTasks& tasks, const std::string& id,
                       std::vector<core::Label> identity, MetricSet* out);

struct Uname {
  std::string sysname, nodename, release, version, machine, domainname;
};
void AddUname(const Uname& u, MetricSet* out);

// The collectors that walk directories, make system calls, or read files that other files name.
core::Status CollectDiskstats(const Roots& roots, MetricSet* out);   // and the udev database
core::Status CollectFilesystem(const Roots& roots, MetricSet* out);  // statfs of each mount
core::Status CollectHwmon(const Roots& roots, MetricSet* out);
core::Status CollectNetclass(const Roots& roots, MetricSet* out);
core::Status CollectNetdev(const Roots& roots, MetricSet* out);   // and two sysfs attributes
core::Status CollectProcess(const Roots& roots, MetricSet* out);  // the agent's own, live only
core::Status CollectSelinux(const Roots& roots, MetricSet* out);
core::Status CollectTextfile(const Roots& roots, MetricSet* out);
core::Status CollectThermalZones(const Roots& roots, MetricSet* out);
core::Status CollectTime(const core::Clock& clock, const Roots& roots, MetricSet* out);
core::Status CollectTimex(const Roots& roots, MetricSet* out);  // adjtimex(2)
core::Status CollectUname(const Roots& roots, MetricSet* out);  // uname(2) on the live node
// cgroups as cAdvisor reports containers; it keeps what it learnt of each container's identity.
std::unique_ptr<Collector> NewCgroupCollector(const Roots& roots, const core::Clock& clock);

// node_exporter's cleaning of a hwmon chip or sensor name.
std::string CleanHwmonName(std::string_view name);
// A device of /sys/class/net. Its entry's inode tells a device from another that later took
// its name: a renamed device keeps its inode, a new one has its own.
struct NetDevice {
  std::string name;
  uint64_t inode = 0;
};
// The devices of /sys/class/net, sorted by name.
std::vector<NetDevice> NetDevices(const Roots& roots);

// The collectors node_exporter 1.5 enables by default on Linux that Vigil has, in name order.
std::vector<std::unique_ptr<Collector>> DefaultCollectors(const Roots& roots,
                                                          const core::Clock& clock);

}  // namespace vigil::collectors
