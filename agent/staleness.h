#pragma once
// Prometheus's staleness: a series that was in the last collection and is not in this one
// gets a stale marker (the NaN 0x7ff0000000000002) at this collection's time; so does every
// series when the source stops.
#include <algorithm>
#include <unordered_set>
#include <vector>

#include "agent/sample_log.h"

namespace vigil::agent {

class StalenessTracker {
 public:
  // Label sets compared by what they hold.
  struct ByValue {
    size_t operator()(const SharedLabels& l) const { return l->Hash(); }
    bool operator()(const SharedLabels& a, const SharedLabels& b) const { return *a == *b; }
  };
  using Seen = std::unordered_set<SharedLabels, ByValue, ByValue>;

  // Stale markers for what vanished since the last call; `now` becomes the last. Returns how
  // many series of `now` were not in the last (Prometheus's scrape_series_added).
  size_t Next(Seen now, int64_t timestamp_ms, std::vector<LabeledSample>* out) {
    std::vector<SharedLabels> vanished;
    for (const SharedLabels& l : last_) {
      if (!now.count(l)) vanished.push_back(l);
    }
    size_t added = 0;
    for (const SharedLabels& l : now) added += last_.count(l) == 0;
    // In label order, so that what goes into the log does not depend on hashing.
    std::sort(vanished.begin(), vanished.end(),
              [](const auto& a, const auto& b) { return *a < *b; });
    for (SharedLabels& l : vanished) out->push_back({std::move(l), timestamp_ms, core::StaleNaN()});
    last_ = std::move(now);
    return added;
  }
  void StaleAll(int64_t timestamp_ms, std::vector<LabeledSample>* out) {
    Next({}, timestamp_ms, out);
  }

 private:
  Seen last_;  // hashed: a collection's few hundred series are looked up every interval
};

}  // namespace vigil::agent
