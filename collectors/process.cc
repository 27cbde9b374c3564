// process: the agent's own process (CPU, memory, file descriptors, start time), served on the
// node page and pushed with the node's series, as a Prometheus agent pushes the process_*
// families that node_exporter's client library serves beside its node_* ones. Only on the
// live machine: a fixture tree has no process of its own.
#include "collectors/collectors.h"
#include "core/process_metrics.h"

namespace vigil::collectors {

core::Status CollectProcess(const Roots& roots, MetricSet* out) {
  if (!roots.live()) return core::OkStatus();
  VIGIL_ASSIGN_OR_RETURN(std::vector<core::MetricFamily> families, core::OwnProcessFamilies());
  for (core::MetricFamily& f : families) out->families().push_back(std::move(f));
  return core::OkStatus();
}

}  // namespace vigil::collectors
