#pragma once
// The node as a target of its own, beside the scraped ones: its collectors run every [agent]
// interval; the latest collection is what /metrics serves (as node_exporter would: no job or
// instance), and its samples go to the log with job, instance and the [labels] extra labels, stale
// markers for vanished series, and the report series a Prometheus scraping node_exporter would
// add (up, scrape_duration_seconds ...: agent/scrape_report.h).
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/sample_log.h"
#include "agent/scrape_report.h"
#include "agent/staleness.h"
#include "collectors/collector_set.h"
#include "core/exposition.h"
#include "core/uv.h"

namespace vigil::agent {

class NodeTarget {
 public:
  using Sink = std::function<void(std::vector<LabeledSample>)>;

  // `target_labels`: job, instance and the extra labels, added to every pushed series unless
  // a collector's series has a label of that name already.
  NodeTarget(core::Loop& loop, collectors::CollectorSet collectors,
             std::chrono::milliseconds interval, std::vector<core::Label> target_labels,
             const core::Clock& clock, Sink sink);
  // Families pushed with the node's own at each collection (the agent's vigil_* self-metrics),
  // labelled and marked stale the same way, but not part of Exposition(): the agent's /metrics
  // page shows them once, from its registry.
  void SetSelfMetrics(std::function<std::vector<core::MetricFamily>()> source) {
    self_metrics_ = std::move(source);
  }
  void Start();
  // Marks every series stale.
  void Stop();
  // Runs the collectors once now: what a timer tick does.
  void CollectOnce();
  // A reload changed the node: the next collection uses the new collectors, labels or
  // interval, and as after any collection, the series it no longer has get stale markers
  // (all of them when the labels change). The other series go on without a gap.
  void SetCollectors(collectors::CollectorSet collectors);
  void SetTargetLabels(std::vector<core::Label> target_labels);
  void SetInterval(std::chrono::milliseconds interval);
  // The latest collection in the exposition format.
  std::string Exposition() const;
  // TYPE and HELP of the families pushed (the latest collection's and the self-metrics'): the
  // metadata a Prometheus scraping node_exporter sends with its remote-write.
  std::vector<core::FamilyMetadata> Metadata() const;
  size_t collectors() const { return collectors_->size(); }

 private:
  std::unique_ptr<collectors::CollectorSet> collectors_;  // replaced whole by a reload
  std::chrono::milliseconds interval_;
  std::vector<core::Label> target_labels_;
  const core::Clock& clock_;
  Sink sink_;
  std::function<std::vector<core::MetricFamily>()> self_metrics_;
  core::Timer timer_;
  bool started_ = false;
  std::vector<core::MetricFamily> latest_;
  StalenessTracker staleness_;
  ScrapeReportSeries report_;
  bool reported_ = false;

  static ScrapeReportSeries ReportSeriesFor(const std::vector<core::Label>& target_labels);

  // A series' labels built once and reused while it keeps coming back: building and checking
  // them for every sample of every collection was most of the agent's CPU.
  const SharedLabels* LabelsFor(const core::ExpositionSample& s);
  struct CachedLabels {
    SharedLabels labels;
    uint64_t used = 0;  // the last collection it was in
  };
  std::unordered_map<std::string, CachedLabels> labels_;
  std::string key_;  // reused: no allocation per sample
  uint64_t generation_ = 0;
};

}  // namespace vigil::agent
