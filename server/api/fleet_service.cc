#include "server/api/fleet_service.h"

#include "server/api/fleet_api.h"

namespace vigil::server {
namespace {

FleetOptions OptionsOf(const FleetConfig& config) {
  FleetOptions o;
  o.stale_after = config.stale_after;
  return o;
}

}  // namespace

FleetService::FleetService(core::Loop& loop, const FleetConfig& config, Receiver& receiver,
                           storage::Appendable& storage, const core::Clock& clock,
                           core::MetricsRegistry& metrics)
    : clock_(clock),
      fleet_(std::make_shared<Fleet>(OptionsOf(config))),
      stale_up_(loop, *fleet_, storage, clock, config.write_stale_up) {
  receiver.SetFleet(fleet_.get(), &clock);
  metrics.AddCollector([fleet = fleet_, &clock](std::vector<core::MetricFamily>* out) {
    fleet->AppendMetrics(clock.NowUnixMillis(), out);
  });
  stale_up_.Start();
}

void FleetService::AddRoutes(core::HttpRouter& router,
                             const std::function<core::HttpHandler(core::HttpHandler)>& guard) {
  AddFleetRoutes(router, guard, *fleet_, clock_);
}

}  // namespace vigil::server
