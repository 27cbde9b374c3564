#include "server/self_scrape.h"

#include "core/exposition.h"
#include "core/log.h"

namespace vigil::server {

SelfScrape::SelfScrape(core::Loop& loop, const core::MetricsRegistry& metrics,
                       storage::Appendable& storage, std::vector<core::Label> target,
                       std::chrono::milliseconds interval, const core::Clock& clock)
    : loop_(loop),
      metrics_(metrics),
      storage_(storage),
      target_(std::move(target)),
      interval_(interval),
      clock_(clock),
      timer_(loop, [this] {
        if (running_) return;  // the one before is still appending: skip a turn
        running_ = true;
        const int64_t now = clock_.NowUnixMillis();
        core::QueueWork(
            loop_,
            [this, now] {
              core::Status s = ScrapeOnce(now);
              if (!s.ok())
                core::LogWarn("storing the server's own metrics failed", {{"err", s.message()}});
            },
            [this] { running_ = false; });
      }) {}

void SelfScrape::Start() {
  if (interval_.count() > 0) timer_.Start(interval_, interval_);
}

core::Status SelfScrape::ScrapeOnce(int64_t timestamp_ms) {
  VIGIL_ASSIGN_OR_RETURN(core::ParsedExposition page, core::ParseExposition(metrics_.Render()));
  std::vector<core::Labels> series;
  series.reserve(page.samples.size());
  for (const core::ParsedSample& s : page.samples) {
    core::LabelsBuilder b(s.labels);
    for (const core::Label& l : target_) b.Set(l.name, l.value);  // ours win, as honor_labels=false
    VIGIL_ASSIGN_OR_RETURN(core::Labels labels, b.Build());
    series.push_back(std::move(labels));
  }
  // The appender refers to the labels until Commit: `series` holds them till then.
  std::unique_ptr<storage::Appender> app = storage_.OpenAppender();
  for (size_t i = 0; i < series.size(); ++i) {
    const core::Sample sample{timestamp_ms, page.samples[i].value};
    (void)app->Add(series[i], {&sample, 1});  // a refused sample (out of order) alone is lost
  }
  return app->Commit().status();
}

}  // namespace vigil::server
