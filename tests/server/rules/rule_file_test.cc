#include "server/rules/rule_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

namespace vigil::rules {
namespace {

const std::string kData = VIGIL_RULES_TESTDATA;

std::vector<std::string> ProblemsOf(const std::string& name) {
  auto r = LoadRuleFile(kData + "/" + name);
  EXPECT_FALSE(r.ok());
  std::vector<std::string> lines;
  std::istringstream in(r.status().message());
  for (std::string line; std::getline(in, line);) lines.push_back(line.substr(line.find(':') + 1));
  return lines;
}

TEST(RuleFileTest, ReadsEveryFieldOfBothKinds) {
  auto groups = LoadRuleFile(kData + "/good.yml");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 2u);
  const GroupSpec& g = (*groups)[0];
  EXPECT_EQ(g.name, "node");
  EXPECT_EQ(g.file, kData + "/good.yml");
  EXPECT_EQ(g.interval, std::chrono::seconds(30));
  EXPECT_EQ(g.limit, 10);
  EXPECT_FALSE(g.query_offset.has_value());
  ASSERT_EQ(g.rules.size(), 2u);
  const RuleSpec& record = g.rules[0];
  EXPECT_EQ(record.kind, RuleSpec::Kind::kRecording);
  EXPECT_EQ(record.name, "job:up:sum");
  EXPECT_EQ(record.parsed->String(), "sum by (job) (up)");
  EXPECT_EQ(record.labels, core::Labels::FromLiteral({{"team", "infra"}}));
  EXPECT_EQ(record.line, 7);
  const RuleSpec& alert = g.rules[1];
  EXPECT_EQ(alert.kind, RuleSpec::Kind::kAlerting);
  EXPECT_EQ(alert.name, "InstanceDown");
  EXPECT_EQ(alert.for_duration, std::chrono::minutes(5));
  EXPECT_EQ(alert.keep_firing_for, std::chrono::minutes(1));
  ASSERT_EQ(alert.annotations.size(), 2u);
  EXPECT_EQ(alert.annotations[0].first, "description");  // sorted by name
  EXPECT_EQ(alert.annotations[1].second, "Instance {{ $labels.instance }} down");
  EXPECT_TRUE((*groups)[1].rules.empty());
  EXPECT_FALSE((*groups)[1].interval.has_value());
}

TEST(RuleFileTest, EveryProblemOfAFileNamesItsLineGroupAndRule) {
  EXPECT_EQ(
      ProblemsOf("bad_rules.yml"),
      (std::vector<std::string>{
          "6:15: group \"node\", rule 1, \"job:up:sum\": could not parse expression: 1:17: parse "
          "error: "
          "unexpected end of input in argument list, expected \",\" or \")\"",
          "7:17: group \"node\", rule 2, \"bad name\": invalid field 'annotations' in recording "
          "rule",
          "7:17: group \"node\", rule 2, \"bad name\": invalid field 'for' in recording rule",
          "7:17: group \"node\", rule 2, \"bad name\": invalid recording rule name: bad name",
          "15:11: group \"node\", rule 3, \"Y\": invalid label name: __name__",
          "15:11: group \"node\", rule 3, \"Y\": invalid label name: bad-label",
          "17:17: group \"node\", rule 4, \"a\": only one of 'record' and 'alert' must be set",
          "20:9: group \"node\", rule 5, \"NoExpr\": field 'expr' must be set in rule",
          "21:5: groupname: \"node\" is repeated in the same file",
          "23:9: group \"node\", rule 1, \"\": one of 'record' or 'alert' must be set",
          "24:11: group name must not be empty",
      }));
  EXPECT_EQ(ProblemsOf("bad_fields.yml"),
            (std::vector<std::string>{
                "3:15: group \"node\": not a valid duration string: \"1x\"",
                "4:12: group \"node\": limit must be a whole number, 0 or more: \"-1\"",
                "9:9: group \"node\", rule 1: unknown field \"foo\"",
                "10:17: group \"node\", rule 1: field \"labels\" must be a map of strings",
                "8:14: group \"node\", rule 1, \"X\": not a valid duration string: \"-5m\"",
            }));
  EXPECT_EQ(ProblemsOf("bad_yaml.yml"),
            (std::vector<std::string>{"4:7: yaml: illegal block entry"}));
}

// promtool 2.42 says the same of bad_templates.yml, without the positions and in map order.
TEST(RuleFileTest, AlertingRulesTemplatesAreParsedAtLoad) {
  EXPECT_EQ(ProblemsOf("bad_templates.yml"),
            (std::vector<std::string>{
                "13:21: group \"g\", rule 2, \"HighLoad\": label \"severity\": template: "
                "__alert_HighLoad:1: "
                "missing value for if",
                "16:20: group \"g\", rule 2, \"HighLoad\": annotation \"summary\": template: "
                "__alert_HighLoad:1: "
                "function \"nope\" not defined",
                "18:14: group \"g\", rule 2, \"HighLoad\": annotation \"z\": template: "
                "__alert_HighLoad:2: "
                "unexpected {{end}}",
            }));
  // A recording rule's labels are values, not templates; good.yml's templates all parse.
  EXPECT_TRUE(
      ParseRuleFile(
          "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    labels:\n      x: "
          "\"{{ nope }}\"\n",
          "r.yml")
          .ok());
  EXPECT_TRUE(LoadRuleFile(kData + "/good.yml").ok());
}

TEST(RuleFileTest, AnEmptyFileHoldsNoGroups) {
  auto groups = ParseRuleFile("", "empty.yml");
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->empty());
  EXPECT_TRUE(ParseRuleFile("groups:\n", "x.yml").ok());
  EXPECT_FALSE(ParseRuleFile("- a\n- b\n", "x.yml").ok());
  EXPECT_FALSE(ParseRuleFile("groups: 3\n", "x.yml").ok());
}

// yaml-cpp throws on malformed input: whatever the bytes, the answer is an error, not a crash.
TEST(RuleFileTest, DamagedFilesAreRefusedNotCrashedOn) {
  std::ifstream in(kData + "/good.yml");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string good = buf.str();
  std::mt19937 rng(7);
  size_t refused = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) text[rng() % text.size()] = static_cast<char>(rng() % 256);
    if (rng() % 3 == 0) text.resize(rng() % text.size());
    refused += !ParseRuleFile(text, "damaged.yml").ok();
  }
  EXPECT_GT(refused, 1000u);
}

TEST(RuleFileTest, CheckRulesReportsAsPromtool) {
  std::string report;
  EXPECT_TRUE(CheckRuleFiles({kData + "/good.yml"}, &report));
  EXPECT_EQ(report, "Checking " + kData + "/good.yml\n  SUCCESS: 2 rules found\n\n");
  report.clear();
  EXPECT_FALSE(CheckRuleFiles(
      {kData + "/good.yml", kData + "/bad_yaml.yml", kData + "/missing.yml"}, &report));
  EXPECT_NE(report.find("Checking " + kData + "/bad_yaml.yml\n  FAILED:\n" + kData +
                        "/bad_yaml.yml:4:7: yaml: illegal block entry"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("missing.yml: cannot open"), std::string::npos) << report;
}

TEST(RuleFileTest, PatternsNameEachFileOnceAndAMissOnlyNamesNothing) {
  const auto files = ExpandRuleFilePatterns(
      {kData + "/good.yml", kData + "/bad_*.yml", kData + "/good.*", kData + "/none-*.yml"});
  EXPECT_EQ(files, (std::vector<std::string>{kData + "/good.yml", kData + "/bad_fields.yml",
                                             kData + "/bad_rules.yml", kData + "/bad_templates.yml",
                                             kData + "/bad_yaml.yml"}));
  auto all = LoadRuleFiles({kData + "/good.yml", kData + "/bad_yaml.yml"});
  EXPECT_FALSE(all.ok());
}

}  // namespace
}  // namespace vigil::rules
