// node_exporter's entropy collector: /proc/sys/kernel/random/{entropy_avail,poolsize}.
#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {

core::Status ParseEntropy(std::string_view available, std::string_view pool_size, MetricSet* out) {
  VIGIL_ASSIGN_OR_RETURN(double a, Number(TrimSpace(available), "entropy_avail"));
  VIGIL_ASSIGN_OR_RETURN(double p, Number(TrimSpace(pool_size), "poolsize"));
  out->Add("node_entropy_available_bits", "Bits of available entropy.", core::MetricType::kGauge,
           a);
  out->Add("node_entropy_pool_size_bits", "Bits of entropy pool.", core::MetricType::kGauge, p);
  return core::OkStatus();
}

}  // namespace vigil::collectors
