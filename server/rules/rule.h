#pragma once
// What recording and alerting rules share: the expression's query at one time, the series a
// rule answers, and the health the API reports.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "server/promql/engine.h"
#include "server/rules/alert.h"
#include "server/rules/rule_file.h"
#include "server/rules/template.h"

namespace vigil::rules {

// One evaluation of a group, as its rules see it.
struct EvalContext {
  int64_t ts_ms = 0;        // the evaluation's time: alerts' activeAt, firedAt ...
  int64_t query_ts_ms = 0;  // ts_ms less the query offset: what is queried and written
  int64_t limit = 0;        // the group's limit on series or alerts; 0: none
  const promql::Engine* engine = nullptr;
  promql::Deadline deadline;
  const core::Labels* external_labels = nullptr;
  const std::string* external_url = nullptr;
};

// A sample a rule writes, at the query time.
struct RuleOutput {
  core::Labels labels;
  double value = 0;
};

// `expr` at `ts_ms` as a rule takes it: an instant vector, or a scalar as one sample without
// labels; InvalidArgument for anything else, as Prometheus's EngineQueryFunc.
core::Result<promql::Vector> QueryVector(const promql::Engine& engine, const promql::Expr& expr,
                                         int64_t ts_ms, promql::Deadline deadline);
// The same for the `query` template function.
TemplateQueryFunc TemplateQuery(const promql::Engine& engine, int64_t ts_ms,
                                promql::Deadline deadline);

class Rule {
 public:
  explicit Rule(const RuleSpec& spec) : spec_(spec) {}
  virtual ~Rule() = default;
  Rule(const Rule&) = delete;
  Rule& operator=(const Rule&) = delete;

  const RuleSpec& spec() const { return spec_; }
  // The series to write, or why the rule failed (nothing is written then).
  virtual core::Result<std::vector<RuleOutput>> Eval(const EvalContext& ctx) = 0;

  // Kept by the group across evaluations.
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  int64_t last_evaluation_ms = 0;
  double evaluation_seconds = 0;
  std::vector<core::Labels> written;  // the series the last good evaluation wrote, sorted

 private:
  const RuleSpec& spec_;  // owned by the group's spec
};

}  // namespace vigil::rules
