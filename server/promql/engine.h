#pragma once
// Runs parsed PromQL against storage, as Prometheus 2.42's engine does: instant queries at one
// time, range queries at every step from start to end. Errors carry a code the API maps to
// Prometheus's error types: InvalidArgument (bad_data), FailedPrecondition and
// ResourceExhausted (execution), DeadlineExceeded (timeout).
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/status.h"
#include "server/promql/ast.h"
#include "server/promql/value.h"
#include "server/storage/querier.h"

namespace vigil::promql {

struct EngineOptions {
  // How far back an instant vector selector looks for a sample (--query.lookback-delta).
  int64_t lookback_ms = 5 * 60 * 1000;
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  // Samples one query may hold at once (--query.max-samples).
  size_t max_samples = 50'000'000;
  // The step of a subquery written without one (Prometheus's evaluation_interval default).
  int64_t subquery_step_ms = 60 * 1000;
};

// When a query must have finished (DeadlineExceeded past it).
using Deadline = std::chrono::steady_clock::time_point;

class Engine {
 public:
  Engine(const storage::Queryable& storage, EngineOptions options)
      : storage_(storage), options_(options) {}

  // A query started now: its deadline is the configured timeout away, or `timeout` when that
  // is shorter (the API's timeout parameter, as Prometheus takes it).
  Deadline DeadlineFromNow(std::optional<std::chrono::milliseconds> timeout = std::nullopt) const;

  core::Result<QueryResult> InstantQuery(const Expr& expr, int64_t time_ms,
                                         Deadline deadline) const;
  core::Result<QueryResult> InstantQuery(const Expr& expr, int64_t time_ms) const {
    return InstantQuery(expr, time_ms, DeadlineFromNow());
  }
  // Refuses (InvalidArgument) an expression that is not a scalar or instant vector.
  core::Result<QueryResult> RangeQuery(const Expr& expr, int64_t start_ms, int64_t end_ms,
                                       int64_t step_ms, Deadline deadline) const;
  core::Result<QueryResult> RangeQuery(const Expr& expr, int64_t start_ms, int64_t end_ms,
                                       int64_t step_ms) const {
    return RangeQuery(expr, start_ms, end_ms, step_ms, DeadlineFromNow());
  }
  const EngineOptions& options() const { return options_; }

 private:
  const storage::Queryable& storage_;
  const EngineOptions options_;
};

}  // namespace vigil::promql
