#pragma once
// One alert as Alertmanager's API v2 takes it in POST /api/v2/alerts (its postableAlert):
//   {"labels":{...},"annotations":{...},"startsAt":"2023-11-14T22:13:20.000Z",
//    "endsAt":"...","generatorURL":"..."}
// Times are RFC 3339 in UTC with milliseconds, as Prometheus's notifier writes them.
#include <string>

#include "server/rules/notifier.h"

namespace vigil::rules {

// Appends the alert's JSON object. A time of 0 (or before 1970) and an empty generator URL are
// left out; Alertmanager then takes startsAt as the time it received the alert and endsAt as
// its resolve_timeout later.
void AppendPostableAlert(std::string* out, const NotifierAlert& alert);

}  // namespace vigil::rules
