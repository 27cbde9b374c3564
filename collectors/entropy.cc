// node_exporter's entropy collector: /proc/sys/kernel/random/{entropy_avail,poolsize}.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseEntropy(std::string_view available, std::string_view pool_size, MetricSet* out) {
  VIGIL_ASSIGN_OR_RETURN(double a, Number(Trim(available), "entropy_avail"));
  VIGIL_ASSIGN_OR_RETURN(double p, Number(Trim(pool_size), "poolsize"));
  out->Add("node_entropy_available_bits", "Bits of available entropy.", core::MetricType::kGauge,
           a);
  out->Add("node_entropy_pool_size_bits", "Bits of entropy pool.", core::MetricType::kGauge, p);
  return core::OkStatus();
}

namespace {
class EntropyCollector final : public Collector {
 public:
  explicit EntropyCollector(const Roots& roots) : roots_(roots) {}
  std::string_view name() const override { return "entropy"; }
  core::Status Collect(MetricSet* out) override {
    auto a = roots_.files->Read(roots_.procfs, "sys/kernel/random/entropy_avail");
    if (!a.ok()) return a.status();
    auto p = roots_.files->Read(roots_.procfs, "sys/kernel/random/poolsize");
    if (!p.ok()) return p.status();
    return ParseEntropy(*a, *p, out);
  }

 private:
  Roots roots_;
};
}  // namespace

std::unique_ptr<Collector> NewEntropyCollector(const Roots& roots) {
  return std::make_unique<EntropyCollector>(roots);
}

}  // namespace vigil::collectors
