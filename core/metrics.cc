#include "core/metrics.h"

#include <algorithm>
#include <cassert>

namespace vigil::core {

MetricFamilyDef::MetricFamilyDef(std::string name, std::string help, MetricType type,
                                 std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {}

Metric* MetricFamilyDef::With(const std::vector<std::string>& label_values) {
  assert(label_values.size() == label_names_.size());
  std::lock_guard lock(mu_);
  auto& child = children_[label_values];
  if (!child) child = std::make_unique<Metric>();
  return child.get();
}

void MetricFamilyDef::AppendTo(std::vector<MetricFamily>* out) const {
  MetricFamily f{name_, help_, type_, {}};
  std::lock_guard lock(mu_);
  for (const auto& [values, metric] : children_) {
    ExpositionSample s{name_, {}, metric->Value(), std::nullopt};
    for (size_t i = 0; i < values.size(); ++i) s.labels.push_back({label_names_[i], values[i]});
    f.samples.push_back(std::move(s));
  }
  if (!f.samples.empty()) out->push_back(std::move(f));
}

MetricFamilyDef& MetricsRegistry::Add(std::string name, std::string help, MetricType type,
                                      std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  // Several owners (one per destination) share a family: the first one makes it.
  for (const auto& f : families_) {
    if (f->name() == name) return *f;
  }
  families_.push_back(std::make_unique<MetricFamilyDef>(std::move(name), std::move(help), type,
                                                        std::move(label_names)));
  return *families_.back();
}

MetricFamilyDef& MetricsRegistry::Counter(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  return Add(std::move(name), std::move(help), MetricType::kCounter, std::move(label_names));
}

MetricFamilyDef& MetricsRegistry::Gauge(std::string name, std::string help,
                                        std::vector<std::string> label_names) {
  return Add(std::move(name), std::move(help), MetricType::kGauge, std::move(label_names));
}

void MetricsRegistry::AddCollector(std::function<void(std::vector<MetricFamily>*)> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::vector<MetricFamily> MetricsRegistry::Collect() const {
  std::vector<MetricFamily> families;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) f->AppendTo(&families);
    for (const auto& c : collectors_) c(&families);
  }
  std::stable_sort(families.begin(), families.end(),
                   [](const MetricFamily& a, const MetricFamily& b) { return a.name < b.name; });
  return families;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  for (const MetricFamily& f : Collect()) AppendFamily(&out, f);
  return out;
}

}  // namespace vigil::core
