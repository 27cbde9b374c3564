#include "server/api/federate.h"

#include <map>

#include "core/exposition.h"

namespace vigil::server {

core::Result<std::string> FederatePage(const storage::Querier& querier,
                                       const std::vector<storage::Matchers>& selectors,
                                       int64_t now_ms, int64_t lookback_ms,
                                       const core::Labels& external_labels) {
  // By metric name, then labels: a family's samples together, each series once however many
  // selectors chose it.
  std::map<std::pair<std::string, core::Labels>, core::Sample> newest;
  for (const storage::Matchers& matchers : selectors) {
    std::unique_ptr<storage::SeriesSet> set =
        querier.Select(matchers, now_ms - lookback_ms, now_ms);
    while (set->Next()) {
      const std::vector<core::Sample>& samples = set->samples();
      if (samples.empty() || core::IsStaleNaN(samples.back().value)) continue;
      newest.emplace(std::make_pair(std::string(set->labels().MetricName()), set->labels()),
                     samples.back());
    }
    VIGIL_RETURN_IF_ERROR(set->status());
  }
  std::string out;
  core::MetricFamily family;
  auto flush = [&] {
    if (!family.samples.empty()) core::AppendFamily(&out, family);
    family.samples.clear();
  };
  for (const auto& [key, sample] : newest) {
    const auto& [name, labels] = key;
    if (name != family.name) {
      flush();
      family.name = name;
    }
    core::ExpositionSample s;
    s.name = name;
    for (const core::Label& l : labels) {
      if (l.name != core::kMetricNameLabel) s.labels.push_back(l);
    }
    // After the series' own labels, as Prometheus writes them.
    for (const core::Label& l : external_labels) {
      if (!labels.Has(l.name)) s.labels.push_back(l);
    }
    s.value = sample.value;
    s.timestamp_ms = sample.timestamp_ms;
    family.samples.push_back(std::move(s));
  }
  flush();
  return out;
}

}  // namespace vigil::server
