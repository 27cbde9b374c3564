#pragma once
// GET /api/v1/fleet: the fleet's rows in the API's envelope, for the console's /fleet page:
//   {"status":"success","data":{"now":S,"staleAfterSeconds":S,"senders":[{...}]}}
// Times are Unix seconds with milliseconds, durations seconds; see FleetNode for each field.
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/http_router.h"
#include "server/api/fleet.h"

namespace vigil::server {

// The answer's data object.
std::string FleetJson(const std::vector<FleetNode>& nodes, const FleetOptions& options,
                      int64_t now_ms);

void AddFleetRoutes(core::HttpRouter& router,
                    const std::function<core::HttpHandler(core::HttpHandler)>& guard, Fleet& fleet,
                    const core::Clock& clock);

}  // namespace vigil::server
