#include "agent/node_collection.h"

namespace vigil::agent {

NodeCollection::NodeCollection(core::Loop& loop, collectors::NodeCollectors collectors,
                               std::chrono::milliseconds interval,
                               std::vector<core::Label> target_labels, const core::Clock& clock,
                               Sink sink)
    : collectors_(std::move(collectors)),
      interval_(interval),
      target_labels_(std::move(target_labels)),
      clock_(clock),
      sink_(std::move(sink)),
      timer_(loop, [this] { CollectOnce(); }) {}

void NodeCollection::Start() {
  if (collectors_.size() == 0) return;
  timer_.Start(std::chrono::milliseconds(0), interval_);
}

void NodeCollection::Stop() {
  timer_.Stop();
  std::vector<LabeledSample> stale;
  staleness_.StaleAll(clock_.NowUnixMillis(), &stale);
  if (!stale.empty()) sink_(std::move(stale));
}

void NodeCollection::CollectOnce() {
  const int64_t t = clock_.NowUnixMillis();
  latest_ = collectors_.Collect();
  std::vector<LabeledSample> batch;
  StalenessTracker::Seen seen;
  for (const core::MetricFamily& f : latest_) {
    for (const core::ExpositionSample& s : f.samples) {
      core::LabelsBuilder b;
      b.Set(core::kMetricNameLabel, s.name);
      for (const core::Label& l : s.labels) b.Set(l.name, l.value);
      for (const core::Label& l : target_labels_) {
        if (b.Get(l.name).empty()) b.Set(l.name, l.value);
      }
      auto labels = b.Build();
      if (!labels.ok() || !seen.insert(*labels).second) continue;
      batch.push_back({std::move(labels).value(), t, s.value});
    }
  }
  staleness_.Next(std::move(seen), t, &batch);
  sink_(std::move(batch));
}

std::string NodeCollection::Exposition() const {
  std::string out;
  for (const core::MetricFamily& f : latest_) core::AppendFamily(&out, f);
  return out;
}

}  // namespace vigil::agent
