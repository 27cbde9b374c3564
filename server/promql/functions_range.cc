// Functions of a range vector: the rate family with Prometheus's extrapolation, regression,
// and the *_over_time aggregations. Each is applied to every series with at least one point in
// its window; all but last_over_time drop the metric name.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>

#include "server/promql/functions.h"

namespace vigil::promql {
namespace {

using Points = std::span<const Point>;

template <typename Fn>
core::Result<Value> OverTime(FunctionCall& c, Fn fn, bool keep_name = false) {
  const Value& in = c.args[0];
  Value out;
  for (const RangeSeries& s : in.range) {
    if (s.points.empty()) continue;
    const std::optional<double> v = fn(s.points, in);
    if (!v) continue;
    out.vector.push_back({keep_name ? s.metric : c.names.Drop(s.metric), *v, c.ts});
  }
  return out;
}

// Prometheus's extrapolatedRate: the change over the window, extrapolated to the window's
// edges when the first and last samples are near them, never below zero for counters.
std::optional<double> ExtrapolatedRate(Points p, const Value& window, bool counter, bool rate) {
  if (p.size() < 2) return std::nullopt;
  const Point& first = p.front();
  const Point& last = p.back();
  double result = last.value - first.value;
  if (counter) {
    // A reset adds the value before it, in Prometheus's order; no reset adds -0.0, which
    // leaves every sum as it is. Chosen by a bit mask, not a branch (which GCC makes of a
    // ternary here): a counter that resets often would mispredict it.
    constexpr uint64_t kMinusZero = 0x8000000000000000ULL;
    double prev = 0;
    for (const Point& s : p) {
      const uint64_t reset = 0 - static_cast<uint64_t>(s.value < prev);
      result +=
          std::bit_cast<double>((std::bit_cast<uint64_t>(prev) & reset) | (kMinusZero & ~reset));
      prev = s.value;
    }
  }
  double to_start = static_cast<double>(first.timestamp_ms - window.range_start) / 1000;
  const double to_end = static_cast<double>(window.range_end - last.timestamp_ms) / 1000;
  const double sampled = static_cast<double>(last.timestamp_ms - first.timestamp_ms) / 1000;
  const double average_gap = sampled / static_cast<double>(p.size() - 1);
  if (counter && result > 0 && first.value >= 0) {
    const double to_zero = sampled * (first.value / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average_gap * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average_gap / 2;
  interval += to_end < threshold ? to_end : average_gap / 2;
  // One factor, then one multiplication, in Prometheus's order: the same real number as
  // dividing the product, but not always the same float.
  double factor = interval / sampled;
  if (rate) factor /= static_cast<double>(window.range_end - window.range_start) / 1000;
  return result * factor;
}

std::optional<double> InstantValue(Points p, bool rate) {
  if (p.size() < 2) return std::nullopt;
  const Point& last = p[p.size() - 1];
  const Point& prev = p[p.size() - 2];
  double result = (rate && last.value < prev.value) ? last.value : last.value - prev.value;
  const int64_t interval = last.timestamp_ms - prev.timestamp_ms;
  if (interval == 0) return std::nullopt;
  if (rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

// Least squares fit with x in seconds from `intercept_ms`; as Prometheus's linearRegression.
std::pair<double, double> LinearRegression(Points p, int64_t intercept_ms) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = p[0].value;
  bool const_y = true;
  for (size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].value != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p[i].timestamp_ms - intercept_ms) / 1e3;
    KahanAdd(x, &sum_x, &c_x);
    KahanAdd(p[i].value, &sum_y, &c_y);
    KahanAdd(x * p[i].value, &sum_xy, &c_xy);
    KahanAdd(x * x, &sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) return {NAN, NAN};
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  const double slope = cov_xy / var_x;
  return {slope, sum_y / n - slope * sum_x / n};
}

// Welford's variance with compensated sums, as Prometheus's stdvar_over_time.
double Variance(Points p) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const Point& s : p) {
    count++;
    const double delta = s.value - (mean + c_mean);
    KahanAdd(delta / count, &mean, &c_mean);
    KahanAdd(delta * (s.value - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

double ScalarArg(const FunctionCall& c, size_t i) { return c.args[i].scalar; }

}  // namespace

void KahanAdd(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

double Quantile(double q, std::vector<double>* values) {
  if (values->empty()) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  // NaN sorts first, as Prometheus's vectorByValueHeap.
  std::sort(values->begin(), values->end(), [](double a, double b) {
    if (std::isnan(a) && !std::isnan(b)) return true;
    return a < b;
  });
  const double n = static_cast<double>(values->size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return (*values)[static_cast<size_t>(lower)] * (1 - weight) +
         (*values)[static_cast<size_t>(upper)] * weight;
}

static std::optional<double> RateKernel(Points p, const Value& w) {
  return ExtrapolatedRate(p, w, true, true);
}
static std::optional<double> IncreaseKernel(Points p, const Value& w) {
  return ExtrapolatedRate(p, w, true, false);
}
static std::optional<double> DeltaKernel(Points p, const Value& w) {
  return ExtrapolatedRate(p, w, false, false);
}
static std::optional<double> IrateKernel(Points p, const Value&) { return InstantValue(p, true); }
static std::optional<double> IdeltaKernel(Points p, const Value&) { return InstantValue(p, false); }

static std::optional<double> DerivKernel(Points p, const Value&) {
  if (p.size() < 2) return std::nullopt;
  return LinearRegression(p, p[0].timestamp_ms).first;
}

core::Result<Value> PredictLinear(FunctionCall& c) {
  const double duration = ScalarArg(c, 1);
  const int64_t ts = c.ts;
  return OverTime(c, [&](Points p, const Value&) -> std::optional<double> {
    if (p.size() < 2) return std::nullopt;
    const auto [slope, intercept] = LinearRegression(p, ts);
    return slope * duration + intercept;
  });
}

core::Result<Value> HoltWinters(FunctionCall& c) {
  const double sf = ScalarArg(c, 1), tf = ScalarArg(c, 2);
  char buf[96];
  if (!(sf > 0 && sf < 1)) {
    std::snprintf(buf, sizeof buf, "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", sf);
    return ExecutionError(buf);
  }
  if (!(tf > 0 && tf < 1)) {
    std::snprintf(buf, sizeof buf, "invalid trend factor. Expected: 0 < tf < 1, got: %f", tf);
    return ExecutionError(buf);
  }
  return OverTime(c, [&](Points p, const Value&) -> std::optional<double> {
    if (p.size() < 2) return std::nullopt;
    double s0 = 0, s1 = p[0].value, b = p[1].value - p[0].value;
    for (size_t i = 1; i < p.size(); ++i) {
      const double x = sf * p[i].value;
      if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
      const double y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  });
}

static std::optional<double> ResetsKernel(Points p, const Value&) {
  int resets = 0;
  for (size_t i = 1; i < p.size(); ++i) resets += p[i].value < p[i - 1].value;
  return resets;
}

static std::optional<double> ChangesKernel(Points p, const Value&) {
  int changes = 0;
  for (size_t i = 1; i < p.size(); ++i) {
    const double cur = p[i].value, prev = p[i - 1].value;
    changes += cur != prev && !(std::isnan(cur) && std::isnan(prev));
  }
  return changes;
}

static std::optional<double> AvgOverTimeKernel(Points p, const Value&) {
  double mean = 0, count = 0, comp = 0;
  for (const Point& s : p) {
    count++;
    if (std::isinf(mean)) {
      // An infinite mean stays as it is unless a NaN or the other infinity comes.
      if (std::isinf(s.value) && (mean > 0) == (s.value > 0)) continue;
      if (!std::isinf(s.value) && !std::isnan(s.value)) continue;
    }
    KahanAdd(s.value / count - mean / count, &mean, &comp);
  }
  return std::isinf(mean) ? mean : mean + comp;
}

static std::optional<double> SumOverTimeKernel(Points p, const Value&) {
  double sum = 0, comp = 0;
  for (const Point& s : p) KahanAdd(s.value, &sum, &comp);
  return std::isinf(sum) ? sum : sum + comp;
}

static std::optional<double> CountOverTimeKernel(Points p, const Value&) { return p.size(); }

// Prometheus keeps the first value and replaces it by any greater (smaller) one, or by
// anything while it is NaN: the extreme of the values that are not NaN, NaN when all are, the
// first of equal extremes (+0 or -0). Written without a branch on the data, which the random
// values of a window would mispredict: the loop becomes a max (min) instruction per point.
static std::optional<double> MinOverTimeKernel(Points p, const Value&) {
  double min = std::numeric_limits<double>::infinity();
  bool any = false;
  for (const Point& s : p) {
    min = s.value < min ? s.value : min;
    any |= !std::isnan(s.value);
  }
  return any ? min : std::numeric_limits<double>::quiet_NaN();
}

static std::optional<double> MaxOverTimeKernel(Points p, const Value&) {
  double max = -std::numeric_limits<double>::infinity();
  bool any = false;
  for (const Point& s : p) {
    max = s.value > max ? s.value : max;
    any |= !std::isnan(s.value);
  }
  return any ? max : std::numeric_limits<double>::quiet_NaN();
}

static std::optional<double> LastOverTimeKernel(Points p, const Value&) { return p.back().value; }

static std::optional<double> PresentOverTimeKernel(Points, const Value&) { return 1; }

static std::optional<double> StddevOverTimeKernel(Points p, const Value&) {
  return std::sqrt(Variance(p));
}

static std::optional<double> StdvarOverTimeKernel(Points p, const Value&) { return Variance(p); }

std::span<const RangeFunction> RangeFunctions() {
  static constexpr RangeFunction kFunctions[] = {
      {"rate", RateKernel, false},
      {"increase", IncreaseKernel, false},
      {"delta", DeltaKernel, false},
      {"irate", IrateKernel, false},
      {"idelta", IdeltaKernel, false},
      {"deriv", DerivKernel, false},
      {"resets", ResetsKernel, false},
      {"changes", ChangesKernel, false},
      {"avg_over_time", AvgOverTimeKernel, false},
      {"sum_over_time", SumOverTimeKernel, false},
      {"count_over_time", CountOverTimeKernel, false},
      {"min_over_time", MinOverTimeKernel, false},
      {"max_over_time", MaxOverTimeKernel, false},
      {"last_over_time", LastOverTimeKernel, true},
      {"present_over_time", PresentOverTimeKernel, false},
      {"stddev_over_time", StddevOverTimeKernel, false},
      {"stdvar_over_time", StdvarOverTimeKernel, false},
  };
  return kFunctions;
}

core::Result<Value> ApplyRangeKernel(FunctionCall& c) {
  return OverTime(c, c.call.func->kernel, c.call.func->keeps_name);
}

core::Result<Value> QuantileOverTime(FunctionCall& c) {
  const double q = ScalarArg(c, 0);
  std::swap(c.args[0], c.args[1]);  // OverTime reads the range from the first argument
  std::vector<double> values;
  return OverTime(c, [&](Points p, const Value&) -> std::optional<double> {
    values.clear();
    for (const Point& s : p) values.push_back(s.value);
    return Quantile(q, &values);
  });
}

}  // namespace vigil::promql
