#include "server/rules/recording_rule.h"

#include <algorithm>

namespace vigil::rules {

core::Result<std::vector<RuleOutput>> RecordingRule::Eval(const EvalContext& ctx) {
  VIGIL_ASSIGN_OR_RETURN(promql::Vector vector,
                         QueryVector(*ctx.engine, *spec().parsed, ctx.query_ts_ms, ctx.deadline));
  std::vector<RuleOutput> out;
  out.reserve(vector.size());
  for (const promql::Sample& s : vector) {
    core::LabelsBuilder b(*s.metric);
    b.Set(core::kMetricNameLabel, spec().name);
    for (const core::Label& l : spec().labels) b.Set(l.name, l.value);
    VIGIL_ASSIGN_OR_RETURN(core::Labels labels, b.Build());
    out.push_back({std::move(labels), s.v});
  }
  std::sort(out.begin(), out.end(),
            [](const RuleOutput& a, const RuleOutput& b) { return a.labels < b.labels; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].labels == out[i - 1].labels) {
      return core::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying rule labels");
    }
  }
  if (ctx.limit > 0 && static_cast<int64_t>(out.size()) > ctx.limit) {
    return core::InvalidArgumentError("exceeded limit of " + std::to_string(ctx.limit) + " with " +
                                      std::to_string(out.size()) + " series");
  }
  return out;
}

}  // namespace vigil::rules
