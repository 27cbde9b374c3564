#pragma once
// Self-metrics: counters and gauges with labels, rendered in the exposition format. Updating
// a metric is one atomic operation and safe from any thread; creating a labelled child takes
// the family's lock once, after which callers keep the pointer.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/exposition.h"

namespace vigil::core {

class Metric {
 public:
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class MetricFamilyDef {
 public:
  MetricFamilyDef(std::string name, std::string help, MetricType type,
                  std::vector<std::string> label_names);
  // The child for these label values (as many as label names), made on first use.
  Metric* With(const std::vector<std::string>& label_values);
  Metric* Get() { return With({}); }
  void AppendTo(std::vector<MetricFamily>* out) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;  // guarded by mu_
};

class MetricsRegistry {
 public:
  // Made on first use (a second call with the same name returns the first family); the
  // references stay valid for the registry's life.
  MetricFamilyDef& Counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  MetricFamilyDef& Gauge(std::string name, std::string help,
                         std::vector<std::string> label_names = {});
  // Families computed when scraped (uptime, queue lengths read from their owners).
  void AddCollector(std::function<void(std::vector<MetricFamily>*)> collector);

  // Every family, sorted by name.
  std::vector<MetricFamily> Collect() const;
  // Collect() in the exposition format, as /metrics serves it.
  std::string Render() const;

 private:
  MetricFamilyDef& Add(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamilyDef>> families_;                   // guarded by mu_
  std::vector<std::function<void(std::vector<MetricFamily>*)>> collectors_;  // guarded by mu_
};

}  // namespace vigil::core
