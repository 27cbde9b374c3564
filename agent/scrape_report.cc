#include "agent/scrape_report.h"

namespace vigil::agent {

ScrapeReportSeries::ScrapeReportSeries(
    const std::function<core::Labels(std::string_view)>& labels_for) {
  auto make = [&](std::string_view name) {
    return std::make_shared<const core::Labels>(labels_for(name));
  };
  up_ = make("up");
  duration_ = make("scrape_duration_seconds");
  scraped_ = make("scrape_samples_scraped");
  post_relabeling_ = make("scrape_samples_post_metric_relabeling");
  added_ = make("scrape_series_added");
}

void ScrapeReportSeries::Append(const ScrapeReport& r, int64_t ts,
                                std::vector<LabeledSample>* out) const {
  out->push_back({up_, ts, r.up ? 1.0 : 0.0});
  out->push_back({duration_, ts, r.duration_seconds});
  out->push_back({scraped_, ts, static_cast<double>(r.samples)});
  out->push_back({post_relabeling_, ts, static_cast<double>(r.samples)});
  out->push_back({added_, ts, static_cast<double>(r.series_added)});
}

void ScrapeReportSeries::AppendStale(int64_t ts, std::vector<LabeledSample>* out) const {
  for (const SharedLabels* l : {&up_, &duration_, &scraped_, &post_relabeling_, &added_}) {
    out->push_back({*l, ts, core::StaleNaN()});
  }
}

}  // namespace vigil::agent
