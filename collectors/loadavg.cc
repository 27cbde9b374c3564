// node_exporter's loadavg collector: node_load1, node_load5, node_load15 from /proc/loadavg.
#include "collectors/collectors.h"
#include "collectors/parse_util.h"

namespace vigil::collectors {

core::Status ParseLoadavg(std::string_view text, MetricSet* out) {
  std::vector<std::string_view> f = Fields(Trim(text));
  if (f.size() < 3) return core::InvalidArgumentError("/proc/loadavg: expected 3 load averages");
  static constexpr const char* kNames[] = {"node_load1", "node_load5", "node_load15"};
  static constexpr const char* kHelp[] = {"1m load average.", "5m load average.",
                                          "15m load average."};
  for (int i = 0; i < 3; ++i) {
    VIGIL_ASSIGN_OR_RETURN(double v, Number(f[static_cast<size_t>(i)], "load average"));
    out->Add(kNames[i], kHelp[i], core::MetricType::kGauge, v);
  }
  return core::OkStatus();
}

namespace {
class LoadavgCollector final : public Collector {
 public:
  explicit LoadavgCollector(const Roots& roots) : roots_(roots) {}
  std::string_view name() const override { return "loadavg"; }
  core::Status Collect(MetricSet* out) override {
    auto text = ReadFile(roots_.procfs, "loadavg");
    if (!text.ok()) return text.status();
    return ParseLoadavg(*text, out);
  }

 private:
  Roots roots_;
};
}  // namespace

std::unique_ptr<Collector> NewLoadavgCollector(const Roots& roots) {
  return std::make_unique<LoadavgCollector>(roots);
}

}  // namespace vigil::collectors
