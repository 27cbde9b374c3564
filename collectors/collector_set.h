#pragma once
// The collectors of a node run together into one page, as node_exporter's /metrics is made.
#include <memory>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "core/clock.h"
#include "core/exposition.h"

namespace vigil::collectors {

// Runs a set of collectors, each timed and reported in node_scrape_collector_duration_seconds
// and node_scrape_collector_success as node_exporter does. A failure is logged once per change
// of its message, not every interval. After each collection, the kernel files that no collector
// read are closed (the collectors' Roots::files).
class CollectorSet {
 public:
  CollectorSet(std::vector<std::unique_ptr<Collector>> collectors, const core::Clock& clock,
               std::shared_ptr<KernelFiles> files)
      : collectors_(std::move(collectors)),
        clock_(clock),
        files_(std::move(files)),
        last_errors_(collectors_.size()) {}
  // Every family, sorted like node_exporter's page.
  std::vector<core::MetricFamily> Collect();
  size_t size() const { return collectors_.size(); }

 private:
  std::vector<std::unique_ptr<Collector>> collectors_;
  const core::Clock& clock_;
  std::shared_ptr<KernelFiles> files_;
  std::vector<std::string> last_errors_;
};

// Sorts families by name and each family's samples by their labels, as client_golang writes
// them, so that /metrics reads like node_exporter's.
void SortLikeNodeExporter(std::vector<core::MetricFamily>* families);

}  // namespace vigil::collectors
