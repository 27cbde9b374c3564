#pragma once
// `up 0` for pushing nodes that went quiet: what a pull-based Prometheus writes when a scrape
// fails, so `up == 0` alerts and dashboards work unchanged in push mode. Every tick, the `up`
// series of each stale node in the fleet get a 0 at the tick's time, until the node pushes
// again or is forgotten. The appends run on the thread pool.
#include <chrono>

#include "core/clock.h"
#include "core/uv.h"
#include "server/api/fleet.h"
#include "server/storage/appender.h"

namespace vigil::server {

class StaleUpWriter {
 public:
  // `write` off: the fleet is still looked at every tick, so forgotten rows leave /metrics.
  StaleUpWriter(core::Loop& loop, Fleet& fleet, storage::Appendable& storage,
                const core::Clock& clock, bool write);
  StaleUpWriter(const StaleUpWriter&) = delete;
  StaleUpWriter& operator=(const StaleUpWriter&) = delete;

  void Start();
  void Stop();
  bool Stopped() const { return !writing_; }
  // One tick now: what the timer does.
  void Tick();
  // A quarter of stale_after, between 1s and 15s: a stale node's `up 0` is written about as
  // often as a scrape would have been.
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  core::Loop& loop_;
  Fleet& fleet_;
  storage::Appendable& storage_;
  const core::Clock& clock_;
  const bool write_;
  const std::chrono::milliseconds interval_;
  core::Timer timer_;
  bool writing_ = false;  // an append is on the pool
};

}  // namespace vigil::server
