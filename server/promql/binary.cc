// Binary operators: arithmetic, comparisons (filtering, or 0/1 with bool) and the set
// operators, with Prometheus's vector matching (on/ignoring, group_left/group_right) and its
// rules for which labels the result keeps.
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "server/promql/evaluator.h"

namespace vigil::promql {
namespace {

// Arithmetic drops the metric name; comparisons and atan2 keep it, as in Prometheus 2.42.
bool DropsMetricName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kPow:
    case BinaryOp::kMod:
      return true;
    default:
      return false;
  }
}

// The value, and whether a comparison keeps the element.
std::pair<double, bool> Apply(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd:
      return {l + r, true};
    case BinaryOp::kSub:
      return {l - r, true};
    case BinaryOp::kMul:
      return {l * r, true};
    case BinaryOp::kDiv:
      return {l / r, true};
    case BinaryOp::kPow:
      return {std::pow(l, r), true};
    case BinaryOp::kMod:
      return {std::fmod(l, r), true};
    case BinaryOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinaryOp::kEql:
      return {l, l == r};
    case BinaryOp::kNeq:
      return {l, l != r};
    case BinaryOp::kGtr:
      return {l, l > r};
    case BinaryOp::kLss:
      return {l, l < r};
    case BinaryOp::kGte:
      return {l, l >= r};
    case BinaryOp::kLte:
      return {l, l <= r};
    default:
      return {0, false};
  }
}

// The labels that decide which elements match: those named by on(), or all but those named by
// ignoring() and the metric name.
std::string Signature(const core::Labels& labels, const VectorMatching& m) {
  std::string sig;
  for (const core::Label& l : labels) {
    const bool listed = std::find(m.labels.begin(), m.labels.end(), l.name) != m.labels.end();
    if (m.on ? !listed : (listed || l.name == core::kMetricNameLabel)) continue;
    sig += l.name;
    sig.push_back('\xff');
    sig += l.value;
    sig.push_back('\xff');
  }
  return sig;
}

std::string MatchedLabelsString(const core::Labels& labels, const VectorMatching& m) {
  core::LabelsBuilder b;
  for (const core::Label& l : labels) {
    const bool listed = std::find(m.labels.begin(), m.labels.end(), l.name) != m.labels.end();
    if (m.on ? listed : !(listed || l.name == core::kMetricNameLabel)) b.Set(l.name, l.value);
  }
  return b.Build()->ToString();
}

}  // namespace

core::Result<Value> Evaluator::EvalBinary(const BinaryExpr& e, int64_t ts) {
  VIGIL_ASSIGN_OR_RETURN(Value lhs, Eval(*e.lhs, ts));
  VIGIL_ASSIGN_OR_RETURN(Value rhs, Eval(*e.rhs, ts));
  if (lhs.type == ValueType::kScalar && rhs.type == ValueType::kScalar) {
    auto [v, keep] = Apply(e.op, lhs.scalar, rhs.scalar);
    return Value::Scalar(IsComparison(e.op) ? (keep ? 1 : 0) : v);
  }
  Value out;
  if (lhs.type == ValueType::kVector && rhs.type == ValueType::kVector) {
    VIGIL_ASSIGN_OR_RETURN(out.vector,
                           VectorBinary(e, std::move(lhs.vector), std::move(rhs.vector), ts));
    VIGIL_RETURN_IF_ERROR(CheckUniqueLabels(out.vector));
    return out;
  }
  // A vector and a scalar, either way round.
  const bool swap = lhs.type == ValueType::kScalar;
  Vector& vec = swap ? rhs.vector : lhs.vector;
  const double scalar = swap ? lhs.scalar : rhs.scalar;
  const bool drop = DropsMetricName(e.op) || e.return_bool;
  for (Sample& s : vec) {
    const double l = swap ? scalar : s.v, r = swap ? s.v : scalar;
    auto [v, keep] = Apply(e.op, l, r);
    // A comparison keeps the vector's value even when the scalar is on the left.
    if (IsComparison(e.op) && swap) v = r;
    if (e.return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.vector.push_back({drop ? names_.Drop(s.metric) : s.metric, v, ts});
  }
  VIGIL_RETURN_IF_ERROR(CheckUniqueLabels(out.vector));
  return out;
}

core::Result<Vector> Evaluator::VectorBinary(const BinaryExpr& e, Vector lhs, Vector rhs,
                                             int64_t ts) {
  const VectorMatching& m = e.matching;
  Vector out;
  auto at_ts = [ts](Sample s) {
    s.t = ts;
    return s;
  };
  if (IsSetOperator(e.op)) {
    std::unordered_set<std::string> rhs_sigs, lhs_sigs;
    switch (e.op) {
      case BinaryOp::kAnd:
        if (lhs.empty() || rhs.empty()) return out;
        for (const Sample& s : rhs) rhs_sigs.insert(Signature(*s.metric, m));
        for (const Sample& s : lhs) {
          if (rhs_sigs.count(Signature(*s.metric, m))) out.push_back(at_ts(s));
        }
        return out;
      case BinaryOp::kOr:
        for (const Sample& s : lhs) {
          if (!rhs.empty()) lhs_sigs.insert(Signature(*s.metric, m));
          out.push_back(at_ts(s));
        }
        for (const Sample& s : rhs) {
          if (lhs.empty() || !lhs_sigs.count(Signature(*s.metric, m))) out.push_back(at_ts(s));
        }
        return out;
      default:  // unless
        for (const Sample& s : rhs) rhs_sigs.insert(Signature(*s.metric, m));
        for (const Sample& s : lhs) {
          if (!rhs_sigs.count(Signature(*s.metric, m))) out.push_back(at_ts(s));
        }
        return out;
    }
  }
  if (lhs.empty() || rhs.empty()) return out;
  // group_right: the right side is the "many" side; swap so `lhs` always is.
  const bool swapped = m.card == Cardinality::kOneToMany;
  if (swapped) std::swap(lhs, rhs);
  std::unordered_map<std::string, const Sample*> one_side;
  for (const Sample& s : rhs) {
    auto [it, inserted] = one_side.emplace(Signature(*s.metric, m), &s);
    if (!inserted) {
      return ExecutionError(
          "found duplicate series for the match group " + MatchedLabelsString(*s.metric, m) +
          " on the " + (swapped ? "left" : "right") + " hand-side of the operation: [" +
          s.metric->ToString() + ", " + it->second->metric->ToString() +
          "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
  }
  // Per match group: nothing (one-to-one), or the result label sets made so far.
  std::unordered_map<std::string, std::unordered_set<uint64_t>> matched;
  const bool drop = DropsMetricName(e.op);
  for (const Sample& ls : lhs) {
    const std::string sig = Signature(*ls.metric, m);
    auto found = one_side.find(sig);
    if (found == one_side.end()) continue;
    const Sample& rs = *found->second;
    double l = ls.v, r = rs.v;
    if (swapped) std::swap(l, r);
    auto [v, keep] = Apply(e.op, l, r);
    if (e.return_bool) {
      v = keep ? 1 : 0;
    } else if (!keep) {
      continue;
    }
    // The result's labels: the "many" side's, reduced for one-to-one matching, with the
    // group_x labels taken from the "one" side.
    core::LabelsBuilder b(*ls.metric);
    if (drop || e.return_bool) b.Del(core::kMetricNameLabel);
    if (m.card == Cardinality::kOneToOne) {
      if (m.on) {
        for (const core::Label& l2 : *ls.metric) {
          if (std::find(m.labels.begin(), m.labels.end(), l2.name) == m.labels.end())
            b.Del(l2.name);
        }
      } else {
        for (const std::string& name : m.labels) b.Del(name);
      }
    }
    for (const std::string& name : m.include) b.Set(name, rs.metric->Get(name));
    auto built = b.Build();
    if (!built.ok()) return ExecutionError(built.status().message());
    auto metric = std::make_shared<const core::Labels>(std::move(*built));
    auto [group, first] = matched.try_emplace(sig);
    if (m.card == Cardinality::kOneToOne) {
      if (!first)
        return ExecutionError(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
    } else if (!group->second.insert(metric->Hash()).second) {
      return ExecutionError(
          "multiple matches for labels: grouping labels must ensure unique matches");
    }
    out.push_back({std::move(metric), v, ts});
  }
  return out;
}

}  // namespace vigil::promql
