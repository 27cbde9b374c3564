// A container's sockets by protocol, from the tables of its network namespace as one of its
// processes sees them (/proc/<pid>/net/{tcp,tcp6,udp,udp6}), counted as cAdvisor counts them.
// A table that does not read as one is an error: its family is left out, not half counted.
#include <algorithm>
#include <cctype>
#include <iterator>

#include "collectors/collectors.h"
#include "collectors/container_series.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

// The kernel's TCP states (include/net/tcp_states.h) by their hex code, under cAdvisor's names.
constexpr std::pair<std::string_view, std::string_view> kTcpStates[] = {
    {"01", "established"}, {"02", "synsent"},  {"03", "synrecv"}, {"04", "finwait1"},
    {"05", "finwait2"},    {"06", "timewait"}, {"07", "close"},   {"08", "closewait"},
    {"09", "lastack"},     {"0A", "listen"},   {"0B", "closing"},
};

// The kernel's TCP counters (Tcp: of /proc/net/snmp, TcpExt: of /proc/net/netstat) that
// cAdvisor reports, each under its name in lower case; one the kernel lacks reads 0.
constexpr std::string_view kTcpCounters[] = {
    "RtoAlgorithm",
    "RtoMin",
    "RtoMax",
    "MaxConn",
    "ActiveOpens",
    "PassiveOpens",
    "AttemptFails",
    "EstabResets",
    "CurrEstab",
    "InSegs",
    "OutSegs",
    "RetransSegs",
    "InErrs",
    "OutRsts",
    "InCsumErrors",
    "EmbryonicRsts",
    "SyncookiesSent",
    "SyncookiesRecv",
    "SyncookiesFailed",
    "PruneCalled",
    "RcvPruned",
    "OfoPruned",
    "OutOfWindowIcmps",
    "LockDroppedIcmps",
    "TW",
    "TWRecycled",
    "TWKilled",
    "TCPTimeWaitOverflow",
    "TCPTimeouts",
    "TCPSpuriousRTOs",
    "TCPLossProbes",
    "TCPLossProbeRecovery",
    "TCPRenoRecoveryFail",
    "TCPSackRecoveryFail",
    "TCPRenoFailures",
    "TCPSackFailures",
    "TCPLossFailures",
    "DelayedACKs",
    "DelayedACKLocked",
    "DelayedACKLost",
    "ListenOverflows",
    "ListenDrops",
    "TCPHPHits",
    "TCPPureAcks",
    "TCPHPAcks",
    "TCPRenoRecovery",
    "TCPSackRecovery",
    "TCPSACKReneging",
    "TCPFACKReorder",
    "TCPSACKReorder",
    "TCPRenoReorder",
    "TCPTSReorder",
    "TCPFullUndo",
    "TCPPartialUndo",
    "TCPDSACKUndo",
    "TCPLossUndo",
    "TCPFastRetrans",
    "TCPSlowStartRetrans",
    "TCPLostRetransmit",
    "TCPRetransFail",
    "TCPRcvCollapsed",
    "TCPDSACKOldSent",
    "TCPDSACKOfoSent",
    "TCPDSACKRecv",
    "TCPDSACKOfoRecv",
    "TCPAbortOnData",
    "TCPAbortOnClose",
    "TCPAbortOnMemory",
    "TCPAbortOnTimeout",
    "TCPAbortOnLinger",
    "TCPAbortFailed",
    "TCPMemoryPressures",
    "TCPMemoryPressuresChrono",
    "TCPSACKDiscard",
    "TCPDSACKIgnoredOld",
    "TCPDSACKIgnoredNoUndo",
    "TCPMD5NotFound",
    "TCPMD5Unexpected",
    "TCPMD5Failure",
    "TCPSackShifted",
    "TCPSackMerged",
    "TCPSackShiftFallback",
    "TCPBacklogDrop",
    "PFMemallocDrop",
    "TCPMinTTLDrop",
    "TCPDeferAcceptDrop",
    "IPReversePathFilter",
    "TCPReqQFullDoCookies",
    "TCPReqQFullDrop",
    "TCPFastOpenActive",
    "TCPFastOpenActiveFail",
    "TCPFastOpenPassive",
    "TCPFastOpenPassiveFail",
    "TCPFastOpenListenOverflow",
    "TCPFastOpenCookieReqd",
    "TCPSynRetrans",
    "TCPOrigDataSent",
    "PAWSActive",
    "PAWSEstab",
};

// The Tcp: and TcpExt: fields of a file of header and value line pairs, into `fields`.
core::Status TcpFields(std::string_view text, std::map<std::string, double>* fields) {
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    std::vector<std::string_view> names = Fields(lines[i]), values = Fields(lines[i + 1]);
    if (names.empty() || (names[0] != "Tcp:" && names[0] != "TcpExt:")) continue;
    if (names.size() != values.size() || names[0] != values[0])
      return core::InvalidArgumentError("header and values do not match for " +
                                        std::string(names[0]));
    for (size_t k = 1; k < names.size(); ++k) {
      VIGIL_ASSIGN_OR_RETURN(double v, Number(values[k], "tcp counter"));
      (*fields)[std::string(names[k])] = v;
    }
  }
  return core::OkStatus();
}

core::Result<double> Hex(std::string_view s, std::string_view what) {
  if (s.empty() || s.size() > 16) return core::InvalidArgumentError("invalid " + std::string(what));
  double v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0)
      return core::InvalidArgumentError("invalid " + std::string(what) + ": " + std::string(s));
    v = v * 16 + d;
  }
  return v;
}

}  // namespace

core::Result<std::map<std::string, double>> ParseTcpStates(std::string_view table) {
  std::map<std::string, double> by_state;
  for (const auto& [code, name] : kTcpStates) by_state[std::string(name)] = 0;
  std::vector<std::string_view> lines = Lines(table);
  for (size_t i = 1; i < lines.size(); ++i) {  // the first is the header
    std::vector<std::string_view> f = Fields(lines[i]);
    if (f.empty()) continue;
    if (f.size() < 4) return core::InvalidArgumentError("tcp line without a state");
    auto known = std::find_if(std::begin(kTcpStates), std::end(kTcpStates),
                              [&](const auto& s) { return s.first == f[3]; });
    if (known == std::end(kTcpStates))
      return core::InvalidArgumentError("unknown tcp state: " + std::string(f[3]));
    by_state[std::string(known->second)] += 1;
  }
  return by_state;
}

core::Result<std::map<std::string, double>> ParseUdpUsage(std::string_view table) {
  std::map<std::string, double> usage{
      {"listen", 0}, {"dropped", 0}, {"rxqueued", 0}, {"txqueued", 0}};
  std::vector<std::string_view> lines = Lines(table);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> f = Fields(lines[i]);
    if (f.empty()) continue;
    // sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode ref pointer drops
    if (f.size() != 13)
      return core::InvalidArgumentError("udp line of " + std::to_string(f.size()) + " fields");
    size_t colon = f[4].find(':');
    if (colon == std::string_view::npos)
      return core::InvalidArgumentError("udp queues without ':'");
    auto tx = Hex(f[4].substr(0, colon), "udp tx_queue");
    auto rx = Hex(f[4].substr(colon + 1), "udp rx_queue");
    auto drops = Number(f[12], "udp drops");
    if (!tx.ok()) return tx.status();
    if (!rx.ok()) return rx.status();
    if (!drops.ok()) return drops.status();
    usage["listen"] += 1;  // cAdvisor's name for every socket of the table
    usage["txqueued"] += *tx;
    usage["rxqueued"] += *rx;
    usage["dropped"] += *drops;
  }
  return usage;
}

core::Result<std::map<std::string, double>> ParseTcpCounters(std::string_view snmp,
                                                             std::string_view netstat) {
  std::map<std::string, double> fields;
  VIGIL_RETURN_IF_ERROR(TcpFields(snmp, &fields));
  VIGIL_RETURN_IF_ERROR(TcpFields(netstat, &fields));
  std::map<std::string, double> counters;
  for (std::string_view name : kTcpCounters) {
    std::string label(name);
    std::transform(label.begin(), label.end(), label.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = fields.find(std::string(name));
    counters[label] = it == fields.end() ? 0 : it->second;
  }
  return counters;
}

void AddContainerConnections(const std::string& procfs, const std::string& pid,
                             const std::string& id, std::vector<core::Label> identity,
                             MetricSet* out) {
  ContainerSeries s{out, id, std::move(identity)};
  for (const auto& [file, family] : {std::pair{"tcp", "container_network_tcp_usage_total"},
                                     std::pair{"tcp6", "container_network_tcp6_usage_total"}}) {
    auto text = ReadFile(procfs, pid + "/net/" + file);
    if (!text.ok()) continue;
    auto states = ParseTcpStates(*text);
    if (!states.ok()) continue;
    for (const auto& [state, n] : *states) {
      s.Gauge(family,
              std::string_view(file) == "tcp" ? "tcp connection usage statistic for container"
                                              : "tcp6 connection usage statistic for container",
              n, {{"tcp_state", state}});
    }
  }
  auto snmp = ReadFile(procfs, pid + "/net/snmp");
  auto netstat = ReadFile(procfs, pid + "/net/netstat");
  if (snmp.ok() && netstat.ok()) {
    if (auto counters = ParseTcpCounters(*snmp, *netstat); counters.ok()) {
      for (const auto& [name, v] : *counters) {
        s.Gauge("container_network_advance_tcp_stats_total",
                "advance tcp connections statistic for container", v, {{"tcp_state", name}});
      }
    }
  }
  for (const auto& [file, family] : {std::pair{"udp", "container_network_udp_usage_total"},
                                     std::pair{"udp6", "container_network_udp6_usage_total"}}) {
    auto text = ReadFile(procfs, pid + "/net/" + file);
    if (!text.ok()) continue;
    auto usage = ParseUdpUsage(*text);
    if (!usage.ok()) continue;
    for (const auto& [what, n] : *usage) {
      s.Gauge(family,
              std::string_view(file) == "udp" ? "udp connection usage statistic for container"
                                              : "udp6 connection usage statistic for container",
              n, {{"udp_state", what}});
    }
  }
}

}  // namespace vigil::collectors
