#pragma once
// An alert of an alerting rule and the state it moves through, as Prometheus 2.42's rules
// package keeps it: inactive -> pending (the expression answers) -> firing (after `for`) ->
// inactive (resolved; kept 15 minutes so that Alertmanager hears it resolved).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/labels.h"

namespace vigil::rules {

enum class AlertState { kInactive, kPending, kFiring };
// "inactive", "pending", "firing": the ALERTS series' alertstate and the API's state.
std::string_view AlertStateName(AlertState state);

using Annotations = std::vector<std::pair<std::string, std::string>>;  // sorted by name

struct Alert {
  core::Labels labels;  // the series' labels without __name__, the rule's labels, alertname
  Annotations annotations;
  AlertState state = AlertState::kInactive;
  double value = 0;
  // Unix milliseconds; 0 when it has not happened.
  int64_t active_at_ms = 0;  // first evaluation that answered it (restored after a restart)
  int64_t fired_at_ms = 0;
  int64_t resolved_at_ms = 0;
  int64_t last_sent_at_ms = 0;
  int64_t valid_until_ms = 0;  // endsAt sent with a firing alert
  int64_t keep_firing_since_ms = 0;
};

enum class RuleHealth { kUnknown, kGood, kBad };
// "unknown", "ok", "err": the API's health.
std::string_view RuleHealthName(RuleHealth health);

}  // namespace vigil::rules
