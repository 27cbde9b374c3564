#pragma once
// The fleet view's parts, wired: the bookkeeping the receiver feeds, GET /api/v1/fleet, the
// per-sender series on /metrics and the `up 0` writer for stale nodes. The server holds one.
#include <functional>
#include <memory>

#include "core/clock.h"
#include "core/http_router.h"
#include "core/metrics.h"
#include "core/uv.h"
#include "server/api/fleet.h"
#include "server/api/receiver.h"
#include "server/api/stale_up.h"
#include "server/storage/appender.h"

namespace vigil::server {

// server.ini's [fleet].
struct FleetConfig {
  // A node that sent nothing for this long is stale (stale_after).
  std::chrono::milliseconds stale_after{120'000};
  // The server writes `up 0` for stale nodes that push `up` (write_stale_up).
  bool write_stale_up = true;
};

class FleetService {
 public:
  // `receiver`, `storage`, `clock` and `metrics` outlive this.
  FleetService(core::Loop& loop, const FleetConfig& config, Receiver& receiver,
               storage::Appendable& storage, const core::Clock& clock,
               core::MetricsRegistry& metrics);
  FleetService(const FleetService&) = delete;
  FleetService& operator=(const FleetService&) = delete;

  void AddRoutes(core::HttpRouter& router,
                 const std::function<core::HttpHandler(core::HttpHandler)>& guard);
  void Stop() { stale_up_.Stop(); }
  bool Stopped() const { return stale_up_.Stopped(); }
  Fleet& fleet() { return *fleet_; }

 private:
  const core::Clock& clock_;
  // shared_ptr: the /metrics collector, kept by the registry, holds it too.
  std::shared_ptr<Fleet> fleet_;
  StaleUpWriter stale_up_;
};

}  // namespace vigil::server
