#include "server/rules/rule.h"

#include "server/promql/parser.h"

namespace vigil::rules {

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "inactive";
}

std::string_view RuleHealthName(RuleHealth health) {
  switch (health) {
    case RuleHealth::kUnknown:
      return "unknown";
    case RuleHealth::kGood:
      return "ok";
    case RuleHealth::kBad:
      return "err";
  }
  return "unknown";
}

core::Result<promql::Vector> QueryVector(const promql::Engine& engine, const promql::Expr& expr,
                                         int64_t ts_ms, promql::Deadline deadline) {
  VIGIL_ASSIGN_OR_RETURN(promql::QueryResult result, engine.InstantQuery(expr, ts_ms, deadline));
  switch (result.type) {
    case promql::ValueType::kVector:
      return std::move(result.vector);
    case promql::ValueType::kScalar: {
      promql::Vector v;
      v.push_back({std::make_shared<const core::Labels>(), result.scalar, ts_ms});
      return v;
    }
    default:
      return core::InvalidArgumentError("rule result is not a vector or scalar");
  }
}

TemplateQueryFunc TemplateQuery(const promql::Engine& engine, int64_t ts_ms,
                                promql::Deadline deadline) {
  return
      [&engine, ts_ms, deadline](std::string_view text) -> core::Result<std::vector<QuerySample>> {
        VIGIL_ASSIGN_OR_RETURN(promql::ExprPtr expr, promql::ParseExpr(text));
        VIGIL_ASSIGN_OR_RETURN(promql::Vector vector, QueryVector(engine, *expr, ts_ms, deadline));
        std::vector<QuerySample> out;
        out.reserve(vector.size());
        for (promql::Sample& s : vector) out.push_back({*s.metric, s.v});
        return out;
      };
}

}  // namespace vigil::rules
