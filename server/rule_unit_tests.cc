#include "server/rule_unit_tests.h"

#include <glob.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <sstream>

#include "core/clock.h"
#include "core/metrics.h"
#include "server/promql/ast.h"
#include "server/promql/engine.h"
#include "server/promql/parser.h"
#include "server/rule_test_text.h"
#include "server/rules/group.h"
#include "server/rules/rule_file.h"
#include "server/rules/series_notation.h"
#include "server/rules/unit_test_file.h"
#include "server/storage/storage.h"

namespace vigil::server {
namespace {

using rules::TestGroup;

constexpr int64_t kDefaultEvaluationIntervalMs = 60'000;
// A test that asks for more evaluations than this is refused rather than run for hours, and
// one with more input samples than this rather than held in memory.
constexpr int64_t kMaxEvaluations = 1'000'000;
constexpr size_t kMaxInputSamples = 10'000'000;

// promtool's test engine: the default lookback, 10000 samples a query, 100 seconds, and
// subqueries without a step at the evaluation interval.
promql::EngineOptions TestEngineOptions(int64_t evaluation_interval_ms) {
  promql::EngineOptions o;
  o.max_samples = 10'000;
  o.timeout = std::chrono::seconds(100);
  o.subquery_step_ms = evaluation_interval_ms;
  return o;
}

std::string Quote(std::string_view s) { return promql::QuoteString(s); }

TextPairs PairsOf(const core::Labels& labels) {
  TextPairs out;
  for (const core::Label& l : labels) out.emplace_back(l.name, l.value);
  return out;
}

// A directory for one test group's storage, removed with it.
class TempDir {
 public:
  static core::Result<std::unique_ptr<TempDir>> Create() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/vigil-test-rules-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      return core::ErrnoError(errno, "creating a directory for the test's storage");
    return std::unique_ptr<TempDir>(new TempDir(std::move(pattern)));
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// An input series: its samples (the steps with a value), appended as the evaluation reaches
// their time.
struct InputSamples {
  core::Labels labels;
  std::vector<core::Sample> samples;
  size_t next = 0;  // the first not yet appended
};

core::Result<std::vector<InputSamples>> ReadInputSeries(const TestGroup& group) {
  std::vector<InputSamples> out;
  std::map<core::Labels, size_t> index;
  const int64_t step = group.interval.count();
  size_t total = 0;
  for (const rules::InputSeries& s : group.input_series) {
    const std::string where =
        "input series " + Quote(s.series) + " (line " + std::to_string(s.line) + ")";
    auto labels = rules::ParseSeriesLabels(s.series);
    if (!labels.ok()) return core::InvalidArgumentError(where + ": " + labels.status().message());
    if (labels->empty())
      return core::InvalidArgumentError(where + ": a series needs at least one label");
    auto steps = rules::ParseSeriesValues(s.values);
    if (!steps.ok())
      return core::InvalidArgumentError(where + ": values " + Quote(s.values) + ": " +
                                        steps.status().message());
    total += steps->size();
    if (total > kMaxInputSamples) {
      return core::InvalidArgumentError(where + ": more than " + std::to_string(kMaxInputSamples) +
                                        " values in the test group's input series");
    }
    InputSamples in{std::move(*labels), {}, 0};
    for (size_t i = 0; i < steps->size(); ++i) {
      if (!(*steps)[i]) continue;
      const int64_t t = static_cast<int64_t>(i) * step;
      // With an interval of 0 every value has time 0, and the first is kept, as the TSDB
      // under promtool keeps it.
      if (!in.samples.empty() && in.samples.back().timestamp_ms >= t) continue;
      in.samples.push_back({t, *(*steps)[i]});
    }
    // A series given twice is the last one given, as in promtool.
    if (auto [it, added] = index.emplace(in.labels, out.size()); !added) {
      out[it->second] = std::move(in);
    } else {
      out.push_back(std::move(in));
    }
  }
  return out;
}

// Appends every input sample up to `ts_ms` not appended yet. A series whose samples the
// storage refuses (a rule wrote the same series later, beyond the out-of-order window) loses
// them and the first refusal is the answer; the others are stored all the same.
core::Status AppendUntil(storage::Appendable& storage, std::vector<InputSamples>& series,
                         int64_t ts_ms) {
  std::unique_ptr<storage::Appender> app = storage.OpenAppender();
  core::Status refused;
  bool any = false;
  for (InputSamples& s : series) {
    size_t end = s.next;
    while (end < s.samples.size() && s.samples[end].timestamp_ms <= ts_ms) ++end;
    if (end == s.next) continue;
    core::Status added = app->Add(s.labels, std::span(s.samples).subspan(s.next, end - s.next));
    s.next = end;
    if (!added.ok()) {
      if (refused.ok())
        refused = core::InvalidArgumentError(s.labels.ToString() + ": " + added.message());
      continue;
    }
    any = true;
  }
  if (any) VIGIL_RETURN_IF_ERROR(app->Commit().status());
  return refused;
}

// The rule files of a test file: relative to its directory, globs expanded. A pattern that
// matches nothing is warned about and left out, as promtool does.
std::vector<std::string> ResolveRuleFiles(const std::string& test_file,
                                          const std::vector<std::string>& patterns,
                                          const TestRulesOutput& output) {
  const std::filesystem::path dir = std::filesystem::path(test_file).parent_path();
  std::vector<std::string> out;
  for (const std::string& pattern : patterns) {
    std::string full = pattern;
    if (!pattern.empty() && pattern[0] != '/') full = (dir / pattern).lexically_normal().string();
    glob_t g{};
    const int rc = ::glob(full.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    } else {
      output.err("  WARNING: no file match pattern " + full + "\n");
    }
    globfree(&g);
  }
  return out;
}

struct Evaluation {
  int64_t interval_ms;
  std::map<std::string, size_t> group_order;  // group_eval_order: name -> position
  std::vector<std::string> rule_files;
};

// One test group's tests; the failures in promtool's words, none when it passed.
class TestGroupRun {
 public:
  TestGroupRun(const TestGroup& test, const Evaluation& evaluation)
      : test_(test), eval_(evaluation) {}

  std::vector<std::string> Run() {
    auto input = ReadInputSeries(test_);
    if (!input.ok()) return {input.status().message()};
    input_ = std::move(*input);
    if (core::Status s = OpenStorage(); !s.ok()) return {s.message()};
    std::vector<std::string> errors = LoadGroups();
    if (!errors.empty()) return errors;

    const std::string in_group = test_.name.empty() ? "" : " (in TestGroup " + test_.name + ")";
    std::map<int64_t, std::vector<const rules::AlertTestCase*>> alert_tests;  // by eval_time
    int64_t max_eval = 0;
    for (const rules::AlertTestCase& a : test_.alert_rule_test) {
      if (a.alertname.empty()) {
        return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
                ModelDurationString(a.eval_time.count()) + in_group};
      }
      alert_tests[a.eval_time.count()].push_back(&a);
      max_eval = std::max<int64_t>(max_eval, a.eval_time.count());
    }
    for (const rules::PromqlTestCase& p : test_.promql_expr_test)
      max_eval = std::max<int64_t>(max_eval, p.eval_time.count());
    if (max_eval / eval_.interval_ms >= kMaxEvaluations) {
      return {"eval_time " + ModelDurationString(max_eval) + " at an evaluation_interval of " +
              ModelDurationString(eval_.interval_ms) + " takes more than " +
              std::to_string(kMaxEvaluations) + " evaluations: refused"};
    }

    auto next_alert_test = alert_tests.begin();
    const int64_t steps = max_eval / eval_.interval_ms;
    for (int64_t step = 0; step <= steps; ++step) {
      const int64_t ts = step * eval_.interval_ms;
      if (core::Status s = AppendUntil(*storage_, input_, ts); !s.ok()) {
        // promtool reports a failed load and goes on, without evaluating at this step.
        errors.push_back(s.message());
        continue;
      }
      std::vector<std::string> eval_errors;
      for (const std::unique_ptr<rules::Group>& g : groups_) {
        g->Eval(ts);
        const std::vector<std::string> last = g->LastErrors();
        for (size_t i = 0; i < last.size() && i < g->spec().rules.size(); ++i) {
          if (last[i].empty()) continue;
          eval_errors.push_back("    rule: " + g->spec().rules[i].name +
                                ", time: " + GoDurationString(ts) + ", err: " + last[i]);
        }
      }
      if (!eval_errors.empty()) {
        // An evaluation that fails ends the test group: what follows would compare nonsense.
        errors.insert(errors.end(), eval_errors.begin(), eval_errors.end());
        return errors;
      }
      // The alert tests whose eval_time is this step or before the next one.
      for (;
           next_alert_test != alert_tests.end() && next_alert_test->first - ts < eval_.interval_ms;
           ++next_alert_test) {
        for (const rules::AlertTestCase* a : next_alert_test->second) CompareAlerts(*a, &errors);
      }
    }
    for (const rules::PromqlTestCase& p : test_.promql_expr_test) ComparePromql(p, &errors);
    return errors;
  }

 private:
  core::Status OpenStorage() {
    VIGIL_ASSIGN_OR_RETURN(dir_, TempDir::Create());
    storage::StorageOptions o;
    o.dir = dir_->path();
    o.retention_ms = 0;  // the samples are from 1970: no retention by time
    VIGIL_ASSIGN_OR_RETURN(storage_, storage::Storage::Open(o, core::SystemClock::Get(), metrics_));
    engine_ = std::make_unique<promql::Engine>(*storage_, TestEngineOptions(eval_.interval_ms));
    context_.engine = engine_.get();
    context_.appendable = storage_.get();
    context_.queryable = storage_.get();
    std::vector<core::Label> external;
    for (const auto& [name, value] : test_.external_labels) external.push_back({name, value});
    auto labels = core::Labels::Create(std::move(external));
    if (!labels.ok())
      return core::InvalidArgumentError("external_labels: " + labels.status().message());
    context_.external_labels = std::move(*labels);
    context_.external_url = test_.external_url;
    // A group without an interval of its own takes the test's (promtool's LoadGroups); it
    // decides only what is sent to Alertmanager, which a test does not do.
    context_.default_interval = std::chrono::milliseconds(
        test_.interval.count() > 0 ? test_.interval.count() : eval_.interval_ms);
    return core::OkStatus();
  }

  // The groups of every rule file, in group_eval_order; a group it does not name comes first,
  // in file order (promtool gives those the first position too).
  std::vector<std::string> LoadGroups() {
    std::vector<std::string> errors;
    std::vector<rules::GroupSpec> specs;
    for (const std::string& file : eval_.rule_files) {
      auto groups = rules::LoadRuleFile(file);
      if (!groups.ok()) {
        std::istringstream lines(groups.status().message());
        for (std::string line; std::getline(lines, line);) errors.push_back(line);
        continue;
      }
      for (rules::GroupSpec& g : *groups) specs.push_back(std::move(g));
    }
    if (!errors.empty()) return errors;
    auto position = [this](const rules::GroupSpec& g) {
      auto it = eval_.group_order.find(g.name);
      return it == eval_.group_order.end() ? 0 : it->second;
    };
    std::stable_sort(specs.begin(), specs.end(),
                     [&](const rules::GroupSpec& a, const rules::GroupSpec& b) {
                       return position(a) < position(b);
                     });
    // Restored from the start, as promtool marks every alerting rule: the ALERTS series are
    // written from the first evaluation.
    for (rules::GroupSpec& g : specs)
      groups_.push_back(std::make_unique<rules::Group>(std::move(g), context_, true));
    return errors;
  }

  void CompareAlerts(const rules::AlertTestCase& test, std::vector<std::string>* errors) const {
    std::vector<AlertText> got;
    for (const std::unique_ptr<rules::Group>& g : groups_) {
      for (const rules::Alert& a : g->FiringAlerts(test.alertname)) {
        got.push_back({PairsOf(a.labels), TextPairs(a.annotations.begin(), a.annotations.end())});
      }
    }
    std::vector<AlertText> expected;
    for (const rules::ExpectedAlert& e : test.exp_alerts) {
      AlertText a{e.labels, e.annotations};
      // The alertname label is the test's: promtool sets it over whatever exp_labels says.
      std::erase_if(a.labels, [](const auto& l) { return l.first == "alertname"; });
      a.labels.emplace_back("alertname", test.alertname);
      std::sort(a.labels.begin(), a.labels.end());
      expected.push_back(std::move(a));
    }
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    if (got == expected) return;
    const std::string name = test_.name.empty() ? "" : "    name: " + test_.name + ",\n";
    errors->push_back(name + "    alertname: " + test.alertname +
                      ", time: " + ModelDurationString(test.eval_time.count()) +
                      ", \n        exp:" + IndentLines(AlertListString(expected), "            ") +
                      ", \n        got:" + IndentLines(AlertListString(got), "            "));
  }

  struct SampleText {
    TextPairs labels;
    double value;
  };
  static std::string SamplesString(const std::vector<SampleText>& samples) {
    if (samples.empty()) return "nil";
    std::string out;
    for (const SampleText& s : samples) {
      out += (out.empty() ? "" : ", ") + LabelsString(s.labels) + " " + GoFloatE(s.value);
    }
    return out;
  }

  void ComparePromql(const rules::PromqlTestCase& test, std::vector<std::string>* errors) const {
    const std::string head = "    expr: " + Quote(test.expr) +
                             ", time: " + ModelDurationString(test.eval_time.count()) + ",";
    std::vector<SampleText> got;
    auto parsed = promql::ParseExpr(test.expr);
    if (!parsed.ok()) {
      errors->push_back(head + " err: " + parsed.status().message());
      return;
    }
    auto result = engine_->InstantQuery(**parsed, test.eval_time.count());
    if (!result.ok()) {
      errors->push_back(head + " err: " + result.status().message());
      return;
    }
    if (result->type == promql::ValueType::kVector) {
      for (const promql::Sample& s : result->vector) got.push_back({PairsOf(*s.metric), s.v});
    } else if (result->type == promql::ValueType::kScalar) {
      got.push_back({{}, result->scalar});
    } else {
      errors->push_back(head + " err: rule result is not a vector or scalar");
      return;
    }
    std::vector<SampleText> expected;
    for (const rules::ExpectedSample& e : test.exp_samples) {
      auto labels = rules::ParseSeriesLabels(e.labels);
      if (!labels.ok()) {
        errors->push_back(head + " err: labels " + Quote(e.labels) + ": " +
                          labels.status().message());
        return;
      }
      expected.push_back({PairsOf(*labels), e.value});
    }
    auto by_labels = [](const SampleText& a, const SampleText& b) { return a.labels < b.labels; };
    std::stable_sort(got.begin(), got.end(), by_labels);
    std::stable_sort(expected.begin(), expected.end(), by_labels);
    // Values compare as floats do: NaN is never equal, not even to NaN (as in promtool).
    const bool same = got.size() == expected.size() &&
                      std::equal(got.begin(), got.end(), expected.begin(),
                                 [](const SampleText& a, const SampleText& b) {
                                   return a.labels == b.labels && a.value == b.value;
                                 });
    if (same) return;
    errors->push_back(head + "\n        exp: " + SamplesString(expected) +
                      "\n        got: " + SamplesString(got));
  }

  const TestGroup& test_;
  const Evaluation& eval_;
  std::vector<InputSamples> input_;
  std::unique_ptr<TempDir> dir_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<promql::Engine> engine_;
  rules::GroupContext context_;  // outlives groups_, which refer to it
  std::vector<std::unique_ptr<rules::Group>> groups_;
};

// Go's os.ReadFile error: "open FILE: no such file or directory".
core::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string why = std::strerror(errno);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return core::NotFoundError("open " + path + ": " + why);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> RunFile(const std::string& path, const TestRulesOutput& output) {
  auto text = ReadFile(path);
  if (!text.ok()) return {text.status().message()};
  auto file = rules::ParseUnitTestFile(*text, path);
  if (!file.ok()) return {file.status().message()};
  Evaluation eval;
  eval.rule_files = ResolveRuleFiles(path, file->rule_files, output);
  eval.interval_ms = file->evaluation_interval.count() > 0 ? file->evaluation_interval.count()
                                                           : kDefaultEvaluationIntervalMs;
  for (size_t i = 0; i < file->group_eval_order.size(); ++i) {
    if (!eval.group_order.emplace(file->group_eval_order[i], i).second) {
      return {"group name repeated in evaluation order: " + file->group_eval_order[i]};
    }
  }
  std::vector<std::string> errors;
  for (const TestGroup& test : file->tests) {
    std::vector<std::string> e = TestGroupRun(test, eval).Run();
    errors.insert(errors.end(), e.begin(), e.end());
  }
  return errors;
}

}  // namespace

int TestRuleFiles(const std::vector<std::string>& files, const TestRulesOutput& output) {
  for (const std::string& f : files) {
    std::error_code ec;
    if (!std::filesystem::exists(f, ec)) {
      output.err("vigil-server: error: path '" + f + "' does not exist\n");
      return 1;
    }
  }
  bool failed = false;
  for (const std::string& f : files) {
    output.out("Unit Testing:  " + f + "\n");
    const std::vector<std::string> errors = RunFile(f, output);
    if (errors.empty()) {
      output.out("  SUCCESS\n");
    } else {
      failed = true;
      output.err("  FAILED:\n");
      for (const std::string& e : errors) {
        output.err(e + "\n");
        output.out("\n");
      }
    }
    output.out("\n");
  }
  return failed ? 1 : 0;
}

}  // namespace vigil::server
