// promtool's rule unit-test files read strictly: every field in its place, values of the
// right kind, and every problem of a bad file named with its line and column (no crash).
#include "server/rules/unit_test_file.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::rules {
namespace {

TEST(UnitTestFileTest, ReadsEveryField) {
  auto f = ParseUnitTestFile(R"(
rule_files: [a.yml, "rules/*.yml"]
evaluation_interval: 30s
group_eval_order: [first, second]
tests:
  - name: one
    interval: 1m
    external_labels: {region: eu, cluster: c1}
    external_url: http://vigil.example:9090
    input_series:
      - series: 'up{job="node"}'
        values: '1x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: Down
        exp_alerts:
          - exp_labels: {severity: page, code: 500}
            exp_annotations:
              summary: "it is down"
      - eval_time: 0
        alertname: Down
    promql_expr_test:
      - expr: up
        eval_time: 1h30m
        exp_samples:
          - labels: 'up{job="node"}'
            value: 1
          - labels: '{}'
            value: 2.5e3
  - interval: 15s
)",
                             "t.yml");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->rule_files, (std::vector<std::string>{"a.yml", "rules/*.yml"}));
  EXPECT_EQ(f->evaluation_interval, std::chrono::seconds(30));
  EXPECT_EQ(f->group_eval_order, (std::vector<std::string>{"first", "second"}));
  ASSERT_EQ(f->tests.size(), 2u);
  const TestGroup& t = f->tests[0];
  EXPECT_EQ(t.name, "one");
  EXPECT_EQ(t.interval, std::chrono::minutes(1));
  EXPECT_EQ(t.external_labels, (StringPairs{{"cluster", "c1"}, {"region", "eu"}}));
  EXPECT_EQ(t.external_url, "http://vigil.example:9090");
  ASSERT_EQ(t.input_series.size(), 1u);
  EXPECT_EQ(t.input_series[0].series, R"(up{job="node"})");
  EXPECT_EQ(t.input_series[0].values, "1x10");
  EXPECT_EQ(t.input_series[0].line, 11);
  ASSERT_EQ(t.alert_rule_test.size(), 2u);
  EXPECT_EQ(t.alert_rule_test[0].eval_time, std::chrono::minutes(5));
  EXPECT_EQ(t.alert_rule_test[0].alertname, "Down");
  ASSERT_EQ(t.alert_rule_test[0].exp_alerts.size(), 1u);
  // Any scalar is a string, as yaml.v2 reads one into a string.
  EXPECT_EQ(t.alert_rule_test[0].exp_alerts[0].labels,
            (StringPairs{{"code", "500"}, {"severity", "page"}}));
  EXPECT_EQ(t.alert_rule_test[0].exp_alerts[0].annotations,
            (StringPairs{{"summary", "it is down"}}));
  EXPECT_EQ(t.alert_rule_test[1].eval_time, std::chrono::milliseconds(0));
  EXPECT_TRUE(t.alert_rule_test[1].exp_alerts.empty());
  ASSERT_EQ(t.promql_expr_test.size(), 1u);
  EXPECT_EQ(t.promql_expr_test[0].eval_time, std::chrono::minutes(90));
  ASSERT_EQ(t.promql_expr_test[0].exp_samples.size(), 2u);
  EXPECT_EQ(t.promql_expr_test[0].exp_samples[1].labels, "{}");
  EXPECT_EQ(t.promql_expr_test[0].exp_samples[1].value, 2500);
  EXPECT_EQ(f->tests[1].interval, std::chrono::seconds(15));
}

TEST(UnitTestFileTest, EmptyFileAndEmptyEntries) {
  auto f = ParseUnitTestFile("", "t.yml");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->tests.empty());
  // A null entry is a test group with nothing set, as yaml.v2 makes it.
  f = ParseUnitTestFile("tests:\n  -\n  - interval:\n", "t.yml");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->tests.size(), 2u);
  EXPECT_EQ(f->tests[1].interval.count(), 0);
}

double Value(const std::string& yaml_value) {
  auto f = ParseUnitTestFile(
      "tests:\n- promql_expr_test:\n  - exp_samples:\n    - value: " + yaml_value + "\n", "t.yml");
  if (!f.ok()) {
    ADD_FAILURE() << yaml_value << ": " << f.status().ToString();
    return -12345;
  }
  return f->tests[0].promql_expr_test[0].exp_samples[0].value;
}

TEST(UnitTestFileTest, SampleValuesAsYamlNumbers) {
  EXPECT_EQ(Value("1"), 1);
  EXPECT_EQ(Value("-0.25"), -0.25);
  EXPECT_EQ(Value("1e3"), 1000);
  EXPECT_EQ(Value(".5"), 0.5);
  EXPECT_EQ(Value("1."), 1);
  EXPECT_EQ(Value("0x10"), 16);
  EXPECT_EQ(Value("010"), 8);
  EXPECT_EQ(Value("0o17"), 15);
  EXPECT_EQ(Value("1_000"), 1000);
  EXPECT_EQ(Value(".inf"), INFINITY);
  EXPECT_EQ(Value("-.Inf"), -INFINITY);
  EXPECT_TRUE(std::isnan(Value(".nan")));
}

std::string Problems(const std::string& text) {
  auto f = ParseUnitTestFile(text, "t.yml");
  return f.ok() ? "ok" : f.status().message();
}

TEST(UnitTestFileTest, UnknownRepeatedAndMistypedFieldsAreErrors) {
  EXPECT_EQ(Problems("rule_files: [a.yml]\nfoo: 1\n"),
            "t.yml:2:1: unknown field \"foo\" in the test file (its fields: rule_files, "
            "evaluation_interval, "
            "group_eval_order, tests)");
  EXPECT_EQ(Problems("tests: []\ntests: []\n"),
            "t.yml:2:1: field \"tests\" given twice in the test file");
  EXPECT_EQ(Problems("rule_files: a.yml\n"),
            "t.yml:1:13: the test file.rule_files must be a list, not the scalar \"a.yml\"");
  EXPECT_EQ(Problems("tests:\n- interval: 1m\n  input_series:\n  - series: a\n    value: 1\n"),
            "t.yml:5:5: unknown field \"value\" in tests[0].input_series[0] (its fields: series, "
            "values)");
  EXPECT_EQ(Problems("tests:\n- alert_rule_test:\n  - eval_time: 10\n"),
            "t.yml:3:16: tests[0].alert_rule_test[0].eval_time: not a valid duration string: "
            "\"10\" (e.g. 1m, 1h30m, 0)");
  EXPECT_EQ(Problems("tests:\n- promql_expr_test:\n  - exp_samples:\n    - value: \"1\"\n"),
            "t.yml:4:14: tests[0].promql_expr_test[0].exp_samples[0].value must be a number, not "
            "the string \"1\"");
  EXPECT_EQ(Problems("tests:\n- promql_expr_test:\n  - exp_samples:\n    - value: Inf\n"),
            "t.yml:4:14: tests[0].promql_expr_test[0].exp_samples[0].value must be a number, not "
            "\"Inf\"");
  EXPECT_EQ(Problems("tests:\n- external_labels: [a]\n"),
            "t.yml:2:20: tests[0].external_labels must be a map of names to strings, not a list");
  EXPECT_EQ(Problems("tests: 3\n"), "t.yml:1:8: tests must be a list, not the scalar \"3\"");
  EXPECT_EQ(Problems("- a\n"), "t.yml:1:1: the test file must be a map, not a list");
}

TEST(UnitTestFileTest, EveryProblemIsListed) {
  const std::string p = Problems("foo: 1\ntests:\n- bar: 2\n  interval: x\n");
  EXPECT_NE(p.find("t.yml:1:1: unknown field \"foo\""), std::string::npos) << p;
  EXPECT_NE(p.find("t.yml:3:3: unknown field \"bar\" in tests[0]"), std::string::npos) << p;
  EXPECT_NE(p.find("t.yml:4:13: tests[0].interval: not a valid duration string: \"x\""),
            std::string::npos)
      << p;
}

TEST(UnitTestFileTest, MalformedYamlIsAnErrorNotACrash) {
  EXPECT_EQ(Problems("{"), "t.yml:1:1: yaml: end of map flow not found");
  EXPECT_EQ(Problems("tests:\n  - [\n"), "t.yml:3:1: yaml: end of sequence flow not found");
  EXPECT_EQ(Problems("a: *nothing\n").substr(0, 11), "t.yml:1:4: ");
}

TEST(UnitTestFileTest, AliasesThatExpandToMillionsAreRefused) {
  // 200 test groups of 200 alert tests of 200 expected alerts, in a few kilobytes: refused,
  // not read into 8 million entries.
  auto list_of = [](const std::string& alias) {
    std::string out = "[";
    for (int i = 0; i < 200; ++i) out += (i ? ", *" : "*") + alias;
    return out + "]";
  };
  const std::string text =
      "e: &e {exp_labels: {a: b}}\n"
      "al: &al {alertname: X, exp_alerts: " +
      list_of("e") +
      "}\n"
      "tg: &tg {alert_rule_test: " +
      list_of("al") +
      "}\n"
      "tests: " +
      list_of("tg") + "\n";
  const std::string p = Problems(text);
  EXPECT_NE(p.find("more than 1000000 entries with aliases expanded: refused"), std::string::npos)
      << p.substr(0, 500);
}

}  // namespace
}  // namespace vigil::rules
