// The function table, and the functions of instant vectors and scalars: math, clamping,
// rounding, time and date, sorting, conversions.
#include "server/promql/functions.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <numbers>

namespace vigil::promql {
namespace {

using V = ValueType;

// Applies fn to every element, dropping the metric name.
template <typename Fn>
Value MapVector(FunctionCall& c, Fn fn) {
  Value out;
  out.vector.reserve(c.args[0].vector.size());
  for (const Sample& s : c.args[0].vector)
    out.vector.push_back({c.names.Drop(s.metric), fn(s.v), c.ts});
  return out;
}

template <double (*Fn)(double)>
core::Result<Value> Math(FunctionCall& c) {
  return MapVector(c, Fn);
}

double Abs(double v) { return std::fabs(v); }
double Ceil(double v) { return std::ceil(v); }
double Floor(double v) { return std::floor(v); }
double Exp(double v) { return std::exp(v); }
double Sqrt(double v) { return std::sqrt(v); }
double Ln(double v) { return std::log(v); }
double Log2(double v) { return std::log2(v); }
double Log10(double v) { return std::log10(v); }
double Sin(double v) { return std::sin(v); }
double Cos(double v) { return std::cos(v); }
double Tan(double v) { return std::tan(v); }
double Asin(double v) { return std::asin(v); }
double Acos(double v) { return std::acos(v); }
double Atan(double v) { return std::atan(v); }
double Sinh(double v) { return std::sinh(v); }
double Cosh(double v) { return std::cosh(v); }
double Tanh(double v) { return std::tanh(v); }
double Asinh(double v) { return std::asinh(v); }
double Acosh(double v) { return std::acosh(v); }
double Atanh(double v) { return std::atanh(v); }
double Deg(double v) { return v * 180 / std::numbers::pi; }
double Rad(double v) { return v * std::numbers::pi / 180; }
double Sgn(double v) { return v < 0 ? -1 : v > 0 ? 1 : v; }

core::Result<Value> Clamp(FunctionCall& c) {
  const double min = c.args[1].scalar, max = c.args[2].scalar;
  if (max < min) return Value{};
  return MapVector(c, [&](double v) { return GoMax(min, GoMin(max, v)); });
}
core::Result<Value> ClampMax(FunctionCall& c) {
  const double max = c.args[1].scalar;
  return MapVector(c, [&](double v) { return GoMin(max, v); });
}
core::Result<Value> ClampMin(FunctionCall& c) {
  const double min = c.args[1].scalar;
  return MapVector(c, [&](double v) { return GoMax(min, v); });
}

core::Result<Value> Round(FunctionCall& c) {
  const double to_nearest = c.args.size() > 1 ? c.args[1].scalar : 1;
  // Multiplying by the inverse rounds more exactly than dividing, as Prometheus does.
  const double inverse = 1.0 / to_nearest;
  return MapVector(c, [&](double v) { return std::floor(v * inverse + 0.5) / inverse; });
}

core::Result<Value> Timestamp(FunctionCall& c) {
  Value out;
  for (const Sample& s : c.args[0].vector) {
    out.vector.push_back({c.names.Drop(s.metric), static_cast<double>(s.t) / 1000, c.ts});
  }
  return out;
}

core::Result<Value> Time(FunctionCall& c) {
  return Value::Scalar(static_cast<double>(c.ts) / 1000);
}
core::Result<Value> Pi(FunctionCall&) { return Value::Scalar(std::numbers::pi); }

core::Result<Value> ToVector(FunctionCall& c) {
  Value out;
  out.vector.push_back({std::make_shared<const core::Labels>(), c.args[0].scalar, c.ts});
  return out;
}

core::Result<Value> ToScalar(FunctionCall& c) {
  const Vector& v = c.args[0].vector;
  return Value::Scalar(v.size() == 1 ? v[0].v : NAN);
}

// Prometheus's vectorByValueHeap and vectorByReverseValueHeap: NaN first either way.
core::Result<Value> SortBy(FunctionCall& c, bool descending) {
  Value out;
  out.vector = std::move(c.args[0].vector);
  std::stable_sort(out.vector.begin(), out.vector.end(), [&](const Sample& a, const Sample& b) {
    if (std::isnan(a.v) && !std::isnan(b.v)) return true;
    return descending ? a.v > b.v : a.v < b.v;
  });
  for (Sample& s : out.vector) s.t = c.ts;
  return out;
}
core::Result<Value> Sort(FunctionCall& c) { return SortBy(c, false); }
core::Result<Value> SortDesc(FunctionCall& c) { return SortBy(c, true); }

// The date functions read a vector of Unix times, or the evaluation time without one.
template <int (*Field)(const std::tm&)>
core::Result<Value> Date(FunctionCall& c) {
  auto at = [](double seconds) {
    const auto t = static_cast<time_t>(static_cast<int64_t>(seconds));
    std::tm tm{};
    gmtime_r(&t, &tm);
    return static_cast<double>(Field(tm));
  };
  if (c.args.empty()) {
    Value out;
    out.vector.push_back(
        {std::make_shared<const core::Labels>(), at(static_cast<double>(c.ts) / 1000), c.ts});
    return out;
  }
  return MapVector(c, at);
}
int DayOfMonth(const std::tm& t) { return t.tm_mday; }
int DayOfWeek(const std::tm& t) { return t.tm_wday; }
int DayOfYear(const std::tm& t) { return t.tm_yday + 1; }
int Hour(const std::tm& t) { return t.tm_hour; }
int Minute(const std::tm& t) { return t.tm_min; }
int Month(const std::tm& t) { return t.tm_mon + 1; }
int Year(const std::tm& t) { return t.tm_year + 1900; }
int DaysInMonth(const std::tm& t) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int year = t.tm_year + 1900;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return t.tm_mon == 1 && leap ? 29 : kDays[t.tm_mon];
}

const std::map<std::string_view, Function>& Table() {
  static const auto* table = [] {
    auto* t = new std::map<std::string_view, Function>;
    auto add = [&](Function f) { t->emplace(f.name, std::move(f)); };
    const std::vector<V> vec{V::kVector}, mat{V::kMatrix};
    for (auto [name, impl] : std::initializer_list<std::pair<std::string_view, FunctionImpl>>{
             {"abs", Math<Abs>},
             {"ceil", Math<Ceil>},
             {"floor", Math<Floor>},
             {"exp", Math<Exp>},
             {"sqrt", Math<Sqrt>},
             {"ln", Math<Ln>},
             {"log2", Math<Log2>},
             {"log10", Math<Log10>},
             {"sin", Math<Sin>},
             {"cos", Math<Cos>},
             {"tan", Math<Tan>},
             {"asin", Math<Asin>},
             {"acos", Math<Acos>},
             {"atan", Math<Atan>},
             {"sinh", Math<Sinh>},
             {"cosh", Math<Cosh>},
             {"tanh", Math<Tanh>},
             {"asinh", Math<Asinh>},
             {"acosh", Math<Acosh>},
             {"atanh", Math<Atanh>},
             {"deg", Math<Deg>},
             {"rad", Math<Rad>},
             {"sgn", Math<Sgn>},
             {"timestamp", Timestamp},
             {"sort", Sort},
             {"sort_desc", SortDesc},
             {"absent", Absent},
             {"histogram_count", NativeHistogramOnly},
             {"histogram_sum", NativeHistogramOnly}}) {
      add({name, vec, 0, V::kVector, impl});
    }
    for (const RangeFunction& f : RangeFunctions()) {
      add({f.name, mat, 0, V::kVector, ApplyRangeKernel, f.kernel, f.keeps_name});
    }
    add({"absent_over_time", mat, 0, V::kVector, AbsentOverTime});
    for (auto [name, impl] : std::initializer_list<std::pair<std::string_view, FunctionImpl>>{
             {"day_of_month", Date<DayOfMonth>},
             {"day_of_week", Date<DayOfWeek>},
             {"day_of_year", Date<DayOfYear>},
             {"days_in_month", Date<DaysInMonth>},
             {"hour", Date<Hour>},
             {"minute", Date<Minute>},
             {"month", Date<Month>},
             {"year", Date<Year>}}) {
      add({name, vec, 1, V::kVector, impl});
    }
    add({"clamp", {V::kVector, V::kScalar, V::kScalar}, 0, V::kVector, Clamp});
    add({"clamp_max", {V::kVector, V::kScalar}, 0, V::kVector, ClampMax});
    add({"clamp_min", {V::kVector, V::kScalar}, 0, V::kVector, ClampMin});
    add({"round", {V::kVector, V::kScalar}, 1, V::kVector, Round});
    add({"time", {}, 0, V::kScalar, Time});
    add({"pi", {}, 0, V::kScalar, Pi});
    add({"vector", {V::kScalar}, 0, V::kVector, ToVector});
    add({"scalar", {V::kVector}, 0, V::kScalar, ToScalar});
    add({"predict_linear", {V::kMatrix, V::kScalar}, 0, V::kVector, PredictLinear});
    add({"holt_winters", {V::kMatrix, V::kScalar, V::kScalar}, 0, V::kVector, HoltWinters});
    add({"quantile_over_time", {V::kScalar, V::kMatrix}, 0, V::kVector, QuantileOverTime});
    add({"histogram_quantile", {V::kScalar, V::kVector}, 0, V::kVector, HistogramQuantile});
    add({"histogram_fraction",
         {V::kScalar, V::kScalar, V::kVector},
         0,
         V::kVector,
         NativeHistogramOnly});
    add({"label_replace",
         {V::kVector, V::kString, V::kString, V::kString, V::kString},
         0,
         V::kVector,
         LabelReplace});
    add({"label_join",
         {V::kVector, V::kString, V::kString, V::kString},
         -1,
         V::kVector,
         LabelJoin});
    return t;
  }();
  return *table;
}

}  // namespace

const LabelsRef& NameDropper::Drop(const LabelsRef& in) {
  auto it = cache_.find(in.get());
  if (it == cache_.end()) {
    LabelsRef out = in;
    if (in->Has(core::kMetricNameLabel)) {
      out = std::make_shared<const core::Labels>(
          *core::LabelsBuilder(*in).Del(core::kMetricNameLabel).Build());
    }
    it = cache_.emplace(in.get(), std::make_pair(in, std::move(out))).first;
  }
  return it->second.second;
}

const Function* FindFunction(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : &it->second;
}

}  // namespace vigil::promql
