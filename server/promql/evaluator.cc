#include "server/promql/evaluator.h"

#include <algorithm>
#include <cmath>

namespace vigil::promql {
namespace {

bool ByTime(const Point& p, int64_t t) { return p.timestamp_ms < t; }

// The first point at or after t, from a point known to be before it: the next step's points
// are usually a few further on; farther than that, a binary search finds them.
size_t SeekForward(const std::vector<Point>& p, size_t from, int64_t t) {
  for (int k = 0; k < 8; ++k, ++from) {
    if (from >= p.size() || p[from].timestamp_ms >= t) return from;
  }
  return static_cast<size_t>(
      std::lower_bound(p.begin() + static_cast<ptrdiff_t>(from), p.end(), t, ByTime) - p.begin());
}

// Subquery steps are multiples of the step, as Prometheus aligns them (Go's truncating
// division, so times before 1970 round towards zero as there).
int64_t AlignUp(int64_t t, int64_t step) { return t % step == 0 ? t : step * (t / step + 1); }

}  // namespace

core::Status CheckUniqueLabels(const Vector& v) {
  if (v.size() < 2) return core::OkStatus();
  // Sorted hashes: neighbours with one hash are compared in full. No per-step hash table.
  thread_local std::vector<std::pair<uint64_t, const core::Labels*>> hashes;
  hashes.clear();
  for (const Sample& s : v) hashes.emplace_back(s.metric->Hash(), s.metric.get());
  std::sort(hashes.begin(), hashes.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < hashes.size(); ++i) {
    for (size_t k = i; k-- > 0 && hashes[k].first == hashes[i].first;) {
      if (*hashes[k].second == *hashes[i].second)
        return ExecutionError("vector cannot contain metrics with the same labelset");
    }
  }
  return core::OkStatus();
}

Evaluator::Evaluator(const storage::Querier& querier, const EngineOptions& options, int64_t start,
                     int64_t end, Deadline deadline)
    : querier_(querier), options_(options), start_(start), end_(end), deadline_(deadline) {}

int64_t Evaluator::ReadTime(const TimeModifiers& time, int64_t ts) const {
  switch (time.at) {
    case AtModifier::kTimestamp:
      ts = time.at_ms;
      break;
    case AtModifier::kStart:
      ts = start_;
      break;
    case AtModifier::kEnd:
      ts = end_;
      break;
    case AtModifier::kNone:
      break;
  }
  return ts - time.offset_ms;
}

core::Status Evaluator::CheckLimits() {
  if (samples_ > options_.max_samples) {
    return core::ResourceExhaustedError(
        "query processing would load too many samples into memory in query execution");
  }
  if (std::chrono::steady_clock::now() > deadline_) {
    return core::DeadlineExceededError("query timed out in expression evaluation");
  }
  return core::OkStatus();
}

core::Status Evaluator::Prepare(const Expr& e, int64_t start, int64_t end) {
  switch (e.kind) {
    case ExprKind::kNumber:
    case ExprKind::kString:
      return core::OkStatus();
    case ExprKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      return Load(e, vs, ReadTime(vs.time, start) - options_.lookback_ms, ReadTime(vs.time, end),
                  false);
    }
    case ExprKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      return Load(e, *ms.selector, ReadTime(ms.selector->time, start) - ms.range_ms,
                  ReadTime(ms.selector->time, end), true);
    }
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      SubqueryPlan& plan = subqueries_[&e];
      plan.step = sq.step_ms > 0 ? sq.step_ms : options_.subquery_step_ms;
      plan.first_step = AlignUp(ReadTime(sq.time, start) - sq.range_ms, plan.step);
      plan.last_step = ReadTime(sq.time, end);
      return Prepare(*sq.expr, plan.first_step, plan.last_step);
    }
    case ExprKind::kParen:
      return Prepare(*static_cast<const ParenExpr&>(e).expr, start, end);
    case ExprKind::kUnary:
      return Prepare(*static_cast<const UnaryExpr&>(e).expr, start, end);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      VIGIL_RETURN_IF_ERROR(Prepare(*b.lhs, start, end));
      return Prepare(*b.rhs, start, end);
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) VIGIL_RETURN_IF_ERROR(Prepare(*a.param, start, end));
      return Prepare(*a.expr, start, end);
    }
    case ExprKind::kCall:
      for (const ExprPtr& arg : static_cast<const Call&>(e).args)
        VIGIL_RETURN_IF_ERROR(Prepare(*arg, start, end));
      return core::OkStatus();
  }
  return core::OkStatus();
}

core::Status Evaluator::Load(const Expr& node, const VectorSelector& vs, int64_t mint, int64_t maxt,
                             bool drop_stale) {
  std::unique_ptr<storage::SeriesSet> set = querier_.Select(vs.matchers, mint, maxt);
  std::vector<Series>& out = loaded_[&node];
  while (set->Next()) {
    std::vector<core::Sample>& samples = set->samples();
    if (drop_stale) {
      std::erase_if(samples, [](const Point& p) { return core::IsStaleNaN(p.value); });
    }
    samples_ += samples.size();
    loaded_samples_ += samples.size();
    out.push_back({std::make_shared<const core::Labels>(set->labels()), std::move(samples)});
    // Checked as it reads: a selector over too many samples stops before it has read them all.
    VIGIL_RETURN_IF_ERROR(CheckLimits());
  }
  VIGIL_RETURN_IF_ERROR(set->status());
  return CheckLimits();
}

core::Result<Matrix> Evaluator::RangeEval(const Expr& e, int64_t start, int64_t end, int64_t step,
                                          bool sorted) {
  Matrix out;
  // Output series by label hash; a hash may be shared by different sets.
  std::unordered_multimap<uint64_t, size_t> index;
  const LabelsRef no_labels = std::make_shared<const core::Labels>();
  int64_t ts = start;
  auto series_for = [&](const LabelsRef& metric) -> Series& {
    auto [lo, hi] = index.equal_range(metric->Hash());
    for (auto it = lo; it != hi; ++it) {
      if (out[it->second].metric == metric || *out[it->second].metric == *metric)
        return out[it->second];
    }
    index.emplace(metric->Hash(), out.size());
    out.push_back({metric, {}});
    // A series found at one step is usually there at every later one: room for all of them
    // at once rather than growing (and copying) step by step, as Prometheus's rangeEval does.
    if (step > 0) out.back().points.reserve(static_cast<size_t>((end - ts) / step + 1));
    return out.back();
  };
  // Where the previous step's elements went, by position: a step's vector usually lists the
  // same label sets in the same order as the one before, so most find their series without a
  // hash lookup.
  std::vector<size_t> previous, current;
  const Steps outer = steps_;
  steps_ = {start, end, step};
  for (; ts <= end; ts += step) {
    VIGIL_ASSIGN_OR_RETURN(Value v, Eval(e, ts));
    if (v.type == ValueType::kScalar) {
      series_for(no_labels).points.push_back({ts, v.scalar});
      ++samples_;
    } else {
      current.clear();
      for (size_t i = 0; i < v.vector.size(); ++i) {
        const Sample& s = v.vector[i];
        size_t at;
        if (i < previous.size() && out[previous[i]].metric == s.metric) {
          at = previous[i];
        } else {
          at = static_cast<size_t>(&series_for(s.metric) - out.data());
        }
        out[at].points.push_back({ts, s.v});
        current.push_back(at);
      }
      previous.swap(current);
      samples_ += v.vector.size();
    }
    VIGIL_RETURN_IF_ERROR(CheckLimits());
    if (step <= 0) break;
  }
  steps_ = outer;  // a subquery's steps end with it (an error ends the whole query)
  if (sorted) {
    std::sort(out.begin(), out.end(),
              [](const Series& a, const Series& b) { return *a.metric < *b.metric; });
  }
  return out;
}

core::Result<Value> Evaluator::Eval(const Expr& e, int64_t ts) {
  switch (e.kind) {
    case ExprKind::kNumber:
      return Value::Scalar(static_cast<const NumberLiteral&>(e).value);
    case ExprKind::kString: {
      Value v;
      v.type = ValueType::kString;
      v.string = static_cast<const StringLiteral&>(e).value;
      return v;
    }
    case ExprKind::kVectorSelector:
      return EvalVectorSelector(static_cast<const VectorSelector&>(e), ts, false);
    case ExprKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      const int64_t maxt = ReadTime(ms.selector->time, ts);
      return Windows(loaded_[&e], maxt - ms.range_ms, maxt, cursors_[&e]);
    }
    case ExprKind::kSubquery:
      return EvalSubquery(static_cast<const SubqueryExpr&>(e), ts);
    case ExprKind::kParen:
      return Eval(*static_cast<const ParenExpr&>(e).expr, ts);
    case ExprKind::kUnary:
      return EvalUnary(static_cast<const UnaryExpr&>(e), ts);
    case ExprKind::kBinary:
      return EvalBinary(static_cast<const BinaryExpr&>(e), ts);
    case ExprKind::kAggregate:
      return EvalAggregate(static_cast<const AggregateExpr&>(e), ts);
    case ExprKind::kCall:
      return EvalCall(static_cast<const Call&>(e), ts);
  }
  return core::InternalError("unknown expression");
}

Value Evaluator::EvalVectorSelector(const VectorSelector& vs, int64_t ts, bool sample_time) {
  const int64_t ref = ReadTime(vs.time, ts);
  const std::vector<Series>& series = loaded_[&vs];
  Cursor& cursor = cursors_[&vs];
  cursor.MoveTo(series.size(), ref, ref);
  Value out;
  for (size_t i = 0; i < series.size(); ++i) {
    // The newest sample at or before ref, if within the lookback and not a staleness marker.
    const std::vector<Point>& points = series[i].points;
    const size_t after = cursor.hi[i] = SeekForward(points, cursor.hi[i], ref + 1);
    if (after == 0) continue;
    const Point& p = points[after - 1];
    if (p.timestamp_ms < ref - options_.lookback_ms || core::IsStaleNaN(p.value)) continue;
    out.vector.push_back({series[i].metric, p.value, sample_time ? p.timestamp_ms : ts});
  }
  return out;
}

void Evaluator::Cursor::MoveTo(size_t series, int64_t to_mint, int64_t to_maxt) {
  if (lo.size() != series || to_mint < mint || to_maxt < maxt) {
    lo.assign(series, 0);
    hi.assign(series, 0);
  }
  mint = to_mint;
  maxt = to_maxt;
}

Value Evaluator::Windows(const std::vector<Series>& series, int64_t mint, int64_t maxt,
                         Cursor& cursor) {
  Value out;
  out.type = ValueType::kMatrix;
  out.range_start = mint;
  out.range_end = maxt;
  cursor.MoveTo(series.size(), mint, maxt);
  for (size_t i = 0; i < series.size(); ++i) {
    const std::vector<Point>& points = series[i].points;
    const size_t lo = cursor.lo[i] = SeekForward(points, cursor.lo[i], mint);
    const size_t hi = cursor.hi[i] = SeekForward(points, std::max(cursor.hi[i], lo), maxt + 1);
    if (lo != hi)
      out.range.push_back({series[i].metric, std::span<const Point>(points.data() + lo, hi - lo)});
  }
  return out;
}

core::Result<Value> Evaluator::EvalSubquery(const SubqueryExpr& sq, int64_t ts) {
  SubqueryPlan& plan = subqueries_[&sq];
  if (!plan.evaluated) {
    VIGIL_ASSIGN_OR_RETURN(plan.result,
                           RangeEval(*sq.expr, plan.first_step, plan.last_step, plan.step, false));
    plan.evaluated = true;
  }
  const int64_t maxt = ReadTime(sq.time, ts);
  return Windows(plan.result, maxt - sq.range_ms, maxt, cursors_[&sq]);
}

core::Result<Value> Evaluator::EvalUnary(const UnaryExpr& e, int64_t ts) {
  VIGIL_ASSIGN_OR_RETURN(Value v, Eval(*e.expr, ts));
  if (!e.negate) return v;
  if (v.type == ValueType::kScalar) return Value::Scalar(-v.scalar);
  for (Sample& s : v.vector) {
    s.metric = names_.Drop(s.metric);
    s.v = -s.v;
    s.t = ts;
  }
  VIGIL_RETURN_IF_ERROR(CheckUniqueLabels(v.vector));
  return v;
}

core::Result<Value> Evaluator::EvalCall(const Call& call, int64_t ts) {
  if (call.func->kernel != nullptr && steps_.step > 0) {
    if (const Expr& range = Unparen(*call.args[0]); range.kind == ExprKind::kMatrixSelector) {
      VIGIL_ASSIGN_OR_RETURN(Value out,
                             KernelAtStep(call, static_cast<const MatrixSelector&>(range), ts));
      if (!UniqueAtEveryStep(call)) VIGIL_RETURN_IF_ERROR(CheckUniqueLabels(out.vector));
      return out;
    }
  }
  std::vector<Value> args;
  args.reserve(call.args.size());
  for (const ExprPtr& arg : call.args) {
    const Expr& inner = Unparen(*arg);
    // timestamp() of a selector answers the samples' own times, not the evaluation time.
    if (call.func->name == "timestamp" && inner.kind == ExprKind::kVectorSelector) {
      args.push_back(EvalVectorSelector(static_cast<const VectorSelector&>(inner), ts, true));
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(Value v, Eval(*arg, ts));
    args.push_back(std::move(v));
  }
  FunctionCall fc{call, args, ts, names_};
  VIGIL_ASSIGN_OR_RETURN(Value out, call.func->impl(fc));
  if (call.func->return_type == ValueType::kVector) {
    out.type = ValueType::kVector;
    if (!UniqueAtEveryStep(call)) VIGIL_RETURN_IF_ERROR(CheckUniqueLabels(out.vector));
  }
  return out;
}

core::Result<Value> Evaluator::KernelAtStep(const Call& call, const MatrixSelector& range,
                                            int64_t ts) {
  KernelAnswers& a = kernel_answers_[&call];
  if (a.steps == 0) {
    const std::vector<Series>& series = loaded_[&range];
    const size_t n = series.size();
    a.start = steps_.start;
    a.step = steps_.step;
    a.steps = static_cast<size_t>((steps_.end - steps_.start) / steps_.step) + 1;
    a.values.assign(a.steps * n, 0);
    a.present.assign(a.steps * n, 0);
    Value window;
    window.type = ValueType::kMatrix;
    for (size_t i = 0; i < n; ++i) {
      a.metrics.push_back(call.func->keeps_name ? series[i].metric : names_.Drop(series[i].metric));
      const std::vector<Point>& points = series[i].points;
      size_t lo = 0, hi = 0;
      for (size_t k = 0; k < a.steps; ++k) {
        const int64_t maxt =
            ReadTime(range.selector->time, a.start + static_cast<int64_t>(k) * a.step);
        window.range_start = maxt - range.range_ms;
        window.range_end = maxt;
        lo = SeekForward(points, lo, window.range_start);
        hi = SeekForward(points, std::max(hi, lo), maxt + 1);
        if (lo == hi) continue;
        if (const std::optional<double> v =
                call.func->kernel({points.data() + lo, hi - lo}, window)) {
          a.values[k * n + i] = *v;
          a.present[k * n + i] = 1;
          ++samples_;
        }
      }
    }
    VIGIL_RETURN_IF_ERROR(CheckLimits());
  }
  const int64_t offset = ts - a.start;
  if (offset < 0 || offset % a.step != 0 || static_cast<size_t>(offset / a.step) >= a.steps) {
    return core::InternalError("a range function was evaluated off its query's steps");
  }
  const size_t n = a.metrics.size();
  const size_t first = static_cast<size_t>(offset / a.step) * n;
  Value out;
  for (size_t i = 0; i < n; ++i) {
    if (a.present[first + i]) out.vector.push_back({a.metrics[i], a.values[first + i], ts});
  }
  return out;
}

bool Evaluator::UniqueAtEveryStep(const Call& call) {
  auto [known, inserted] = unique_results_.try_emplace(&call, false);
  if (!inserted) return known->second;
  // A function of a range vector selector answers at most one element per series it selected,
  // labelled as the series with or without its name. When those label sets are unique over
  // all the series loaded, every step's answer is too.
  for (const ExprPtr& arg : call.args) {
    const Expr& inner = Unparen(*arg);
    if (inner.kind != ExprKind::kMatrixSelector) continue;
    std::vector<Sample> without_names;
    for (const Series& s : loaded_[&inner]) without_names.push_back({names_.Drop(s.metric), 0, 0});
    known->second = CheckUniqueLabels(without_names).ok();
  }
  return known->second;
}

core::Result<Value> Evaluator::EvalAggregate(const AggregateExpr& e, int64_t ts) {
  Value param;
  if (e.param) {
    VIGIL_ASSIGN_OR_RETURN(param, Eval(*e.param, ts));
  }
  VIGIL_ASSIGN_OR_RETURN(Value in, Eval(*e.expr, ts));
  VIGIL_ASSIGN_OR_RETURN(Vector out, Aggregate(e, param, std::move(in.vector), ts));
  Value v;
  v.vector = std::move(out);
  return v;
}

}  // namespace vigil::promql
