#pragma once
// Prometheus's staleness: a series that was in the last collection and is not in this one
// gets a stale marker (the NaN 0x7ff0000000000002) at this collection's time; so does every
// series when the source stops.
#include <set>
#include <vector>

#include "agent/sample_log.h"

namespace vigil::agent {

class StalenessTracker {
 public:
  // Stale markers for what vanished since the last call; `now` becomes the last.
  void Next(std::set<core::Labels> now, int64_t timestamp_ms, std::vector<LabeledSample>* out) {
    for (const core::Labels& l : last_) {
      if (!now.count(l)) out->push_back({l, timestamp_ms, core::StaleNaN()});
    }
    last_ = std::move(now);
  }
  void StaleAll(int64_t timestamp_ms, std::vector<LabeledSample>* out) {
    Next({}, timestamp_ms, out);
  }

 private:
  std::set<core::Labels> last_;
};

}  // namespace vigil::agent
