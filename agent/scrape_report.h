#pragma once
// The series Prometheus adds for every scrape of a target, pushed for each [scrape.NAME] target
// and for the node itself: up, scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling and scrape_series_added. Dashboards and the most
// common alert (`up == 0`) rely on them; they go stale with the target.
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "agent/sample_log.h"

namespace vigil::agent {

struct ScrapeReport {
  bool up = false;
  double duration_seconds = 0;
  size_t samples = 0;       // what the target gave (after relabelling: the agent relabels none)
  size_t series_added = 0;  // series not in the scrape before
};

class ScrapeReportSeries {
 public:
  // `labels_for(name)`: the series `name` with the target's labels (job, instance, extras).
  explicit ScrapeReportSeries(const std::function<core::Labels(std::string_view name)>& labels_for);
  void Append(const ScrapeReport& report, int64_t timestamp_ms,
              std::vector<LabeledSample>* out) const;
  // Stale markers for all of them: the target has gone.
  void AppendStale(int64_t timestamp_ms, std::vector<LabeledSample>* out) const;
  // Do both name the same series (the target's labels are the same)?
  bool SameSeries(const ScrapeReportSeries& other) const { return *up_ == *other.up_; }

 private:
  SharedLabels up_, duration_, scraped_, post_relabeling_, added_;
};

}  // namespace vigil::agent
