#include "agent/node_target.h"

namespace vigil::agent {

NodeTarget::NodeTarget(core::Loop& loop, collectors::CollectorSet collectors,
                       std::chrono::milliseconds interval, std::vector<core::Label> target_labels,
                       const core::Clock& clock, Sink sink)
    : collectors_(std::make_unique<collectors::CollectorSet>(std::move(collectors))),
      interval_(interval),
      target_labels_(std::move(target_labels)),
      clock_(clock),
      sink_(std::move(sink)),
      timer_(loop, [this] { CollectOnce(); }),
      report_(ReportSeriesFor(target_labels_)) {}

void NodeTarget::Start() {
  started_ = true;
  if (collectors_->size() == 0) return;
  timer_.Start(std::chrono::milliseconds(0), interval_);
}

ScrapeReportSeries NodeTarget::ReportSeriesFor(const std::vector<core::Label>& target_labels) {
  return ScrapeReportSeries([&target_labels](std::string_view name) {
    core::LabelsBuilder b;
    b.Set(core::kMetricNameLabel, name);
    for (const core::Label& l : target_labels) b.Set(l.name, l.value);
    auto built = b.Build();
    return built.ok() ? std::move(built).value() : core::Labels();
  });
}

void NodeTarget::SetCollectors(collectors::CollectorSet collectors) {
  const bool had = collectors_->size() > 0;
  collectors_ = std::make_unique<collectors::CollectorSet>(std::move(collectors));
  if (!started_) return;
  // The timer keeps its phase when it runs already: the next collection comes when it would have.
  if (collectors_->size() == 0) {
    Stop();
  } else if (!had) {
    timer_.Start(std::chrono::milliseconds(0), interval_);
  }
}

void NodeTarget::SetTargetLabels(std::vector<core::Label> target_labels) {
  if (target_labels == target_labels_) return;
  // The report series are not in the staleness tracker: the old ones go stale here.
  if (reported_) {
    std::vector<LabeledSample> stale;
    report_.AppendStale(clock_.NowUnixMillis(), &stale);
    sink_(std::move(stale));
    reported_ = false;
  }
  target_labels_ = std::move(target_labels);
  report_ = ReportSeriesFor(target_labels_);
  labels_.clear();  // built with the old labels
}

void NodeTarget::SetInterval(std::chrono::milliseconds interval) {
  if (interval == interval_) return;
  interval_ = interval;
  // One new interval after the change: no collection is skipped, none comes twice.
  if (started_ && collectors_->size() > 0) timer_.Start(interval_, interval_);
}

void NodeTarget::Stop() {
  timer_.Stop();
  std::vector<LabeledSample> stale;
  staleness_.StaleAll(clock_.NowUnixMillis(), &stale);
  if (reported_) report_.AppendStale(clock_.NowUnixMillis(), &stale);
  if (!stale.empty()) sink_(std::move(stale));
}

void NodeTarget::CollectOnce() {
  const int64_t t = clock_.NowUnixMillis();
  const auto start = std::chrono::steady_clock::now();
  latest_ = collectors_->Collect();
  ++generation_;
  std::vector<LabeledSample> batch;
  StalenessTracker::Seen seen;
  auto add = [&](const std::vector<core::MetricFamily>& families) {
    for (const core::MetricFamily& f : families) {
      for (const core::ExpositionSample& s : f.samples) {
        const SharedLabels* labels = LabelsFor(s);
        if (labels == nullptr || !seen.insert(*labels).second) continue;
        batch.push_back({*labels, t, s.value});
      }
    }
  };
  add(latest_);
  // What a Prometheus scraping node_exporter would count: the agent's own series are not.
  const size_t node_samples = batch.size();
  if (self_metrics_) add(self_metrics_());
  ScrapeReport report;
  report.up = true;  // the node answers itself; a collector that fails says so in its own series
  report.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.samples = node_samples;
  report.series_added = staleness_.Next(std::move(seen), t, &batch);
  report_.Append(report, t, &batch);
  reported_ = true;
  // Series that did not come back are forgotten, so the cache stays the size of the node.
  std::erase_if(labels_, [this](const auto& kv) { return kv.second.used != generation_; });
  sink_(std::move(batch));
}

const SharedLabels* NodeTarget::LabelsFor(const core::ExpositionSample& s) {
  // The sample as written: name and labels, separated by bytes that cannot be in them.
  key_.clear();
  key_ += s.name;
  for (const core::Label& l : s.labels) {
    key_ += '\xff';
    key_ += l.name;
    key_ += '\xfe';
    key_ += l.value;
  }
  auto it = labels_.find(key_);
  if (it != labels_.end()) {
    it->second.used = generation_;
    return &it->second.labels;
  }
  core::LabelsBuilder b;
  b.Set(core::kMetricNameLabel, s.name);
  for (const core::Label& l : s.labels) b.Set(l.name, l.value);
  for (const core::Label& l : target_labels_) {
    if (b.Get(l.name).empty()) b.Set(l.name, l.value);
  }
  auto built = b.Build();
  if (!built.ok()) return nullptr;
  auto& entry = labels_[key_];
  entry = {std::make_shared<const core::Labels>(std::move(built).value()), generation_};
  return &entry.labels;
}

std::vector<core::FamilyMetadata> NodeTarget::Metadata() const {
  std::vector<core::FamilyMetadata> out;
  auto add = [&out](const std::vector<core::MetricFamily>& families) {
    for (const core::MetricFamily& f : families) out.push_back({f.name, f.type, f.help});
  };
  add(latest_);
  if (self_metrics_) add(self_metrics_());
  return out;
}

std::string NodeTarget::Exposition() const {
  std::string out;
  for (const core::MetricFamily& f : latest_) core::AppendFamily(&out, f);
  return out;
}

}  // namespace vigil::agent
