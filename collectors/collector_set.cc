#include "collectors/collector_set.h"

#include <algorithm>
#include <iterator>

#include "core/log.h"

namespace vigil::collectors {

std::vector<core::MetricFamily> CollectorSet::Collect() {
  MetricSet set;
  MetricSet scrape;
  for (size_t i = 0; i < collectors_.size(); ++i) {
    Collector& c = *collectors_[i];
    const int64_t start = clock_.NowMonotonicNanos();
    MetricSet own;
    core::Status s = c.Collect(&own);
    const double seconds = static_cast<double>(clock_.NowMonotonicNanos() - start) / 1e9;
    // Nothing to read here (no such file: a module not loaded, a container) is not failure.
    const bool ok = s.ok() || s.code() == core::StatusCode::kNotFound;
    if (!ok && s.message() != last_errors_[i]) {
      core::LogError("collector failed", {{"collector", c.name()}, {"err", s.message()}});
    }
    last_errors_[i] = ok ? "" : s.message();
    if (ok) {
      // Whole families move across; only a family two collectors share is merged.
      for (auto& f : own.families()) {
        auto same = std::find_if(set.families().begin(), set.families().end(),
                                 [&f](const core::MetricFamily& g) { return g.name == f.name; });
        if (same == set.families().end()) {
          set.families().push_back(std::move(f));
        } else {
          std::move(f.samples.begin(), f.samples.end(), std::back_inserter(same->samples));
        }
      }
    }
    std::vector<core::Label> label{{"collector", std::string(c.name())}};
    scrape.Add("node_scrape_collector_duration_seconds",
               "node_exporter: Duration of a collector scrape.", core::MetricType::kGauge, seconds,
               label);
    scrape.Add("node_scrape_collector_success", "node_exporter: Whether a collector succeeded.",
               core::MetricType::kGauge, ok ? 1 : 0, label);
  }
  files_->CloseUnread();
  std::vector<core::MetricFamily> out = std::move(set.families());
  for (auto& f : scrape.families()) out.push_back(std::move(f));
  SortLikeNodeExporter(&out);
  return out;
}

void SortLikeNodeExporter(std::vector<core::MetricFamily>* families) {
  for (core::MetricFamily& f : *families) {
    for (core::ExpositionSample& s : f.samples) {
      std::sort(s.labels.begin(), s.labels.end(),
                [](const core::Label& a, const core::Label& b) { return a.name < b.name; });
    }
    std::stable_sort(f.samples.begin(), f.samples.end(), [](const auto& a, const auto& b) {
      return std::lexicographical_compare(
          a.labels.begin(), a.labels.end(), b.labels.begin(), b.labels.end(),
          [](const core::Label& x, const core::Label& y) {
            return x.name != y.name ? x.name < y.name : x.value < y.value;
          });
    });
  }
  std::sort(
      families->begin(), families->end(),
      [](const core::MetricFamily& a, const core::MetricFamily& b) { return a.name < b.name; });
}

}  // namespace vigil::collectors
