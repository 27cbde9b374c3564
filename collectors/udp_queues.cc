// node_exporter's udp_queues collector: the bytes queued for UDP sockets, summed from the
// tx_queue:rx_queue column of /proc/net/udp and udp6.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

bool Hex(std::string_view s, uint64_t* v) {
  *v = 0;
  if (s.empty()) return false;
  for (char c : s) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                     : -1;
    if (d < 0) return false;
    *v = *v * 16 + static_cast<uint64_t>(d);
  }
  return true;
}

}  // namespace

core::Status ParseUdpQueues(std::string_view text, std::string_view ip, MetricSet* out) {
  uint64_t tx = 0, rx = 0;
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 1; i < lines.size(); ++i) {  // a header line first
    std::vector<std::string_view> f = Fields(lines[i]);
    if (f.empty()) continue;
    size_t colon = f.size() > 4 ? f[4].find(':') : std::string_view::npos;
    uint64_t t = 0, r = 0;
    if (colon == std::string_view::npos || !Hex(f[4].substr(0, colon), &t) ||
        !Hex(f[4].substr(colon + 1), &r)) {
      return core::InvalidArgumentError("/proc/net/udp: malformed queue column on line " +
                                        std::to_string(i + 1));
    }
    tx += t;
    rx += r;
  }
  const char* help = "Number of allocated memory in the kernel for UDP datagrams in bytes.";
  out->Add("node_udp_queues", help, core::MetricType::kGauge, static_cast<double>(rx),
           {{"ip", std::string(ip)}, {"queue", "rx"}});
  out->Add("node_udp_queues", help, core::MetricType::kGauge, static_cast<double>(tx),
           {{"ip", std::string(ip)}, {"queue", "tx"}});
  return core::OkStatus();
}

}  // namespace vigil::collectors
