// node_exporter's softnet collector: /proc/net/softnet_stat, one line of hex counters per CPU.
#include <cctype>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseSoftnet(std::string_view text, MetricSet* out) {
  int cpu = 0;
  for (std::string_view line : Lines(text)) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f.size() < 3) return core::InvalidArgumentError("/proc/net/softnet_stat: short line");
    double v[3];
    for (int i = 0; i < 3; ++i) {
      uint64_t n = 0;
      for (char c : f[static_cast<size_t>(i)]) {
        int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                                                            : -1;
        if (d < 0)
          return core::InvalidArgumentError("/proc/net/softnet_stat: not hex: \"" +
                                            std::string(f[static_cast<size_t>(i)]) + "\"");
        n = n * 16 + static_cast<uint64_t>(d);
      }
      v[i] = static_cast<double>(n);
    }
    std::vector<core::Label> label{{"cpu", std::to_string(cpu++)}};
    out->Add("node_softnet_processed_total", "Number of processed packets",
             core::MetricType::kCounter, v[0], label);
    out->Add("node_softnet_dropped_total", "Number of dropped packets", core::MetricType::kCounter,
             v[1], label);
    out->Add("node_softnet_times_squeezed_total",
             "Number of times processing packets ran out of quota", core::MetricType::kCounter,
             v[2], label);
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
