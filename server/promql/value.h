#pragma once
// The values an expression takes at one evaluation step, and the results of a query.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/labels.h"
#include "server/promql/ast.h"

namespace vigil::promql {

using Point = core::Sample;
// Label sets are shared between steps and results: most survive evaluation unchanged.
using LabelsRef = std::shared_ptr<const core::Labels>;

// An element of an instant vector. `t` is the time of the selected sample for a vector
// selector (what timestamp() answers), the evaluation time otherwise.
struct Sample {
  LabelsRef metric;
  double v = 0;
  int64_t t = 0;
};
using Vector = std::vector<Sample>;

// A series' points inside a range vector's window at one step.
struct RangeSeries {
  LabelsRef metric;
  std::span<const Point> points;
};

struct Series {
  LabelsRef metric;
  std::vector<Point> points;
};
using Matrix = std::vector<Series>;

// An expression's value at one step.
struct Value {
  ValueType type = ValueType::kVector;
  double scalar = 0;
  std::string string;
  Vector vector;
  std::vector<RangeSeries> range;
  // The window of a range vector: points with range_start <= t <= range_end.
  int64_t range_start = 0;
  int64_t range_end = 0;

  static Value Scalar(double v) {
    Value out;
    out.type = ValueType::kScalar;
    out.scalar = v;
    return out;
  }
};

// What a query cost, as Prometheus's query stats say it.
struct QueryStats {
  double preparation_seconds = 0;  // selecting and reading the series
  double evaluation_seconds = 0;   // evaluating what was read
  size_t total_queryable_samples = 0;
  size_t peak_samples = 0;
};

// What a query answers: a scalar or string at `time`, an instant vector at `time`, or a
// matrix (a range query, or an instant query of a range vector).
struct QueryResult {
  ValueType type = ValueType::kVector;
  int64_t time = 0;
  double scalar = 0;
  std::string string;
  Vector vector;
  Matrix matrix;
  QueryStats stats;
};

}  // namespace vigil::promql
