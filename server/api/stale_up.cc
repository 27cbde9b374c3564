#include "server/api/stale_up.h"

#include <algorithm>
#include <memory>

#include "core/log.h"

namespace vigil::server {

StaleUpWriter::StaleUpWriter(core::Loop& loop, Fleet& fleet, storage::Appendable& storage,
                             const core::Clock& clock, bool write)
    : loop_(loop),
      fleet_(fleet),
      storage_(storage),
      clock_(clock),
      write_(write),
      interval_(std::clamp<std::chrono::milliseconds>(
          fleet.options().stale_after / 4, std::chrono::seconds(1), std::chrono::seconds(15))),
      timer_(loop, [this] { Tick(); }) {}

void StaleUpWriter::Start() { timer_.Start(interval_, interval_); }

void StaleUpWriter::Stop() { timer_.Stop(); }

void StaleUpWriter::Tick() {
  const int64_t now_ms = clock_.NowUnixMillis();
  std::vector<core::Labels> series = fleet_.StaleUpSeries(now_ms);
  if (!write_ || series.empty() || writing_) return;
  writing_ = true;
  auto todo = std::make_shared<std::vector<core::Labels>>(std::move(series));
  core::QueueWork(
      loop_,
      [this, todo, now_ms] {
        std::unique_ptr<storage::Appender> batch = storage_.OpenAppender();
        const core::Sample zero{now_ms, 0};
        for (const core::Labels& labels : *todo) {
          // A series that cannot take it (a newer sample came in meanwhile) is left alone.
          (void)batch->Add(labels, std::span(&zero, 1));
        }
        core::Result<storage::AppendResult> stored = batch->Commit();
        if (!stored.ok()) {
          core::LogWarn("up 0 for stale senders not written", {{"err", stored.status().message()}});
        }
      },
      [this] { writing_ = false; });
}

}  // namespace vigil::server
