#include "server/rules/postable_alert.h"

#include "core/clock.h"
#include "core/json_writer.h"

namespace vigil::rules {
namespace {

void AppendTime(std::string* out, std::string_view key, int64_t unix_ms) {
  if (unix_ms <= 0) return;
  out->push_back(',');
  core::AppendJsonString(out, key);
  out->push_back(':');
  core::AppendJsonString(out, core::FormatRfc3339Millis(unix_ms));
}

}  // namespace

void AppendPostableAlert(std::string* out, const NotifierAlert& alert) {
  out->append("{\"labels\":");
  core::AppendJsonLabels(out, alert.labels);
  out->append(",\"annotations\":{");
  bool first = true;
  for (const auto& [name, value] : alert.annotations) {
    if (!first) out->push_back(',');
    first = false;
    core::AppendJsonString(out, name);
    out->push_back(':');
    core::AppendJsonString(out, value);
  }
  out->push_back('}');
  AppendTime(out, "startsAt", alert.starts_at_ms);
  AppendTime(out, "endsAt", alert.ends_at_ms);
  if (!alert.generator_url.empty()) {
    out->append(",\"generatorURL\":");
    core::AppendJsonString(out, alert.generator_url);
  }
  out->push_back('}');
}

}  // namespace vigil::rules
