#pragma once
// Prometheus 2.42's rule-file format, read and checked: groups of recording and alerting
// rules, their expressions parsed. Every problem names file, line and column, group and rule,
// as promtool does, and all of a file's problems are reported at once.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/labels.h"
#include "core/status.h"
#include "server/promql/ast.h"

namespace vigil::rules {

struct RuleSpec {
  enum class Kind { kRecording, kAlerting };
  Kind kind = Kind::kRecording;
  std::string name;  // record: the metric it writes; alert: the alert's name
  std::string expr;  // as written
  // Shared: a reload that keeps a rule keeps its parsed expression too.
  std::shared_ptr<const promql::Expr> parsed;
  std::chrono::milliseconds for_duration{0};
  std::chrono::milliseconds keep_firing_for{0};
  core::Labels labels;
  // Alerting rules: label and annotation values are templates (server/rules/template.h),
  // checked when the file is read; recording rules' labels are plain values.
  std::vector<std::pair<std::string, std::string>> annotations;  // sorted by name
  int line = 0;
};

struct GroupSpec {
  std::string name;
  std::string file;
  std::optional<std::chrono::milliseconds> interval;      // unset: [rules] evaluation_interval
  int64_t limit = 0;                                      // 0: no limit
  std::optional<std::chrono::milliseconds> query_offset;  // unset: [rules] query_offset
  std::vector<RuleSpec> rules;
};

// `text` as the rule file `file`: its groups, or InvalidArgument listing every problem, one a
// line, each "FILE:LINE:COL: group "g", rule N, "name": what is wrong".
core::Result<std::vector<GroupSpec>> ParseRuleFile(std::string_view text, const std::string& file);
core::Result<std::vector<GroupSpec>> LoadRuleFile(const std::string& path);

// The files that `[rules] files` patterns (shell globs) name, in order, each once. A pattern
// that matches nothing names nothing, as in Prometheus.
std::vector<std::string> ExpandRuleFilePatterns(const std::vector<std::string>& patterns);

// Every group of every file, or every problem of every file, one a line.
core::Result<std::vector<GroupSpec>> LoadRuleFiles(const std::vector<std::string>& paths);

// `vigil-server --check-rules FILE...`, as `promtool check rules`: per file "Checking FILE"
// then "  SUCCESS: N rules found" or "  FAILED:" and its problems. True when all are good.
bool CheckRuleFiles(const std::vector<std::string>& paths, std::string* report);

}  // namespace vigil::rules
