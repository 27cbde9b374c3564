#pragma once
// An alerting rule and its alerts' state machine, as Prometheus 2.42's (with 2.44's
// keep_firing_for): each series its expression answers is an alert, pending from the first
// evaluation that answers it and firing once it has been answered for `for`; an alert no
// longer answered is resolved (kept 15 minutes so Alertmanager hears it), unless it was firing
// and keep_firing_for holds it.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/rules/notifier.h"
#include "server/rules/rule.h"
#include "server/rules/template.h"

namespace vigil::rules {

// How long a resolved alert is kept and resent.
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

class AlertingRule final : public Rule {
 public:
  // `restored`: whether ALERTS series may be written yet (false until RestoreForState ran
  // after the server's start, as in Prometheus). Label and annotation templates must parse
  // (the rule file's loader checked them).
  AlertingRule(const RuleSpec& spec, bool restored);

  // Runs the expression and moves every alert's state; the ALERTS and ALERTS_FOR_STATE
  // samples of the pending and firing alerts once restored.
  core::Result<std::vector<RuleOutput>> Eval(const EvalContext& ctx) override;
  // The same, from a vector already queried: what Eval does after its query.
  core::Result<std::vector<RuleOutput>> Update(const promql::Vector& vector,
                                               const EvalContext& ctx);

  // The alerts to send at `ts_ms` (firing ones every resend_delay, resolved ones until they
  // are dropped), marked sent. endsAt of a firing alert: ts + 4 x max(resend_delay, interval).
  std::vector<NotifierAlert> AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms,
                                          int64_t interval_ms, const std::string& generator_url);

  // Pending and firing alerts, in label order.
  std::vector<Alert> ActiveAlerts() const;
  // Firing beats pending beats inactive.
  AlertState State() const;

  // The for-state restore after a restart: for each active alert, `last` is the newest
  // ALERTS_FOR_STATE sample within the outage tolerance (nullptr: none).
  using ForStateLookup = std::function<const core::Sample*(const core::Labels& for_state_series)>;
  void RestoreForState(int64_t ts_ms, int64_t for_grace_period_ms, const ForStateLookup& lookup);
  bool restored() const { return restored_; }
  void set_restored() { restored_ = true; }

  // A reload kept this rule: take over its alerts.
  void TakeAlertsFrom(AlertingRule& old) { active_ = std::move(old.active_); }

  // The ALERTS_FOR_STATE series of an alert.
  core::Labels ForStateSeries(const Alert& alert) const;

 private:
  core::Labels AlertSeries(const Alert& alert, std::string_view metric, bool with_state) const;

  std::vector<std::pair<std::string, std::shared_ptr<const Template>>> label_templates_;
  std::vector<std::pair<std::string, std::shared_ptr<const Template>>> annotation_templates_;
  bool restored_;
  std::map<core::Labels, Alert> active_;  // pending, firing and recently resolved
};

}  // namespace vigil::rules
