#pragma once
// Scrapes one local /metrics page, as Prometheus does: job = the section's NAME, instance =
// the URL's host:port; the target's labels win and a page's clashing labels become
// exported_<name> (unless honor_labels); the scrape's report series (up, scrape_*) every time;
// a page that is garbage or unreachable gives up 0 and nothing else; a series that vanishes
// (or every series, when a scrape fails) gets a stale marker, and when the agent stops so do
// the report series.
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "agent/sample_log.h"
#include "agent/scrape_report.h"
#include "agent/staleness.h"
#include "core/clock.h"
#include "core/config_values.h"
#include "core/http_client.h"
#include "core/uv.h"

namespace vigil::agent {

struct ScrapeConfig {
  std::string name;  // the job label
  core::Url url;
  std::chrono::milliseconds interval{15'000};
  std::chrono::milliseconds timeout{10'000};
  bool honor_labels = false;
};

class ScrapeTarget {
 public:
  using Sink = std::function<void(std::vector<LabeledSample>)>;
  // What a page says of its families (# HELP, # TYPE), after each good scrape.
  using MetadataSink = std::function<void(const std::vector<core::FamilyMetadata>&)>;

  // `extra_labels` are added to every series that does not have them already.
  ScrapeTarget(core::Loop& loop, ScrapeConfig config, std::vector<core::Label> extra_labels,
               const core::Clock& clock, Sink sink);
  void Start();
  void SetMetadataSink(MetadataSink sink) { metadata_sink_ = std::move(sink); }
  // Marks every series stale and stops.
  void Stop();
  // Scrapes no more, but lets a scrape in flight finish and push what it got.
  void Pause() { timer_.Stop(); }
  // Stops for `next`, the same [scrape.NAME] as a reload changed it, which takes over what
  // this one pushed last: its first scrape marks stale only the series it no longer has, so
  // that a series both push goes on without a gap. Call with no scrape in flight (Pause, then
  // Stopped()), before next.Start().
  void HandOver(ScrapeTarget& next);
  bool Stopped() const { return !in_flight_; }

  // Builds one scrape's samples from a page: exposed for tests.
  std::vector<LabeledSample> Samples(const core::Result<core::HttpResponse>& response,
                                     int64_t start_ms, double duration_seconds);

 private:
  void Scrape();
  core::Labels TargetLabels(const core::Labels& page_labels) const;
  core::Labels WithExtras(core::LabelsBuilder builder) const;

  ScrapeConfig config_;
  std::vector<core::Label> extra_labels_;
  const core::Clock& clock_;
  Sink sink_;
  MetadataSink metadata_sink_;
  core::HttpClient client_;
  core::Timer timer_;
  std::string instance_;
  ScrapeReportSeries report_;
  StalenessTracker staleness_;
  bool in_flight_ = false;
  bool stopped_ = false;
  bool reported_ = false;  // the report series were written: they go stale at Stop
};

}  // namespace vigil::agent
