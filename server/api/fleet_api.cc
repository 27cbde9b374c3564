#include "server/api/fleet_api.h"

#include <cmath>

#include "core/number.h"
#include "server/api/json.h"

namespace vigil::server {
namespace {

void AppendNumber(std::string* out, double v) {
  // JSON has no NaN or infinity: a figure that is not a number is written null.
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  out->append(core::FormatFloatG(v));
}

void AppendSeconds(std::string* out, int64_t ms) {
  if (ms == 0) {
    out->append("null");
    return;
  }
  AppendJsonTimestamp(out, ms);
}

void AppendField(std::string* out, std::string_view name) {
  if (out->back() != '{') out->push_back(',');
  AppendJsonString(out, name);
  out->push_back(':');
}

void AppendNode(std::string* out, const FleetNode& n) {
  out->push_back('{');
  auto text = [&](std::string_view name, std::string_view v) {
    AppendField(out, name);
    AppendJsonString(out, v);
  };
  auto number = [&](std::string_view name, double v) {
    AppendField(out, name);
    AppendNumber(out, v);
  };
  text("job", n.job);
  text("instance", n.instance);
  text("kind", n.kind);
  text("version", n.version);
  text("arch", n.arch);
  text("remoteAddress", n.remote_address);
  text("userAgent", n.user_agent);
  AppendField(out, "firstSeen");
  AppendSeconds(out, n.first_seen_ms);
  AppendField(out, "lastSeen");
  AppendSeconds(out, n.last_seen_ms);
  AppendField(out, "stale");
  out->append(n.stale ? "true" : "false");
  number("requests", static_cast<double>(n.requests));
  number("samples", static_cast<double>(n.samples));
  number("requestsPerSecond", n.requests_per_second);
  number("samplesPerSecond", n.samples_per_second);
  number("refused", static_cast<double>(n.refused));
  AppendField(out, "lastRefused");
  if (n.last_refused_ms == 0) {
    out->append("null");
  } else {
    out->append("{\"time\":");
    AppendJsonTimestamp(out, n.last_refused_ms);
    out->append(",\"status\":" + std::to_string(n.last_refused_status) + ",\"reason\":");
    AppendJsonString(out, n.last_refused_reason);
    out->push_back('}');
  }
  AppendField(out, "newestSample");
  AppendSeconds(out, n.newest_sample_ms);
  AppendField(out, "lagSeconds");
  if (n.newest_sample_ms == 0) {
    out->append("null");
  } else {
    AppendNumber(out, static_cast<double>(n.lag_ms) / 1000);
  }
  AppendField(out, "pushesUp");
  out->append(n.up.empty() ? "false" : "true");
  AppendField(out, "backlog");
  out->push_back('[');
  for (size_t i = 0; i < n.self.size(); ++i) {
    const SelfFigure& f = n.self[i];
    if (i > 0) out->push_back(',');
    out->append("{\"name\":");
    AppendJsonString(out, f.name);
    out->append(",\"destination\":");
    AppendJsonString(out, f.destination);
    out->append(",\"reason\":");
    AppendJsonString(out, f.reason);
    out->append(",\"value\":");
    AppendNumber(out, f.value);
    out->push_back('}');
  }
  out->append("]}");
}

}  // namespace

std::string FleetJson(const std::vector<FleetNode>& nodes, const FleetOptions& options,
                      int64_t now_ms) {
  std::string out = "{\"now\":";
  AppendJsonTimestamp(&out, now_ms);
  out.append(",\"staleAfterSeconds\":");
  AppendNumber(&out, static_cast<double>(options.stale_after.count()) / 1000);
  out.append(",\"senders\":[");
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendNode(&out, nodes[i]);
  }
  out.append("]}");
  return out;
}

void AddFleetRoutes(core::HttpRouter& router,
                    const std::function<core::HttpHandler(core::HttpHandler)>& guard, Fleet& fleet,
                    const core::Clock& clock) {
  router.Handle("/api/v1/fleet", {"GET"},
                guard([&fleet, &clock](const core::HttpRequest&, core::HttpResponder responder) {
                  const int64_t now = clock.NowUnixMillis();
                  responder.Send(ApiSuccess(FleetJson(fleet.Snapshot(now), fleet.options(), now)));
                }));
}

}  // namespace vigil::server
