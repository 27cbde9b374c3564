#pragma once
// The engine's working state for one query: the series each selector loaded, subquery results,
// and evaluation of any node at one step. Internal to the engine.
#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "server/promql/engine.h"
#include "server/promql/functions.h"

namespace vigil::promql {

// An aggregation's groups, kept across steps: input label set -> the group's label set, one
// shared set per group so a step finds its group by address.
struct GroupingCache {
  std::unordered_map<const core::Labels*, std::pair<LabelsRef, LabelsRef>> by_input;
  std::unordered_map<std::string, LabelsRef> by_key;
};

class Evaluator {
 public:
  Evaluator(const storage::Querier& querier, const EngineOptions& options, int64_t start,
            int64_t end, Deadline deadline);

  // Loads what every selector under `e` needs for evaluations from start to end; a query whose
  // deadline passed before it began (parsing, waiting for a thread) ends here.
  core::Status Prepare(const Expr& e) {
    VIGIL_RETURN_IF_ERROR(CheckLimits());
    return Prepare(e, start_, end_);
  }
  // `e` at every step from start to end: series sorted by labels when `sorted`, else in the
  // order they first appeared.
  core::Result<Matrix> RangeEval(const Expr& e, int64_t start, int64_t end, int64_t step,
                                 bool sorted);
  // `e` at one step.
  core::Result<Value> Eval(const Expr& e, int64_t ts);

  // Samples read from storage so far, and all samples held or made so far (what max_samples
  // bounds: nothing is freed before the query ends, so this is also its peak).
  size_t loaded_samples() const { return loaded_samples_; }
  size_t samples() const { return samples_; }

 private:
  struct SubqueryPlan {
    int64_t first_step = 0, last_step = 0, step = 0;
    bool evaluated = false;
    Matrix result;
  };

  core::Status Prepare(const Expr& e, int64_t start, int64_t end);
  core::Status Load(const Expr& node, const VectorSelector& vs, int64_t mint, int64_t maxt,
                    bool drop_stale);
  // The time a node with these modifiers reads at, when evaluated at ts (offset applied).
  int64_t ReadTime(const TimeModifiers& time, int64_t ts) const;
  core::Status CheckLimits();

  // Where each series of a selector or subquery stood at its last step: steps move forward,
  // so the next step's points are found by stepping on from there, not by a search from the
  // start. A step back in time (not seen in practice) starts again from the beginning.
  struct Cursor {
    int64_t mint = INT64_MIN, maxt = INT64_MIN;
    std::vector<size_t> lo, hi;  // per series: first point >= mint, first point > maxt
    void MoveTo(size_t series, int64_t to_mint, int64_t to_maxt);
  };

  Value EvalVectorSelector(const VectorSelector& vs, int64_t ts, bool sample_time);
  Value Windows(const std::vector<Series>& series, int64_t mint, int64_t maxt, Cursor& cursor);
  core::Result<Value> EvalSubquery(const SubqueryExpr& sq, int64_t ts);
  core::Result<Value> EvalUnary(const UnaryExpr& e, int64_t ts);
  core::Result<Value> EvalCall(const Call& call, int64_t ts);
  // A range function without parameters of a range selector, at one step of a range query:
  // worked out for every step at the first, series by series, as Prometheus does, so that a
  // series' points stay in cache from one step's window to the next.
  core::Result<Value> KernelAtStep(const Call& call, const MatrixSelector& range, int64_t ts);
  // Whether a call's answers are known to have unique label sets at every step, so that they
  // need no check step by step (worked out once per call).
  bool UniqueAtEveryStep(const Call& call);
  core::Result<Value> EvalAggregate(const AggregateExpr& e, int64_t ts);
  core::Result<Value> EvalBinary(const BinaryExpr& e, int64_t ts);
  // Binary operations of two instant vectors (binary.cc).
  core::Result<Vector> VectorBinary(const BinaryExpr& e, Vector lhs, Vector rhs, int64_t ts);
  // Aggregation of one step's vector (aggregate.cc).
  core::Result<Vector> Aggregate(const AggregateExpr& e, const Value& param, Vector in, int64_t ts);

  const storage::Querier& querier_;
  const EngineOptions& options_;
  const int64_t start_, end_;
  const Deadline deadline_;
  size_t samples_ = 0;  // loaded and produced, against max_samples
  size_t loaded_samples_ = 0;
  std::unordered_map<const Expr*, std::vector<Series>> loaded_;
  std::unordered_map<const Expr*, SubqueryPlan> subqueries_;
  std::unordered_map<const Expr*, Cursor> cursors_;
  std::unordered_map<const Call*, bool> unique_results_;
  // The steps of the range evaluation under way (step 0: an instant query).
  struct Steps {
    int64_t start = 0, end = 0, step = 0;
  };
  Steps steps_;
  // A kernel's answers at every step, step-major: [step * series + i].
  struct KernelAnswers {
    int64_t start = 0, step = 0;
    size_t steps = 0;
    std::vector<LabelsRef> metrics;
    std::vector<double> values;
    std::vector<uint8_t> present;
  };
  std::unordered_map<const Call*, KernelAnswers> kernel_answers_;
  std::unordered_map<const Expr*, GroupingCache> groupings_;
  NameDropper names_;
};

// "vector cannot contain metrics with the same labelset" when two elements share labels.
core::Status CheckUniqueLabels(const Vector& v);

}  // namespace vigil::promql
