#pragma once
// Prometheus's staleness: a series that was in the last collection and is not in this one
// gets a stale marker (the NaN 0x7ff0000000000002) at this collection's time; so does every
// series when the source stops.
#include <algorithm>
#include <unordered_set>
#include <vector>

#include "agent/sample_log.h"
#include "wal/wal.h"

namespace vigil::agent {

class StalenessTracker {
 public:
  // Stale markers for what vanished since the last call; `now` becomes the last.
  using Seen = std::unordered_set<core::Labels, wal::LabelsHash>;
  void Next(Seen now, int64_t timestamp_ms, std::vector<LabeledSample>* out) {
    std::vector<const core::Labels*> vanished;
    for (const core::Labels& l : last_) {
      if (!now.count(l)) vanished.push_back(&l);
    }
    // In label order, so that what goes into the log does not depend on hashing.
    std::sort(vanished.begin(), vanished.end(),
              [](const auto* a, const auto* b) { return *a < *b; });
    for (const core::Labels* l : vanished) out->push_back({*l, timestamp_ms, core::StaleNaN()});
    last_ = std::move(now);
  }
  void StaleAll(int64_t timestamp_ms, std::vector<LabeledSample>* out) {
    Next({}, timestamp_ms, out);
  }

 private:
  Seen last_;  // hashed: a collection's few hundred series are looked up every interval
};

}  // namespace vigil::agent
