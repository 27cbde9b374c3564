#pragma once
// PromQL's functions for float samples, as Prometheus 2.42 defines them: signatures for the
// parser, implementations for the evaluator. An implementation sees its arguments already
// evaluated at one step.
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "server/promql/ast.h"
#include "server/promql/value.h"

namespace vigil::promql {

// Label sets without __name__, made once per input set for the whole query rather than at
// every step.
class NameDropper {
 public:
  const LabelsRef& Drop(const LabelsRef& in);

 private:
  // Keyed by address; the entry holds the input so the address cannot be reused.
  std::unordered_map<const core::Labels*, std::pair<LabelsRef, LabelsRef>> cache_;
};

// Execution errors (422 in the API): a query that parsed but cannot be answered.
inline core::Status ExecutionError(std::string message) {
  return core::FailedPreconditionError(std::move(message));
}

struct FunctionCall {
  const Call& call;
  std::vector<Value>& args;
  int64_t ts;  // the evaluation time
  NameDropper& names;
};

using FunctionImpl = core::Result<Value> (*)(FunctionCall& c);
// A range function without parameters (rate, the *_over_time family, ...) on one series'
// window, whose bounds are window.range_start and range_end. The evaluator can apply it series
// by series across all the steps of a range query, where each series' points stay in cache.
using RangeKernel = std::optional<double> (*)(std::span<const Point> points, const Value& window);

struct Function {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types; n > 0: the last n may be left out; -1: the last repeats.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  FunctionImpl impl = nullptr;
  RangeKernel kernel = nullptr;  // for the range functions without parameters
  bool keeps_name = false;       // the kernel's answers keep the series' name (last_over_time)
};

struct RangeFunction {
  std::string_view name;
  RangeKernel kernel;
  bool keeps_name;
};
// The range functions without parameters, but absent_over_time (which answers for no series).
std::span<const RangeFunction> RangeFunctions();
// Their implementation: the function's kernel on every series of the range argument.
core::Result<Value> ApplyRangeKernel(FunctionCall& c);

// nullptr for a name that is not a function.
const Function* FindFunction(std::string_view name);

// Implementations, by family (functions_*.cc).
core::Result<Value> PredictLinear(FunctionCall& c);
core::Result<Value> HoltWinters(FunctionCall& c);
core::Result<Value> QuantileOverTime(FunctionCall& c);
core::Result<Value> AbsentOverTime(FunctionCall& c);

core::Result<Value> Absent(FunctionCall& c);
core::Result<Value> LabelReplace(FunctionCall& c);
core::Result<Value> LabelJoin(FunctionCall& c);
core::Result<Value> HistogramQuantile(FunctionCall& c);
core::Result<Value> NativeHistogramOnly(FunctionCall& c);

// Quantile of values (sorted in place) as Prometheus's quantile(): NaN when empty, -Inf for
// q < 0, +Inf for q > 1, linear between neighbours. Shared with the quantile aggregation.
double Quantile(double q, std::vector<double>* values);
// Neumaier's compensated summation step, as Prometheus's kahanSumInc.
void KahanAdd(double inc, double* sum, double* c);
// Go's math.Max and math.Min: NaN wins, and +0 is above -0.
double GoMax(double a, double b);
double GoMin(double a, double b);

}  // namespace vigil::promql
