#include "server/promql/engine.h"

#include "server/promql/evaluator.h"

namespace vigil::promql {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void Finish(const Evaluator& ev, std::chrono::steady_clock::time_point start,
            std::chrono::steady_clock::time_point prepared, QueryResult* out) {
  out->stats.preparation_seconds = std::chrono::duration<double>(prepared - start).count();
  out->stats.evaluation_seconds = SecondsSince(prepared);
  out->stats.total_queryable_samples = ev.loaded_samples();
  out->stats.peak_samples = ev.samples();
}

}  // namespace

Deadline Engine::DeadlineFromNow(std::optional<std::chrono::milliseconds> timeout) const {
  return std::chrono::steady_clock::now() +
         (timeout ? std::min(*timeout, options_.timeout) : options_.timeout);
}

core::Result<QueryResult> Engine::InstantQuery(const Expr& expr, int64_t time_ms,
                                               Deadline deadline) const {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<storage::Querier> querier = storage_.OpenQuerier();
  Evaluator ev(*querier, options_, time_ms, time_ms, deadline);
  VIGIL_RETURN_IF_ERROR(ev.Prepare(expr));
  const auto prepared = std::chrono::steady_clock::now();
  VIGIL_ASSIGN_OR_RETURN(Value v, ev.Eval(expr, time_ms));
  QueryResult out;
  out.type = v.type;
  out.time = time_ms;
  switch (v.type) {
    case ValueType::kScalar:
      out.scalar = v.scalar;
      break;
    case ValueType::kString:
      out.string = std::move(v.string);
      break;
    case ValueType::kVector:
      out.vector = std::move(v.vector);
      for (Sample& s : out.vector) s.t = time_ms;
      break;
    case ValueType::kMatrix:
      for (const RangeSeries& s : v.range)
        out.matrix.push_back({s.metric, {s.points.begin(), s.points.end()}});
      break;
  }
  Finish(ev, start, prepared, &out);
  return out;
}

core::Result<QueryResult> Engine::RangeQuery(const Expr& expr, int64_t start_ms, int64_t end_ms,
                                             int64_t step_ms, Deadline deadline) const {
  if (expr.type() != ValueType::kScalar && expr.type() != ValueType::kVector) {
    return core::InvalidArgumentError(std::string("invalid expression type \"") +
                                      ValueTypeDescription(expr.type()) +
                                      "\" for range query, must be Scalar or instant Vector");
  }
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<storage::Querier> querier = storage_.OpenQuerier();
  Evaluator ev(*querier, options_, start_ms, end_ms, deadline);
  VIGIL_RETURN_IF_ERROR(ev.Prepare(expr));
  const auto prepared = std::chrono::steady_clock::now();
  QueryResult out;
  out.type = ValueType::kMatrix;
  VIGIL_ASSIGN_OR_RETURN(out.matrix, ev.RangeEval(expr, start_ms, end_ms, step_ms, true));
  Finish(ev, start, prepared, &out);
  return out;
}

}  // namespace vigil::promql
