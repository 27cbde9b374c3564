#pragma once
// The series of one cgroup as cAdvisor labels them: a family's own labels (cpu, device,
// interface, state ...), then `id` (the cgroup's path), then what the runtime says of the
// container (name, image, pod ...). Shared by the parsers of cgroup files and of /proc.
#include <string>
#include <utility>
#include <vector>

#include "collectors/collector.h"

namespace vigil::collectors {

struct ContainerSeries {
  MetricSet* out;
  std::string id;
  std::vector<core::Label> identity;

  void Counter(const char* name, const char* help, double v, std::vector<core::Label> own = {}) {
    Add(name, help, core::MetricType::kCounter, v, std::move(own));
  }
  void Gauge(const char* name, const char* help, double v, std::vector<core::Label> own = {}) {
    Add(name, help, core::MetricType::kGauge, v, std::move(own));
  }
  void Add(const char* name, const char* help, core::MetricType type, double v,
           std::vector<core::Label> own) {
    own.push_back({"id", id});
    own.insert(own.end(), identity.begin(), identity.end());
    out->Add(name, help, type, v, std::move(own));
  }
};

}  // namespace vigil::collectors
