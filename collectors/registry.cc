// The one explicit list of what the agent runs: each collector's name, what it reads and what
// parses it. Collectors that do more than read files and parse them are functions of the roots.
#include <unistd.h>

#include <functional>

#include "collectors/collectors.h"

namespace vigil::collectors {

std::vector<std::unique_ptr<Collector>> DefaultCollectors(const Roots& roots,
                                                          const core::Clock& clock) {
  // sockstat's "mem" counts pages; it is also given in bytes.
  const double page_size = static_cast<double>(::sysconf(_SC_PAGESIZE));
  constexpr Presence kOptional = Presence::kOptional;
  std::vector<std::unique_ptr<Collector>> c;
  c.push_back(NewFileCollector("arp", roots, {{ProcFile("net/arp"), ParseArp}}));
  c.push_back(NewCgroupCollector(roots, clock));
  c.push_back(
      NewFileCollector("conntrack", roots,
                       {{ProcFile("sys/net/netfilter/nf_conntrack_count"),
                         ProcFile("sys/net/netfilter/nf_conntrack_max"), ParseConntrackCounts},
                        {ProcFile("net/stat/nf_conntrack"), ParseConntrackStat, kOptional}}));
  c.push_back(NewFileCollector("cpu", roots, {{ProcFile("stat"), ParseCpu}}));
  c.push_back(NewCollector("diskstats", roots, CollectDiskstats));
  c.push_back(NewFileCollector("entropy", roots,
                               {{ProcFile("sys/kernel/random/entropy_avail"),
                                 ProcFile("sys/kernel/random/poolsize"), ParseEntropy}}));
  c.push_back(NewFileCollector("filefd", roots, {{ProcFile("sys/fs/file-nr"), ParseFilefd}}));
  c.push_back(NewCollector("filesystem", roots, CollectFilesystem));
  c.push_back(NewCollector("hwmon", roots, CollectHwmon));
  c.push_back(NewFileCollector("loadavg", roots, {{ProcFile("loadavg"), ParseLoadavg}}));
  c.push_back(NewFileCollector("meminfo", roots, {{ProcFile("meminfo"), ParseMeminfo}}));
  c.push_back(NewCollector("netclass", roots, CollectNetclass));
  c.push_back(NewCollector("netdev", roots, CollectNetdev));
  c.push_back(NewFileCollector("netstat", roots,
                               {{ProcFile("net/netstat"), ParseNetstat},
                                {ProcFile("net/snmp"), ParseNetstat},
                                {ProcFile("net/snmp6"), ParseSnmp6, kOptional}}));
  c.push_back(NewFileCollector(
      "os", roots, {{RootfsFile("etc/os-release", "usr/lib/os-release"), ParseOsRelease}}));
  c.push_back(
      NewFileCollector("pressure", roots,
                       {{ProcFile("pressure/cpu"), std::bind_front(ParsePressure, "cpu")},
                        {ProcFile("pressure/io"), std::bind_front(ParsePressure, "io")},
                        {ProcFile("pressure/memory"), std::bind_front(ParsePressure, "memory")}}));
  c.push_back(NewCollector("process", roots, CollectProcess));
  c.push_back(NewCollector("selinux", roots, CollectSelinux));
  c.push_back(NewFileCollector("sockstat", roots,
                               {{ProcFile("net/sockstat"),
                                 [page_size](std::string_view text, MetricSet* out) {
                                   return ParseSockstat(text, false, page_size, out);
                                 }},
                                {ProcFile("net/sockstat6"),
                                 [page_size](std::string_view text, MetricSet* out) {
                                   return ParseSockstat(text, true, page_size, out);
                                 },
                                 kOptional}}));
  c.push_back(NewFileCollector("softnet", roots, {{ProcFile("net/softnet_stat"), ParseSoftnet}}));
  c.push_back(NewFileCollector("stat", roots, {{ProcFile("stat"), ParseStat}}));
  c.push_back(NewCollector("textfile", roots, CollectTextfile));
  c.push_back(NewCollector("thermal_zone", roots, CollectThermalZones));
  c.push_back(NewCollector("time", roots, std::bind_front(CollectTime, std::cref(clock))));
  c.push_back(NewCollector("timex", roots, CollectTimex));
  c.push_back(NewFileCollector(
      "udp_queues", roots,
      {{ProcFile("net/udp"),
        [](std::string_view text, MetricSet* out) { return ParseUdpQueues(text, "v4", out); }},
       {ProcFile("net/udp6"),
        [](std::string_view text, MetricSet* out) { return ParseUdpQueues(text, "v6", out); },
        kOptional}}));
  c.push_back(NewCollector("uname", roots, CollectUname));
  c.push_back(NewFileCollector("vmstat", roots, {{ProcFile("vmstat"), ParseVmstat}}));
  return c;
}

}  // namespace vigil::collectors
