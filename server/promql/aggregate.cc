// Aggregation operators over one step's vector, grouped by/without labels, with Prometheus
// 2.42's arithmetic (running mean for avg, Welford for stddev/stdvar, NaN handling of min/max,
// heaps for topk/bottomk).
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/number.h"
#include "server/promql/evaluator.h"

namespace vigil::promql {
namespace {

struct Group {
  LabelsRef labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<Sample> heap;    // topk, bottomk
  std::vector<double> values;  // quantile
};

// The grouping key of a label set: the by() labels present, or every label but the without()
// ones and the metric name.
std::string GroupingKey(const core::Labels& labels, const std::vector<std::string>& grouping,
                        bool without) {
  std::string key;
  for (const core::Label& l : labels) {
    const bool listed = std::find(grouping.begin(), grouping.end(), l.name) != grouping.end();
    if (without ? (listed || l.name == core::kMetricNameLabel) : !listed) continue;
    key += l.name;
    key.push_back('\xff');
    key += l.value;
    key.push_back('\xff');
  }
  return key;
}

// The label set of the group `metric` falls in, made once per group.
const LabelsRef& GroupLabels(GroupingCache& cache, const LabelsRef& metric,
                             const std::vector<std::string>& grouping, bool without) {
  auto it = cache.by_input.find(metric.get());
  if (it != cache.by_input.end()) return it->second.second;
  auto [group, added] = cache.by_key.try_emplace(GroupingKey(*metric, grouping, without));
  if (added) {
    core::LabelsBuilder b(*metric);
    if (without) {
      for (const std::string& name : grouping) b.Del(name);
      b.Del(core::kMetricNameLabel);
    } else {
      for (const core::Label& l : *metric) {
        if (std::find(grouping.begin(), grouping.end(), l.name) == grouping.end()) b.Del(l.name);
      }
    }
    group->second = std::make_shared<const core::Labels>(*b.Build());
  }
  return cache.by_input.emplace(metric.get(), std::make_pair(metric, group->second))
      .first->second.second;
}

// vectorByValueHeap's order (topk keeps the largest: the smallest is on top); NaN is smallest.
bool Below(const Sample& a, const Sample& b) {
  if (std::isnan(a.v) && !std::isnan(b.v)) return true;
  return a.v < b.v;
}
// vectorByReverseValueHeap's order, for bottomk.
bool Above(const Sample& a, const Sample& b) {
  if (std::isnan(a.v) && !std::isnan(b.v)) return true;
  return a.v > b.v;
}

}  // namespace

core::Result<Vector> Evaluator::Aggregate(const AggregateExpr& e, const Value& param, Vector in,
                                          int64_t ts) {
  const AggregateOp op = e.op;
  std::vector<std::string> grouping = e.grouping;
  size_t k = 0;
  if (op == AggregateOp::kTopk || op == AggregateOp::kBottomk) {
    const double f = param.scalar;
    if (!(f >= -9.2e18 && f <= 9.2e18))
      return ExecutionError("Scalar value " + core::FormatFloatG(f) + " overflows int64");
    if (f < 1) return Vector{};
    k = static_cast<size_t>(static_cast<int64_t>(f));
  }
  std::string value_label;
  if (op == AggregateOp::kCountValues) {
    value_label = param.string;
    if (!core::IsValidLabelName(value_label))
      return ExecutionError("invalid label name " + QuoteString(value_label));
    if (!e.without) grouping.push_back(value_label);
  }
  // count_values makes new label sets every step: its groups are found afresh each time.
  GroupingCache step_cache;
  GroupingCache& cache = op == AggregateOp::kCountValues ? step_cache : groupings_[&e];
  std::unordered_map<const core::Labels*, size_t> index;
  std::vector<Group> groups;
  bool (*heap_less)(const Sample&, const Sample&) = op == AggregateOp::kBottomk ? Above : Below;
  for (Sample& s : in) {
    LabelsRef metric = s.metric;
    if (op == AggregateOp::kCountValues) {
      auto built = core::LabelsBuilder(*metric).Set(value_label, core::FormatFloatF(s.v)).Build();
      if (!built.ok()) return ExecutionError(built.status().message());
      metric = std::make_shared<const core::Labels>(std::move(*built));
    }
    const LabelsRef& group_labels = GroupLabels(cache, metric, grouping, e.without);
    auto [it, first] = index.try_emplace(group_labels.get(), groups.size());
    if (first) {
      Group g;
      g.labels = group_labels;
      g.value = s.v;
      g.mean = s.v;
      g.count = 1;
      switch (op) {
        case AggregateOp::kStddev:
        case AggregateOp::kStdvar:
          g.value = 0;
          break;
        case AggregateOp::kTopk:
        case AggregateOp::kBottomk:
          g.heap.push_back({metric, s.v, ts});
          break;
        case AggregateOp::kQuantile:
          g.values.push_back(s.v);
          break;
        case AggregateOp::kGroup:
          g.value = 1;
          break;
        default:
          break;
      }
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[it->second];
    switch (op) {
      case AggregateOp::kSum:
        g.value += s.v;
        break;
      case AggregateOp::kAvg:
        g.count++;
        if (std::isinf(g.mean)) {
          if (std::isinf(s.v) && (g.mean > 0) == (s.v > 0)) break;
          if (!std::isinf(s.v) && !std::isnan(s.v)) break;
        }
        // Each side divided by the count first, so large values do not overflow.
        g.mean += s.v / g.count - g.mean / g.count;
        break;
      case AggregateOp::kMax:
        if (g.value < s.v || std::isnan(g.value)) g.value = s.v;
        break;
      case AggregateOp::kMin:
        if (g.value > s.v || std::isnan(g.value)) g.value = s.v;
        break;
      case AggregateOp::kCount:
      case AggregateOp::kCountValues:
        g.count++;
        break;
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar: {
        g.count++;
        const double delta = s.v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (s.v - g.mean);
        break;
      }
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk: {
        // The heap's top is the element to give up first.
        auto cmp = [&](const Sample& a, const Sample& b) { return heap_less(b, a); };
        const bool better =
            op == AggregateOp::kTopk ? g.heap.front().v < s.v : g.heap.front().v > s.v;
        if (g.heap.size() < k || better || std::isnan(g.heap.front().v)) {
          if (g.heap.size() == k) {
            if (k == 1) {
              g.heap[0] = {metric, s.v, ts};
              break;
            }
            std::pop_heap(g.heap.begin(), g.heap.end(), cmp);
            g.heap.pop_back();
          }
          g.heap.push_back({metric, s.v, ts});
          std::push_heap(g.heap.begin(), g.heap.end(), cmp);
        }
        break;
      }
      case AggregateOp::kQuantile:
        g.values.push_back(s.v);
        break;
      case AggregateOp::kGroup:
        break;
    }
  }
  Vector out;
  for (Group& g : groups) {
    switch (op) {
      case AggregateOp::kAvg:
        g.value = g.mean;
        break;
      case AggregateOp::kCount:
      case AggregateOp::kCountValues:
        g.value = g.count;
        break;
      case AggregateOp::kStdvar:
        g.value = g.value / g.count;
        break;
      case AggregateOp::kStddev:
        g.value = std::sqrt(g.value / g.count);
        break;
      case AggregateOp::kQuantile:
        g.value = Quantile(param.scalar, &g.values);
        break;
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk:
        // Best first: the reverse of the heap's order.
        std::sort(g.heap.begin(), g.heap.end(),
                  [&](const Sample& a, const Sample& b) { return heap_less(b, a); });
        for (Sample& s : g.heap) out.push_back(std::move(s));
        continue;
      default:
        break;
    }
    out.push_back({g.labels, g.value, ts});
  }
  return out;
}

}  // namespace vigil::promql
