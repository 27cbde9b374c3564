#pragma once
// The server's own /metrics, stored in its own storage every interval with job="vigil-server"
// and instance=the listen address, as a Prometheus scrapes itself: the rules that watch the
// server (writes refused, rule groups missing their interval, notifications dropped) and the
// console's graphs of it need no second system. Work runs on the thread pool: appending takes
// the storage's append lock, which a large remote-write request may hold.
#include <chrono>
#include <cstdint>

#include "core/clock.h"
#include "core/labels.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "server/storage/appender.h"

namespace vigil::server {

class SelfScrape {
 public:
  SelfScrape(core::Loop& loop, const core::MetricsRegistry& metrics, storage::Appendable& storage,
             std::vector<core::Label> target, std::chrono::milliseconds interval,
             const core::Clock& clock);
  void Start();
  void Stop() { timer_.Stop(); }
  bool Stopped() const { return !running_; }

  // One scrape at `timestamp_ms`: what the timer runs, on the pool. Exposed for tests.
  core::Status ScrapeOnce(int64_t timestamp_ms);

 private:
  core::Loop& loop_;
  const core::MetricsRegistry& metrics_;
  storage::Appendable& storage_;
  std::vector<core::Label> target_;
  std::chrono::milliseconds interval_;
  const core::Clock& clock_;
  core::Timer timer_;
  bool running_ = false;
};

}  // namespace vigil::server
