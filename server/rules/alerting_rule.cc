#include "server/rules/alerting_rule.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace vigil::rules {
namespace {

constexpr std::string_view kAlertMetric = "ALERTS";
constexpr std::string_view kForStateMetric = "ALERTS_FOR_STATE";
constexpr std::string_view kAlertNameLabel = "alertname";
constexpr std::string_view kAlertStateLabel = "alertstate";

std::shared_ptr<const Template> MustParse(const std::string& rule, const std::string& text) {
  auto t = Template::Parse("__alert_" + rule, text);
  // The loader parsed every template of the file before any rule was made from it.
  assert(t.ok());
  return t.ok() ? *t : nullptr;
}

}  // namespace

AlertingRule::AlertingRule(const RuleSpec& spec, bool restored) : Rule(spec), restored_(restored) {
  for (const core::Label& l : spec.labels)
    label_templates_.emplace_back(l.name, MustParse(spec.name, l.value));
  for (const auto& [name, text] : spec.annotations) {
    annotation_templates_.emplace_back(name, MustParse(spec.name, text));
  }
}

core::Result<std::vector<RuleOutput>> AlertingRule::Eval(const EvalContext& ctx) {
  VIGIL_ASSIGN_OR_RETURN(promql::Vector vector,
                         QueryVector(*ctx.engine, *spec().parsed, ctx.query_ts_ms, ctx.deadline));
  return Update(vector, ctx);
}

core::Result<std::vector<RuleOutput>> AlertingRule::Update(const promql::Vector& vector,
                                                           const EvalContext& ctx) {
  const int64_t ts = ctx.ts_ms;
  TemplateData data;
  if (ctx.external_labels) data.external_labels = *ctx.external_labels;
  if (ctx.external_url) data.external_url = *ctx.external_url;
  if (ctx.engine) data.query = TemplateQuery(*ctx.engine, ts, ctx.deadline);

  // What this evaluation answers, by the alert's labels.
  std::map<core::Labels, Alert> answered;
  for (const promql::Sample& s : vector) {
    data.labels = *s.metric;
    data.value = s.v;
    core::LabelsBuilder b(*s.metric);
    b.Del(core::kMetricNameLabel);
    for (const auto& [name, t] : label_templates_) b.Set(name, t ? ExpandOrError(*t, data) : "");
    b.Set(kAlertNameLabel, spec().name);
    VIGIL_ASSIGN_OR_RETURN(core::Labels labels, b.Build());
    Alert a;
    for (const auto& [name, t] : annotation_templates_) {
      a.annotations.emplace_back(name, t ? ExpandOrError(*t, data) : "");
    }
    a.labels = labels;
    a.state = AlertState::kPending;
    a.value = s.v;
    a.active_at_ms = ts;
    if (!answered.emplace(std::move(labels), std::move(a)).second) {
      return core::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }

  for (auto& [labels, a] : answered) {
    auto it = active_.find(labels);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = std::move(a.annotations);
      continue;
    }
    active_[labels] = std::move(a);
  }

  std::vector<RuleOutput> out;
  int64_t active_count = 0;
  const int64_t hold = spec().for_duration.count();
  const int64_t keep_firing_for = spec().keep_firing_for.count();
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!answered.count(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && keep_firing_for > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = ts;
        keep_firing = ts - a.keep_firing_since_ms < keep_firing_for;
      }
      if (!keep_firing) {
        // A pending alert just ends; a firing one is resolved and kept a while, so that
        // Alertmanager is told; a resolved one goes once that while is over.
        if (a.state == AlertState::kPending ||
            (a.resolved_at_ms != 0 && ts - a.resolved_at_ms > kResolvedRetentionMs)) {
          it = active_.erase(it);
          continue;
        }
        if (a.state != AlertState::kInactive) {
          a.state = AlertState::kInactive;
          a.resolved_at_ms = ts;
        }
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++active_count;
    if (a.state == AlertState::kPending && ts - a.active_at_ms >= hold) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts;
    }
    if (restored_) {
      out.push_back({AlertSeries(a, kAlertMetric, true), 1});
      out.push_back({AlertSeries(a, kForStateMetric, false), std::floor(a.active_at_ms / 1000.0)});
    }
    ++it;
  }
  if (ctx.limit > 0 && active_count > ctx.limit) {
    active_.clear();
    return core::InvalidArgumentError("exceeded limit of " + std::to_string(ctx.limit) + " with " +
                                      std::to_string(active_count) + " alerts");
  }
  return out;
}

core::Labels AlertingRule::AlertSeries(const Alert& alert, std::string_view metric,
                                       bool with_state) const {
  // The rule's labels as written first, as Prometheus does: a label whose template expanded to
  // nothing keeps its text here.
  core::LabelsBuilder b;
  for (const core::Label& l : spec().labels) b.Set(l.name, l.value);
  for (const core::Label& l : alert.labels) b.Set(l.name, l.value);
  b.Set(core::kMetricNameLabel, metric);
  b.Set(kAlertNameLabel, spec().name);
  if (with_state) b.Set(kAlertStateLabel, AlertStateName(alert.state));
  core::Result<core::Labels> labels = b.Build();
  return labels.ok() ? *labels : alert.labels;
}

core::Labels AlertingRule::ForStateSeries(const Alert& alert) const {
  return AlertSeries(alert, kForStateMetric, false);
}

std::vector<NotifierAlert> AlertingRule::AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms,
                                                      int64_t interval_ms,
                                                      const std::string& generator_url) {
  std::vector<NotifierAlert> out;
  for (auto& [labels, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    const bool resolved_since_sent = a.resolved_at_ms > a.last_sent_at_ms;
    if (!resolved_since_sent && a.last_sent_at_ms + resend_delay_ms >= ts_ms) continue;
    a.last_sent_at_ms = ts_ms;
    // Two evaluations or two sends may fail before Alertmanager times the alert out itself.
    a.valid_until_ms = ts_ms + 4 * std::max(resend_delay_ms, interval_ms);
    NotifierAlert n;
    n.labels = a.labels;
    n.annotations = a.annotations;
    n.starts_at_ms = a.fired_at_ms;
    n.ends_at_ms = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms;
    n.generator_url = generator_url;
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::vector<Alert> out;
  for (const auto& [labels, a] : active_) {
    if (a.state != AlertState::kInactive) out.push_back(a);
  }
  return out;
}

AlertState AlertingRule::State() const {
  AlertState s = AlertState::kInactive;
  for (const auto& [labels, a] : active_) s = std::max(s, a.state);
  return s;
}

void AlertingRule::RestoreForState(int64_t ts_ms, int64_t for_grace_period_ms,
                                   const ForStateLookup& lookup) {
  const int64_t hold = spec().for_duration.count();
  for (auto& [labels, a] : active_) {
    const core::Sample* last = lookup(ForStateSeries(a));
    if (last == nullptr || core::IsStaleNaN(last->value)) continue;  // it was not active
    // Prometheus keeps both in whole seconds.
    const int64_t down_at = last->timestamp_ms / 1000 * 1000;
    int64_t active_at = static_cast<int64_t>(last->value) * 1000;
    const int64_t remaining = hold - (down_at - active_at);
    if (remaining <= 0) {
      // It was firing when the server went down: it fires again at the next evaluation if it
      // is still answered. Prometheus skips rules whose `for` is shorter than the grace period
      // and so sends such an alert back to pending (prometheus#15175); here it keeps firing.
    } else if (hold < for_grace_period_ms) {
      continue;  // pending for less than the grace period anyway: it starts again
    } else if (remaining < for_grace_period_ms) {
      // It would fire sooner than the grace period after the restart: fire at its end.
      active_at = ts_ms + for_grace_period_ms - hold;
    } else {
      // The time the server was down does not count as pending.
      active_at += ts_ms - down_at;
    }
    a.active_at_ms = active_at;
  }
  restored_ = true;
}

}  // namespace vigil::rules
