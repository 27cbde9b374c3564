// node_exporter's netstat collector with its default field set: /proc/net/netstat and
// /proc/net/snmp (pairs of header and value lines) and /proc/net/snmp6 (name value lines).
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool In(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view x : set) {
    if (s == x) return true;
  }
  return false;
}

}  // namespace

// node_exporter 1.5's default --collector.netstat.fields, for "Proto_Field".
bool DefaultNetstatField(std::string_view proto, std::string_view field) {
  if (EndsWith(field, "InErrors") || EndsWith(field, "InErrs")) return true;
  if (proto == "Ip" && field == "Forwarding") return true;
  if ((proto == "Ip6" || proto == "IpExt") && In(field, {"InOctets", "OutOctets"})) return true;
  if ((proto == "Icmp" || proto == "Icmp6") && In(field, {"InMsgs", "OutMsgs"})) return true;
  if (proto == "TcpExt" && (field.substr(0, 6) == "Listen" || field.substr(0, 10) == "Syncookies" ||
                            In(field, {"TCPSynRetrans", "TCPTimeouts"}))) {
    return true;
  }
  if (proto == "Tcp" && In(field, {"ActiveOpens", "InSegs", "OutSegs", "OutRsts", "PassiveOpens",
                                   "RetransSegs", "CurrEstab"})) {
    return true;
  }
  return (proto == "Udp" || proto == "Udp6") &&
         In(field, {"InDatagrams", "OutDatagrams", "NoPorts", "RcvbufErrors", "SndbufErrors"});
}

namespace {
void AddField(std::string_view proto, std::string_view field, double v, MetricSet* out) {
  if (!DefaultNetstatField(proto, field)) return;
  std::string p(proto), f(field);
  out->Add("node_netstat_" + p + "_" + f, "Statistic " + p + f + ".", core::MetricType::kUntyped,
           v);
}
}  // namespace

core::Status ParseNetstat(std::string_view text, MetricSet* out) {
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    std::vector<std::string_view> names = Fields(lines[i]), values = Fields(lines[i + 1]);
    if (names.empty()) continue;
    if (names.size() != values.size() || names[0] != values[0] || names[0].back() != ':') {
      return core::InvalidArgumentError("netstat: header and values do not match for " +
                                        std::string(names[0]));
    }
    std::string_view proto = names[0].substr(0, names[0].size() - 1);
    for (size_t k = 1; k < names.size(); ++k) {
      VIGIL_ASSIGN_OR_RETURN(double v, Number(values[k], "netstat value"));
      AddField(proto, names[k], v, out);
    }
  }
  return core::OkStatus();
}

core::Status ParseSnmp6(std::string_view text, MetricSet* out) {
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f.size() != 2)
      return core::InvalidArgumentError("snmp6: malformed line \"" + std::string(line) + "\"");
    // "Ip6InOctets" is protocol Ip6, field InOctets: the protocol ends at its digit 6.
    size_t six = f[0].find('6');
    if (six == std::string_view::npos) continue;
    VIGIL_ASSIGN_OR_RETURN(double v, Number(f[1], "snmp6 value"));
    AddField(f[0].substr(0, six + 1), f[0].substr(six + 1), v, out);
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
