#pragma once
// A recording rule: its expression's vector, renamed to the rule's metric name and given the
// rule's labels, written back as new series.
#include "server/rules/rule.h"

namespace vigil::rules {

class RecordingRule final : public Rule {
 public:
  explicit RecordingRule(const RuleSpec& spec) : Rule(spec) {}
  core::Result<std::vector<RuleOutput>> Eval(const EvalContext& ctx) override;
};

}  // namespace vigil::rules
