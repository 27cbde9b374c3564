// Functions that make label sets: absent, label_replace, label_join, and histogram_quantile
// (which groups bucket series by their labels without `le`).
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/number.h"
#include "server/promql/functions.h"

namespace vigil::promql {
namespace {

// The labels absent() answers with: those of the selector's equality matchers; a name matched
// twice, or by another kind of matcher, is left out (Prometheus's historic behaviour).
LabelsRef AbsentLabels(const Expr& arg) {
  const VectorSelector* vs = nullptr;
  if (arg.kind == ExprKind::kVectorSelector) vs = static_cast<const VectorSelector*>(&arg);
  if (arg.kind == ExprKind::kMatrixSelector)
    vs = static_cast<const MatrixSelector&>(arg).selector.get();
  core::LabelsBuilder b;
  if (vs != nullptr) {
    std::set<std::string> has;
    for (const storage::Matcher& m : vs->matchers) {
      if (m.name() == core::kMetricNameLabel) continue;
      if (m.type() == storage::MatchType::kEqual && !has.count(m.name())) {
        b.Set(m.name(), m.value());
        has.insert(m.name());
      } else {
        b.Del(m.name());
      }
    }
  }
  auto built = b.Build();
  return std::make_shared<const core::Labels>(built.ok() ? *built : core::Labels());
}

Value AbsentValue(const FunctionCall& c) {
  Value out;
  out.vector.push_back({AbsentLabels(*c.call.args[0]), 1, c.ts});
  return out;
}

// Go's Regexp.ExpandString: $1, ${1}, $name, ${name}; $$ is a dollar; a malformed reference
// is kept as text.
std::string Expand(std::string_view tmpl, const re2::RE2& re,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '$') {
      out.push_back(tmpl[i++]);
      continue;
    }
    ++i;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    const bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t j = i + brace;
    const size_t name_start = j;
    while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) ||
                               tmpl[j] == '_' || static_cast<unsigned char>(tmpl[j]) >= 0x80)) {
      ++j;
    }
    const std::string_view name = tmpl.substr(name_start, j - name_start);
    if (name.empty() || (brace && (j >= tmpl.size() || tmpl[j] != '}'))) {
      out.push_back('$');
      continue;
    }
    i = j + brace;
    int num = 0;
    for (char ch : name) {
      if (ch < '0' || ch > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (ch - '0');
    }
    if (name[0] == '0' && name.size() > 1) num = -1;
    if (num < 0) {
      auto it = re.NamedCapturingGroups().find(std::string(name));
      if (it != re.NamedCapturingGroups().end()) num = it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < groups.size() && groups[num].data() != nullptr) {
      out.append(groups[num].data(), groups[num].size());
    }
  }
  return out;
}

const std::string& StringArg(const FunctionCall& c, size_t i) { return c.args[i].string; }

struct Bucket {
  double upper;
  double count;
};

// Prometheus's bucketQuantile for classic histograms.
double BucketQuantile(double q, std::vector<Bucket> b) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(b.begin(), b.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (!(std::isinf(b.back().upper) && b.back().upper > 0)) return NAN;
  // Buckets of the same bound are added up; counts are made monotonic.
  size_t n = 0;
  for (size_t i = 1; i < b.size(); ++i) {
    if (b[i].upper == b[n].upper) {
      b[n].count += b[i].count;
    } else {
      b[++n] = b[i];
    }
  }
  b.resize(n + 1);
  double max = -INFINITY;
  for (Bucket& x : b) {
    if (x.count > max)
      max = x.count;
    else if (x.count < max)
      x.count = max;
  }
  if (b.size() < 2) return NAN;
  const double observations = b.back().count;
  if (observations == 0) return NAN;
  double rank = q * observations;
  size_t i = 0;
  while (i < b.size() - 1 && !(b[i].count >= rank)) ++i;
  if (i == b.size() - 1) return b[b.size() - 2].upper;
  if (i == 0 && b[0].upper <= 0) return b[0].upper;
  double start = 0, count = b[i].count;
  if (i > 0) {
    start = b[i - 1].upper;
    count -= b[i - 1].count;
    rank -= b[i - 1].count;
  }
  return start + (b[i].upper - start) * (rank / count);
}

}  // namespace

core::Result<Value> Absent(FunctionCall& c) {
  if (!c.args[0].vector.empty()) return Value{};
  return AbsentValue(c);
}

core::Result<Value> AbsentOverTime(FunctionCall& c) {
  for (const RangeSeries& s : c.args[0].range) {
    if (!s.points.empty()) return Value{};
  }
  return AbsentValue(c);
}

core::Result<Value> LabelReplace(FunctionCall& c) {
  const std::string &dst = StringArg(c, 1), &repl = StringArg(c, 2), &src = StringArg(c, 3),
                    &regex = StringArg(c, 4);
  re2::RE2::Options options;
  options.set_log_errors(false);
  const re2::RE2 re("^(?:" + regex + ")$", options);
  if (!re.ok()) return ExecutionError("invalid regular expression in label_replace(): " + regex);
  if (!core::IsValidLabelName(dst))
    return ExecutionError("invalid destination label name in label_replace(): " + dst);
  Value out;
  std::vector<re2::StringPiece> groups(1 + re.NumberOfCapturingGroups());
  for (Sample& s : c.args[0].vector) {
    const std::string_view value = s.metric->Get(src);
    LabelsRef metric = s.metric;
    if (re.Match(re2::StringPiece(value.data(), value.size()), 0, value.size(),
                 re2::RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) {
      const std::string result = Expand(repl, re, groups);
      auto built = core::LabelsBuilder(*s.metric).Set(dst, result).Build();
      if (!built.ok()) return ExecutionError(built.status().message());
      metric = std::make_shared<const core::Labels>(std::move(*built));
    }
    out.vector.push_back({std::move(metric), s.v, c.ts});
  }
  return out;
}

core::Result<Value> LabelJoin(FunctionCall& c) {
  const std::string &dst = StringArg(c, 1), &sep = StringArg(c, 2);
  for (size_t i = 3; i < c.args.size(); ++i) {
    if (!core::IsValidLabelName(StringArg(c, i))) {
      return ExecutionError("invalid source label name in label_join(): " + StringArg(c, i));
    }
  }
  if (!core::IsValidLabelName(dst))
    return ExecutionError("invalid destination label name in label_join(): " + dst);
  Value out;
  for (Sample& s : c.args[0].vector) {
    std::string joined;
    for (size_t i = 3; i < c.args.size(); ++i) {
      if (i > 3) joined += sep;
      joined += s.metric->Get(StringArg(c, i));
    }
    auto built = core::LabelsBuilder(*s.metric).Set(dst, joined).Build();
    if (!built.ok()) return ExecutionError(built.status().message());
    out.vector.push_back({std::make_shared<const core::Labels>(std::move(*built)), s.v, c.ts});
  }
  return out;
}

core::Result<Value> HistogramQuantile(FunctionCall& c) {
  const double q = c.args[0].scalar;
  // Grouped by every label but `le` (the metric name included); answered without the name.
  std::map<std::string, std::pair<LabelsRef, std::vector<Bucket>>> groups;
  std::vector<std::string> order;
  for (const Sample& s : c.args[1].vector) {
    const std::optional<double> upper = core::ParseFloat(s.metric->Get("le"));
    if (!upper) continue;
    core::LabelsBuilder without_le(*s.metric);
    without_le.Del("le");
    const core::Labels key_labels = *without_le.Build();
    const std::string key = key_labels.ToString();
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) {
      it->second.first = std::make_shared<const core::Labels>(
          *core::LabelsBuilder(key_labels).Del(core::kMetricNameLabel).Build());
      order.push_back(key);
    }
    it->second.second.push_back({*upper, s.v});
  }
  Value out;
  for (const std::string& key : order) {
    auto& [metric, buckets] = groups[key];
    out.vector.push_back({metric, BucketQuantile(q, buckets), c.ts});
  }
  return out;
}

core::Result<Value> NativeHistogramOnly(FunctionCall&) {
  // Vigil stores float samples only; these functions read native histograms.
  return Value{};
}

}  // namespace vigil::promql
