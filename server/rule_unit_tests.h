#pragma once
// `vigil-server test-rules FILE...`: rule unit tests in promtool 2.42's format, run as
// `promtool test rules` runs them and reported in its words and exit codes.
//
// Each test group gets a storage of its own in a temporary directory (removed afterwards).
// The rule groups are evaluated at 0, evaluation_interval, 2 x evaluation_interval ... up to the
// largest eval_time of the group, in group_eval_order (the others first, in file order); before
// each evaluation the input samples up to its time are appended, as promtool's lazy loader
// does, so that a rule never sees a sample from its future. An alert test at eval_time t is
// compared with the evaluation at the largest step <= t, right after it: its firing alerts
// (labels and annotations, in any order). The PromQL tests are queried after the last step.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::server {

// Where the report goes: promtool writes the verdicts to stdout and the failures to stderr.
struct TestRulesOutput {
  std::function<void(std::string_view)> out;
  std::function<void(std::string_view)> err;
};

// Runs every file's tests and reports each as promtool does ("Unit Testing:  FILE", then
// "  SUCCESS" or "  FAILED:" and the failures). 0 when all passed, 1 otherwise; 1 before
// running anything when a file does not exist (promtool's argument check).
int TestRuleFiles(const std::vector<std::string>& files, const TestRulesOutput& output);

}  // namespace vigil::server
