#include "server/api/rules_api.h"

#include <charconv>
#include <cmath>

#include "core/clock.h"
#include "core/number.h"
#include "server/api/json.h"

namespace vigil::server {
namespace {

using rules::Alert;
using rules::GroupStatus;
using rules::RuleSpec;
using rules::RuleStatus;

// A time as Go's encoding/json writes a time.Time (RFC 3339, the fraction without trailing
// zeros); never evaluated is Go's zero time.
void AppendTime(std::string* out, int64_t ms) {
  if (ms == 0) {
    out->append("\"0001-01-01T00:00:00Z\"");
    return;
  }
  std::string t = core::FormatRfc3339Millis(ms);  // ...:20.500Z
  size_t dot = t.find('.');
  size_t end = t.size() - 1;  // the Z
  size_t last = end;
  while (last > dot + 1 && t[last - 1] == '0') --last;
  if (last == dot + 1) last = dot;
  t = t.substr(0, last) + "Z";
  AppendJsonString(out, t);
}

// Go's strconv.FormatFloat(v, 'e', -1, 64), as Prometheus writes an alert's value.
void AppendFloatE(std::string* out, double v) {
  if (std::isnan(v)) return AppendJsonString(out, "NaN");
  if (std::isinf(v)) return AppendJsonString(out, v > 0 ? "+Inf" : "-Inf");
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  AppendJsonString(out, std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

void AppendPairs(std::string* out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  out->push_back('{');
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, pairs[i].first);
    out->push_back(':');
    AppendJsonString(out, pairs[i].second);
  }
  out->push_back('}');
}

void AppendAlert(std::string* out, const Alert& a) {
  out->append("{\"labels\":");
  AppendJsonLabels(out, a.labels);
  out->append(",\"annotations\":");
  AppendPairs(out, a.annotations);
  out->append(",\"state\":");
  AppendJsonString(out, rules::AlertStateName(a.state));
  out->append(",\"activeAt\":");
  AppendTime(out, a.active_at_ms);
  if (a.keep_firing_since_ms != 0) {
    out->append(",\"keepFiringSince\":");
    AppendTime(out, a.keep_firing_since_ms);
  }
  out->append(",\"value\":");
  AppendFloatE(out, a.value);
  out->push_back('}');
}

void AppendSeconds(std::string* out, double seconds) { core::AppendFloatF(out, seconds); }

void AppendRule(std::string* out, const RuleStatus& r) {
  const RuleSpec& spec = *r.spec;
  const bool alerting = spec.kind == RuleSpec::Kind::kAlerting;
  out->push_back('{');
  if (alerting) {
    out->append("\"state\":");
    AppendJsonString(out, rules::AlertStateName(r.state));
    out->push_back(',');
  }
  out->append("\"name\":");
  AppendJsonString(out, spec.name);
  out->append(",\"query\":");
  AppendJsonString(out, spec.parsed ? spec.parsed->String() : spec.expr);
  if (alerting) {
    out->append(",\"duration\":");
    AppendSeconds(out, spec.for_duration.count() / 1000.0);
    out->append(",\"keepFiringFor\":");
    AppendSeconds(out, spec.keep_firing_for.count() / 1000.0);
  }
  out->append(",\"labels\":");
  AppendJsonLabels(out, spec.labels);
  if (alerting) {
    out->append(",\"annotations\":");
    AppendPairs(out, spec.annotations);
    out->append(",\"alerts\":[");
    for (size_t i = 0; i < r.alerts.size(); ++i) {
      if (i) out->push_back(',');
      AppendAlert(out, r.alerts[i]);
    }
    out->push_back(']');
  }
  out->append(",\"health\":");
  AppendJsonString(out, rules::RuleHealthName(r.health));
  if (!r.last_error.empty()) {
    out->append(",\"lastError\":");
    AppendJsonString(out, r.last_error);
  }
  out->append(",\"evaluationTime\":");
  AppendSeconds(out, r.evaluation_seconds);
  out->append(",\"lastEvaluation\":");
  AppendTime(out, r.last_evaluation_ms);
  out->append(alerting ? ",\"type\":\"alerting\"}" : ",\"type\":\"recording\"}");
}

void AppendGroup(std::string* out, const GroupStatus& g, bool alerts, bool records) {
  out->append("{\"name\":");
  AppendJsonString(out, g.spec->name);
  out->append(",\"file\":");
  AppendJsonString(out, g.spec->file);
  out->append(",\"rules\":[");
  bool first = true;
  for (const RuleStatus& r : g.rules) {
    const bool alerting = r.spec->kind == RuleSpec::Kind::kAlerting;
    if (alerting ? !alerts : !records) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendRule(out, r);
  }
  out->append("],\"interval\":");
  AppendSeconds(out, g.interval_ms / 1000.0);
  out->append(",\"limit\":");
  out->append(std::to_string(g.spec->limit));
  out->append(",\"evaluationTime\":");
  AppendSeconds(out, g.evaluation_seconds);
  out->append(",\"lastEvaluation\":");
  AppendTime(out, g.last_evaluation_ms);
  out->push_back('}');
}

}  // namespace

void AddRulesRoutes(core::HttpRouter& router,
                    const std::function<core::HttpHandler(core::HttpHandler)>& guard,
                    const rules::RuleManager& manager, const rules::Notifier& notifier) {
  router.Handle("/api/v1/rules", {"GET"},
                guard([&manager](const core::HttpRequest& r, core::HttpResponder w) {
                  std::vector<std::pair<std::string, std::string>> form;
                  if (!core::RequestForm(r, &form))
                    return w.Send(ApiError("bad_data", "error parsing form values"));
                  std::string type;
                  for (const auto& [k, v] : form) {
                    if (k == "type") type = v;
                  }
                  if (!type.empty() && type != "alert" && type != "record") {
                    return w.Send(ApiError("bad_data", "unsupported type " + type));
                  }
                  const bool alerts = type != "record";
                  const bool records = type != "alert";
                  auto groups = manager.Statuses();
                  w.Send(ApiSuccess([&](std::string* body) {
                    body->append("{\"groups\":[");
                    bool first = true;
                    for (const auto& g : groups) {
                      if (!first) body->push_back(',');
                      first = false;
                      AppendGroup(body, *g, alerts, records);
                    }
                    body->append("]}");
                  }));
                }));
  router.Handle("/api/v1/alertmanagers", {"GET"},
                guard([&notifier](const core::HttpRequest&, core::HttpResponder w) {
                  std::string data = "{\"activeAlertmanagers\":[";
                  bool first = true;
                  for (const std::string& url : notifier.Endpoints()) {
                    if (!first) data.push_back(',');
                    first = false;
                    data += "{\"url\":";
                    AppendJsonString(&data, url);
                    data.push_back('}');
                  }
                  w.Send(ApiSuccess(data + "],\"droppedAlertmanagers\":[]}"));
                }));
  router.Handle("/api/v1/alerts", {"GET"},
                guard([&manager](const core::HttpRequest&, core::HttpResponder w) {
                  auto groups = manager.Statuses();
                  w.Send(ApiSuccess([&](std::string* body) {
                    body->append("{\"alerts\":[");
                    bool first = true;
                    for (const auto& g : groups) {
                      for (const RuleStatus& r : g->rules) {
                        for (const Alert& a : r.alerts) {
                          if (!first) body->push_back(',');
                          first = false;
                          AppendAlert(body, a);
                        }
                      }
                    }
                    body->append("]}");
                  }));
                }));
}

}  // namespace vigil::server
