#include "agent/scrape.h"

#include "core/exposition.h"
#include "core/log.h"

namespace vigil::agent {

ScrapeTarget::ScrapeTarget(core::Loop& loop, ScrapeConfig config,
                           std::vector<core::Label> extra_labels, const core::Clock& clock,
                           Sink sink)
    : config_(std::move(config)),
      extra_labels_(std::move(extra_labels)),
      clock_(clock),
      sink_(std::move(sink)),
      client_(loop, {.timeout = config_.timeout, .user_agent = "vigil-agent"}),
      timer_(loop, [this] { Scrape(); }),
      instance_(config_.url.host.find(':') != std::string::npos
                    ? "[" + config_.url.host + "]:" + std::to_string(config_.url.port)
                    : config_.url.host + ":" + std::to_string(config_.url.port)),
      report_([this](std::string_view name) {
        core::LabelsBuilder b;
        b.Set(core::kMetricNameLabel, name).Set("job", config_.name).Set("instance", instance_);
        return WithExtras(std::move(b));
      }) {}

void ScrapeTarget::Start() {
  core::LogInfo("scraping", {{"job", config_.name},
                             {"url", config_.url.ToString()},
                             {"interval", core::FormatDuration(config_.interval)}});
  timer_.Start(std::chrono::milliseconds(0), config_.interval);
}

void ScrapeTarget::Stop() {
  stopped_ = true;
  timer_.Stop();
  std::vector<LabeledSample> stale;
  staleness_.StaleAll(clock_.NowUnixMillis(), &stale);
  if (reported_) report_.AppendStale(clock_.NowUnixMillis(), &stale);
  if (!stale.empty()) sink_(std::move(stale));
}

void ScrapeTarget::HandOver(ScrapeTarget& next) {
  stopped_ = true;
  timer_.Stop();
  next.staleness_ = std::move(staleness_);
  staleness_ = StalenessTracker();
  if (!reported_) return;
  // The report series are not tracked: the same ones go on, other ones go stale now.
  if (report_.SameSeries(next.report_)) {
    next.reported_ = true;
  } else {
    std::vector<LabeledSample> stale;
    report_.AppendStale(clock_.NowUnixMillis(), &stale);
    sink_(std::move(stale));
  }
  reported_ = false;
}

void ScrapeTarget::Scrape() {
  if (in_flight_ || stopped_) return;  // a scrape slower than the interval skips a turn
  in_flight_ = true;
  const int64_t start_ms = clock_.NowUnixMillis();
  const auto start = std::chrono::steady_clock::now();
  core::HttpRequest request;
  request.method = "GET";
  request.headers.Add("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
  request.headers.Add("X-Prometheus-Scrape-Timeout-Seconds",
                      std::to_string(std::chrono::duration<double>(config_.timeout).count()));
  client_.Send(
      config_.url, std::move(request), [this, start_ms, start](core::Result<core::HttpResponse> r) {
        in_flight_ = false;
        if (stopped_) return;
        const double duration =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        sink_(Samples(r, start_ms, duration));
      });
}

core::Labels ScrapeTarget::WithExtras(core::LabelsBuilder builder) const {
  for (const core::Label& l : extra_labels_) {
    if (builder.Get(l.name).empty()) builder.Set(l.name, l.value);
  }
  auto built = builder.Build();
  return built.ok() ? std::move(built).value() : core::Labels();
}

core::Labels ScrapeTarget::TargetLabels(const core::Labels& page) const {
  core::LabelsBuilder b(page);
  const std::pair<std::string_view, std::string_view> target[] = {{"job", config_.name},
                                                                  {"instance", instance_}};
  for (const auto& [name, value] : target) {
    std::string_view theirs = page.Get(name);
    if (config_.honor_labels && !theirs.empty()) continue;
    if (!theirs.empty()) {
      // Prometheus keeps the page's value under exported_<name> (exported_exported_<name> if
      // that is taken too).
      std::string exported = "exported_" + std::string(name);
      while (!b.Get(exported).empty()) exported = "exported_" + exported;
      b.Set(exported, theirs);
    }
    b.Set(name, value);
  }
  return WithExtras(std::move(b));
}

std::vector<LabeledSample> ScrapeTarget::Samples(const core::Result<core::HttpResponse>& response,
                                                 int64_t start_ms, double duration_seconds) {
  std::vector<LabeledSample> out;
  StalenessTracker::Seen seen;
  bool up = false;
  std::string why;
  if (!response.ok()) {
    why = response.status().message();
  } else if (response->status != 200) {
    why = "HTTP " + std::to_string(response->status);
  } else {
    auto page = core::ParseExposition(response->body);
    if (!page.ok()) {
      why = page.status().message();
    } else {
      up = true;
      if (metadata_sink_ && !page->metadata.empty()) metadata_sink_(page->metadata);
      for (const core::ParsedSample& s : page->samples) {
        auto labels = std::make_shared<const core::Labels>(TargetLabels(s.labels));
        if (labels->empty()) continue;
        // A series a page lists twice keeps its first sample, as Prometheus's scrape does.
        if (!seen.insert(labels).second) continue;
        out.push_back({std::move(labels), s.timestamp_ms.value_or(start_ms), s.value});
      }
    }
  }
  if (!up) {
    core::LogWarn("scrape failed",
                  {{"job", config_.name}, {"url", config_.url.ToString()}, {"err", why}});
    out.clear();
    seen.clear();
  }
  ScrapeReport report;
  report.up = up;
  report.duration_seconds = duration_seconds;
  report.samples = out.size();
  report.series_added = staleness_.Next(std::move(seen), start_ms, &out);
  report_.Append(report, start_ms, &out);
  reported_ = true;
  return out;
}

}  // namespace vigil::agent
