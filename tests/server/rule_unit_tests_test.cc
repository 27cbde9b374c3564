// `vigil-server test-rules`: promtool's report, word for word, on files written here (the
// texts expected are what promtool 2.42 printed for the same files), and promtool's timing of
// alert tests. tests/e2e/test_rules_test.sh runs promtool itself beside it.
#include "server/rule_unit_tests.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "server/rule_test_text.h"
#include "tests/core/temp_dir.h"

namespace vigil::server {
namespace {

class RuleUnitTestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
    Write("rules.yml", R"(
groups:
  - name: g
    rules:
      - record: job:up:sum
        expr: sum without (instance) (up)
      - alert: Down
        expr: up == 0
        for: 2m
        labels:
          severity: page
)");
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // Runs the files; the exit code, and what went to stdout and to stderr.
  int Run(const std::vector<std::string>& files) {
    out_.clear();
    err_.clear();
    return TestRuleFiles(files, {[this](std::string_view s) { out_ += s; },
                                 [this](std::string_view s) { err_ += s; }});
  }

  std::string dir_;
  std::string out_;
  std::string err_;
};

constexpr const char* kDownTest = R"(
rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '1 1 0 0 0 0 0'
      - series: 'up{job="node", instance="b"}'
        values: '1x6'
    alert_rule_test:
      - eval_time: 3m
        alertname: Down
      - eval_time: 4m
        alertname: Down
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: a}
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 6m
        exp_samples:
          - labels: 'job:up:sum{job="node"}'
            value: 1
)";

TEST_F(RuleUnitTestsTest, PassingFile) {
  const std::string f = Write("down_test.yml", kDownTest);
  EXPECT_EQ(Run({f}), 0);
  EXPECT_EQ(out_, "Unit Testing:  " + f + "\n  SUCCESS\n\n");
  EXPECT_EQ(err_, "");
}

TEST_F(RuleUnitTestsTest, FailuresInPromtoolsWords) {
  std::string text = kDownTest;
  text.replace(text.find("eval_time: 3m"), 13, "eval_time: 4m");  // expects nothing at 4m
  text.replace(text.find("value: 1"), 8, "value: 2");
  text.replace(text.find("  - interval: 1m"), 16, "  - name: down\n    interval: 1m");
  const std::string f = Write("down_test.yml", text);
  EXPECT_EQ(Run({f}), 1);
  EXPECT_EQ(out_, "Unit Testing:  " + f + "\n\n\n\n");
  EXPECT_EQ(err_, R"(  FAILED:
    name: down,
    alertname: Down, time: 4m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="Down", instance="a", job="node", severity="page"}
              Annotations:{}
            ]
    expr: "job:up:sum", time: 6m,
        exp: {__name__="job:up:sum", job="node"} 2E+00
        got: {__name__="job:up:sum", job="node"} 1E+00
)");
}

TEST_F(RuleUnitTestsTest, AnEvalTimeBetweenStepsSeesTheStepBefore) {
  // Evaluations at 0, 2m, 4m: at 3m30s the alert is as the 2m evaluation left it (pending
  // since 2m), at 4m it fires.
  const std::string f = Write("between_test.yml", R"(
rule_files: [rules.yml]
evaluation_interval: 2m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '1 0 0 0 0 0'
    alert_rule_test:
      - eval_time: 3m30s
        alertname: Down
      - eval_time: 4m
        alertname: Down
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: a}
)");
  EXPECT_EQ(Run({f}), 0) << err_;
}

TEST_F(RuleUnitTestsTest, EvaluationSeesNoSampleFromItsFuture) {
  // At 0 only the first sample is loaded: a rule with a negative offset finds nothing later.
  Write("future.yml",
        "groups:\n- name: f\n  rules:\n  - alert: Future\n    expr: up offset -1m == 0\n");
  const std::string f = Write("future_test.yml", R"(
rule_files: [future.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="node"}'
        values: '1 0 0'
    alert_rule_test:
      - eval_time: 0
        alertname: Future
      - eval_time: 1m
        alertname: Future
        exp_alerts:
          - exp_labels: {job: node}
)");
  EXPECT_EQ(Run({f}), 0) << err_;
}

TEST_F(RuleUnitTestsTest, ProblemsOfTheFileAreFailuresNotCrashes) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"tests:\n- alert_rule_test:\n  - eval_time: 1m\n",
       "an item under alert_rule_test misses required attribute alertname at eval_time 1m\n"},
      {"tests:\n- name: n\n  alert_rule_test:\n  - eval_time: 1h30m\n",
       "an item under alert_rule_test misses required attribute alertname at eval_time 1h30m (in "
       "TestGroup n)\n"},
      {"group_eval_order: [a, b, a]\ntests: [{}]\n",
       "group name repeated in evaluation order: a\n"},
      {"tests:\n- input_series:\n  - series: up\n    values: 1x\n",
       "input series \"up\" (line 3): values \"1x\": col 3: unexpected end of input, expected a "
       "repetition count\n"},
      {"tests:\n- promql_expr_test:\n  - expr: 'sum('\n",
       "    expr: \"sum(\", time: 0s, err: 1:5: parse error: unexpected end of input\n"},
      {"tests:\n- promql_expr_test:\n  - expr: up\n    exp_samples:\n    - labels: 'up{'\n",
       "    expr: \"up\", time: 0s, err: labels \"up{\": col 4: unexpected end of input, expected "
       "a label name or "
       "\"}\"\n"},
      {"tests:\n- promql_expr_test:\n  - expr: up[5m]\n",
       "    expr: \"up[5m]\", time: 0s, err: rule result is not a vector or scalar\n"},
  };
  for (const Case& c : cases) {
    const std::string f = Write("bad_test.yml", c.text);
    EXPECT_EQ(Run({f}), 1) << c.text;
    EXPECT_EQ(err_, std::string("  FAILED:\n") + c.error) << c.text;
  }
}

TEST_F(RuleUnitTestsTest, RuleFilesRelativeGlobbedAndMissing) {
  const std::string f =
      Write("glob_test.yml", "rule_files: ['rul*.yml', nothing.yml]\ntests: [{}]\n");
  EXPECT_EQ(Run({f}), 0);
  const std::string clean =
      std::filesystem::path(dir_ + "/nothing.yml").lexically_normal().string();
  EXPECT_EQ(err_, "  WARNING: no file match pattern " + clean + "\n");
  // A rule file that does not load fails every test group, as in promtool.
  Write("broken.yml", "groups:\n- name: b\n  rules:\n  - record: x\n    expr: sum(\n");
  const std::string g = Write("broken_test.yml", "rule_files: [broken.yml]\ntests: [{}, {}]\n");
  EXPECT_EQ(Run({g}), 1);
  EXPECT_EQ(out_, "Unit Testing:  " + g + "\n\n\n\n");
}

TEST_F(RuleUnitTestsTest, SeveralFilesAndAMissingOne) {
  const std::string good = Write("down_test.yml", kDownTest);
  const std::string bad = Write("bad_test.yml", "tests: 1\n");
  EXPECT_EQ(Run({good, bad, good}), 1);
  EXPECT_EQ(out_, "Unit Testing:  " + good + "\n  SUCCESS\n\nUnit Testing:  " + bad +
                      "\n\n\nUnit Testing:  " + good + "\n  SUCCESS\n\n");
  // promtool checks its arguments first: nothing runs.
  EXPECT_EQ(Run({good, dir_ + "/none.yml"}), 1);
  EXPECT_EQ(out_, "");
  EXPECT_EQ(err_, "vigil-server: error: path '" + dir_ + "/none.yml' does not exist\n");
}

TEST(RuleTestTextTest, GoSpellings) {
  EXPECT_EQ(ModelDurationString(0), "0s");
  EXPECT_EQ(ModelDurationString(90 * 60'000), "1h30m");
  EXPECT_EQ(ModelDurationString(24 * 3600'000), "1d");
  EXPECT_EQ(ModelDurationString(14 * 24 * 3600'000LL), "2w");
  EXPECT_EQ(ModelDurationString(8 * 24 * 3600'000LL), "8d");  // weeks only when exact
  EXPECT_EQ(ModelDurationString(1500), "1s500ms");
  EXPECT_EQ(GoDurationString(0), "0s");
  EXPECT_EQ(GoDurationString(10 * 60'000), "10m0s");
  EXPECT_EQ(GoDurationString(3600'000), "1h0m0s");
  EXPECT_EQ(GoDurationString(61'500), "1m1.5s");
  EXPECT_EQ(GoDurationString(500), "500ms");
  EXPECT_EQ(GoFloatE(3), "3E+00");
  EXPECT_EQ(GoFloatE(1.3000000000000003), "1.3000000000000003E+00");
  EXPECT_EQ(GoFloatE(0.5), "5E-01");
  EXPECT_EQ(GoFloatE(-2), "-2E+00");
  EXPECT_EQ(GoFloatE(1e100), "1E+100");
  EXPECT_EQ(GoFloatE(std::nan("")), "NaN");
  EXPECT_EQ(GoFloatE(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(LabelsString({{"a", "x\"y\n"}, {"b", ""}}), R"({a="x\"y\n", b=""})");
  EXPECT_EQ(IndentLines("a\nb\nc", "  "), "a\n  b\n  c");
  EXPECT_EQ(AlertListString({}), "[]");
  EXPECT_EQ(
      AlertListString({{{{"alertname", "A"}}, {}}, {{{"alertname", "B"}}, {{"s", "t"}}}}),
      "[\n0:\n  Labels:{alertname=\"A\"}\n  Annotations:{},\n1:\n  Labels:{alertname=\"B\"}\n  "
      "Annotations:{s=\"t\"}\n]");
}

}  // namespace
}  // namespace vigil::server
