#pragma once
// /api/v1/rules and /api/v1/alerts in Prometheus 2.42's shapes (Grafana reads both), from the
// groups' last evaluations; /api/v1/alertmanagers from the notifier.
#include <functional>

#include "core/http_router.h"
#include "server/rules/manager.h"
#include "server/rules/notifier.h"

namespace vigil::server {

void AddRulesRoutes(core::HttpRouter& router,
                    const std::function<core::HttpHandler(core::HttpHandler)>& guard,
                    const rules::RuleManager& manager, const rules::Notifier& notifier);

}  // namespace vigil::server
