#pragma once
// promtool 2.42's rule unit-test files (`promtool test rules`), read as strictly as promtool
// reads them (Go's yaml.v2 UnmarshalStrict): a field that is not in its place, a field given
// twice, or a value of the wrong kind is an error. Nothing is evaluated here: the series
// notation is parsed by series_notation.h and the tests are run by the server's runner.
//
//   rule_files: [FILE...]           relative to the test file; shell globs
//   evaluation_interval: DURATION   default 1m
//   group_eval_order: [GROUP...]
//   tests:
//     - name: TEXT
//       interval: DURATION          the step of the input series
//       external_labels: {NAME: VALUE}
//       external_url: URL
//       input_series: [{series: 'name{l="v"}', values: '1+1x10'}]
//       alert_rule_test: [{eval_time, alertname, exp_alerts: [{exp_labels, exp_annotations}]}]
//       promql_expr_test: [{expr, eval_time, exp_samples: [{labels: 'name{l="v"}', value}]}]
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace vigil::rules {

// Name/value pairs as written, sorted by name (an empty value is kept: promtool compares it).
using StringPairs = std::vector<std::pair<std::string, std::string>>;

struct InputSeries {
  std::string series;  // series_notation.h's ParseSeriesLabels
  std::string values;  // series_notation.h's ParseSeriesValues
  int line = 0;        // in the test file, for errors
};

struct ExpectedAlert {
  StringPairs labels;  // without alertname, which the runner adds
  StringPairs annotations;
};

struct AlertTestCase {
  std::chrono::milliseconds eval_time{0};
  std::string alertname;  // empty: the runner reports it missing, as promtool does
  std::vector<ExpectedAlert> exp_alerts;
};

struct ExpectedSample {
  std::string labels;  // series_notation.h's ParseSeriesLabels, parsed when the test runs
  double value = 0;
};

struct PromqlTestCase {
  std::string expr;
  std::chrono::milliseconds eval_time{0};
  std::vector<ExpectedSample> exp_samples;
};

struct TestGroup {
  std::string name;
  std::chrono::milliseconds interval{0};  // 0 as promtool: every value at time 0
  StringPairs external_labels;
  std::string external_url;
  std::vector<InputSeries> input_series;
  std::vector<AlertTestCase> alert_rule_test;
  std::vector<PromqlTestCase> promql_expr_test;
};

struct UnitTestFile {
  std::vector<std::string> rule_files;               // as written
  std::chrono::milliseconds evaluation_interval{0};  // 0: not given (promtool's default is 1m)
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
};

// `text` as the test file `file`: its contents, or InvalidArgument listing every problem, one
// a line, each "FILE:LINE:COL: what is wrong".
core::Result<UnitTestFile> ParseUnitTestFile(std::string_view text, const std::string& file);

}  // namespace vigil::rules
