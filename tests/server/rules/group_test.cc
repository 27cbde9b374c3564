// Rule groups against a real storage: what they write, what later rules see, stale markers,
// failures that stay with their rule, the for-state restore after a restart and reloads.
#include "server/rules/group.h"

#include <gtest/gtest.h>

#include "server/promql/parser.h"
#include "server/storage/storage.h"
#include "tests/core/temp_dir.h"

namespace vigil::rules {
namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kT0 = 1'700'000'000'000;

class GroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
    storage::StorageOptions o;
    o.dir = dir_;
    auto s = storage::Storage::Open(o, clock_, metrics_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    storage_ = std::move(*s);
    engine_ = std::make_unique<promql::Engine>(*storage_, promql::EngineOptions{});
    context_.engine = engine_.get();
    context_.appendable = storage_.get();
    context_.queryable = storage_.get();
    context_.external_url = "http://vigil:9090";
    context_.notify = [this](std::vector<NotifierAlert> alerts) {
      for (auto& a : alerts) sent_.push_back(std::move(a));
    };
  }

  void Put(const core::Labels& labels, std::vector<core::Sample> samples) {
    auto app = storage_->OpenAppender();
    ASSERT_TRUE(app->Add(labels, samples).ok());
    ASSERT_TRUE(app->Commit().ok());
  }

  static RuleSpec Record(std::string name, std::string expr) {
    RuleSpec r;
    r.name = std::move(name);
    r.expr = std::move(expr);
    auto parsed = promql::ParseExpr(r.expr);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    r.parsed = std::move(*parsed);
    return r;
  }
  static RuleSpec Alerting(std::string name, std::string expr, int64_t for_ms) {
    RuleSpec r = Record(std::move(name), std::move(expr));
    r.kind = RuleSpec::Kind::kAlerting;
    r.for_duration = std::chrono::milliseconds(for_ms);
    return r;
  }
  static GroupSpec Spec(std::vector<RuleSpec> rules, std::string name = "g") {
    GroupSpec g;
    g.name = std::move(name);
    g.file = "rules.yml";
    g.interval = std::chrono::milliseconds(kMin);
    g.rules = std::move(rules);
    return g;
  }

  // The samples stored for series `selector` in [from, to].
  std::vector<core::Sample> Stored(const std::string& selector, int64_t from, int64_t to) {
    auto matchers = promql::ParseMetricSelector(selector);
    EXPECT_TRUE(matchers.ok());
    auto q = storage_->OpenQuerier();
    auto set = q->Select(*matchers, from, to);
    std::vector<core::Sample> out;
    while (set->Next()) {
      for (const core::Sample& s : set->samples()) out.push_back(s);
    }
    return out;
  }

  core::ManualClock clock_{kT0};
  core::MetricsRegistry metrics_;
  std::string dir_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<promql::Engine> engine_;
  GroupContext context_;
  std::vector<NotifierAlert> sent_;
};

TEST_F(GroupTest, LaterRulesSeeWhatEarlierOnesWroteInTheSameEvaluation) {
  Group g(Spec({Record("job:two", "vector(2)"), Alerting("Two", "job:two > 1", 0)}), context_,
          true);
  g.Eval(kT0);
  EXPECT_EQ(g.FiringAlerts("Two").size(), 1u);
  std::vector<core::Sample> recorded = Stored("job:two", 0, kT0 + kMin);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].timestamp_ms, kT0);
  EXPECT_EQ(recorded[0].value, 2);
  EXPECT_EQ(Stored("ALERTS{alertstate=\"firing\"}", 0, kT0 + kMin).size(), 1u);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].labels, core::Labels::FromLiteral({{"alertname", "Two"}}));
  EXPECT_EQ(sent_[0].generator_url, "http://vigil:9090/graph?g0.expr=job%3Atwo+%3E+1&g0.tab=1");
  std::shared_ptr<const GroupStatus> status = g.Status();
  EXPECT_EQ(status->last_evaluation_ms, kT0);
  ASSERT_EQ(status->rules.size(), 2u);
  EXPECT_EQ(status->rules[1].state, AlertState::kFiring);
  EXPECT_EQ(status->rules[1].health, RuleHealth::kGood);
}

TEST_F(GroupTest, ASeriesARuleNoLongerAnswersIsMarkedStale) {
  Put(core::Labels::FromLiteral({{"__name__", "x"}, {"i", "1"}}), {{kT0, 3}, {kT0 + kMin, 3}});
  Put(core::Labels::FromLiteral({{"__name__", "x"}, {"i", "2"}}), {{kT0, 2}, {kT0 + kMin, 0}});
  Group g(Spec({Record("y", "x > 1")}), context_, true);
  g.Eval(kT0);
  g.Eval(kT0 + kMin);  // x{i="2"} is no longer above 1
  std::vector<core::Sample> two = Stored("y{i=\"2\"}", 0, kT0 + 10 * kMin);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].value, 2);
  EXPECT_TRUE(core::IsStaleNaN(two[1].value));
  EXPECT_EQ(two[1].timestamp_ms, kT0 + kMin);
  EXPECT_EQ(Stored("y{i=\"1\"}", 0, kT0 + 10 * kMin).size(), 2u);
  // A query right after sees only y{i="1"}, without waiting for the lookback.
  auto expr = promql::ParseExpr("y");
  auto result = engine_->InstantQuery(**expr, kT0 + kMin + 1000);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->vector.size(), 1u);
  EXPECT_EQ(result->vector[0].metric->Get("i"), "1");
}

TEST_F(GroupTest, AFailingRuleIsUnhealthyAndTheOthersGoOn) {
  Put(core::Labels::FromLiteral({{"__name__", "x"}, {"i", "1"}}), {{kT0, 1}});
  Put(core::Labels::FromLiteral({{"__name__", "z"}, {"i", "1"}}), {{kT0, 2}});
  // Two series that differ only by name are one once renamed.
  Group g(Spec({Record("same", "{__name__=~\"x|z\"}"), Record("fine", "sum({i=\"1\"})")}), context_,
          true);
  g.Eval(kT0);
  std::vector<std::string> errors = g.LastErrors();
  EXPECT_EQ(errors[0], "vector contains metrics with the same labelset after applying rule labels");
  EXPECT_EQ(errors[1], "");
  EXPECT_TRUE(Stored("same", 0, kT0 + kMin).empty());
  ASSERT_EQ(Stored("fine", 0, kT0 + kMin).size(), 1u);
  EXPECT_EQ(Stored("fine", 0, kT0 + kMin)[0].value, 3);
  EXPECT_EQ(g.Status()->rules[0].health, RuleHealth::kBad);
  EXPECT_EQ(g.rule_failures(), 1u);
}

TEST_F(GroupTest, TheLimitCapsARecordingRule) {
  Put(core::Labels::FromLiteral({{"__name__", "x"}, {"i", "1"}}), {{kT0, 1}});
  Put(core::Labels::FromLiteral({{"__name__", "x"}, {"i", "2"}}), {{kT0, 2}});
  GroupSpec spec = Spec({Record("y", "x")});
  spec.limit = 1;
  Group g(std::move(spec), context_, true);
  g.Eval(kT0);
  EXPECT_EQ(g.LastErrors()[0], "exceeded limit of 1 with 2 series");
  EXPECT_TRUE(Stored("y", 0, kT0 + kMin).empty());
}

TEST_F(GroupTest, AQueryOffsetQueriesAndWritesInThePast) {
  Put(core::Labels::FromLiteral({{"__name__", "x"}}), {{kT0 - 2 * kMin, 1}, {kT0, 5}});
  GroupSpec spec = Spec({Record("y", "x")});
  spec.query_offset = std::chrono::milliseconds(kMin);
  Group g(std::move(spec), context_, true);
  g.Eval(kT0);
  std::vector<core::Sample> y = Stored("y", 0, kT0 + kMin);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].timestamp_ms, kT0 - kMin);
  EXPECT_EQ(y[0].value, 1);  // the sample at kT0 is not yet seen
}

TEST_F(GroupTest, AfterARestartPendingTimeIsRestoredFromAlertsForState) {
  Put(core::Labels::FromLiteral({{"__name__", "up"}, {"job", "a"}}), {{kT0, 0}});
  for (int64_t t = kT0 + kMin; t <= kT0 + 80 * kMin; t += kMin)
    Put(core::Labels::FromLiteral({{"__name__", "up"}, {"job", "a"}}), {{t, 0}});
  {
    Group before(Spec({Alerting("Down", "up == 0", 60 * kMin)}), context_, true);
    for (int64_t t = kT0; t <= kT0 + 30 * kMin; t += kMin) before.Eval(t);
    EXPECT_TRUE(before.FiringAlerts("Down").empty());
  }
  // Down for ten minutes; back at kT0 + 40m.
  Group after(Spec({Alerting("Down", "up == 0", 60 * kMin)}), context_, false);
  after.Eval(kT0 + 40 * kMin);
  EXPECT_TRUE(Stored("ALERTS", kT0 + 40 * kMin, kT0 + 40 * kMin).empty());  // not until restored
  after.RestoreForState(kT0 + 40 * kMin);
  EXPECT_TRUE(after.restored());
  ASSERT_EQ(after.Status()->rules.size(), 1u);
  after.Eval(kT0 + 41 * kMin);
  ASSERT_EQ(after.Status()->rules[0].alerts.size(), 1u);
  EXPECT_EQ(after.Status()->rules[0].alerts[0].active_at_ms, kT0 + 10 * kMin);
  after.Eval(kT0 + 70 * kMin - 1);
  EXPECT_TRUE(after.FiringAlerts("Down").empty());
  after.Eval(kT0 + 70 * kMin);
  EXPECT_EQ(after.FiringAlerts("Down").size(), 1u);
}

TEST_F(GroupTest, BeyondTheOutageToleranceNothingIsRestored) {
  for (int64_t t = kT0; t <= kT0 + 200 * kMin; t += kMin)
    Put(core::Labels::FromLiteral({{"__name__", "up"}}), {{t, 0}});
  {
    Group before(Spec({Alerting("Down", "up == 0", 60 * kMin)}), context_, true);
    for (int64_t t = kT0; t <= kT0 + 30 * kMin; t += kMin) before.Eval(t);
  }
  Group after(Spec({Alerting("Down", "up == 0", 60 * kMin)}), context_, false);
  const int64_t back = kT0 + 30 * kMin + 61 * kMin;  // down 61 minutes, tolerance 60
  after.Eval(back);
  after.RestoreForState(back);
  EXPECT_EQ(after.Status()->rules[0].alerts[0].active_at_ms, back);
}

TEST_F(GroupTest, AReloadKeepsTheAlertsOfUnchangedRulesAndStalesRemovedOnes) {
  Put(core::Labels::FromLiteral({{"__name__", "up"}}),
      {{kT0, 0}, {kT0 + kMin, 0}, {kT0 + 2 * kMin, 0}});
  Group old(Spec({Alerting("Down", "up == 0", 2 * kMin), Record("gone", "up")}), context_, true);
  old.Eval(kT0);
  old.Eval(kT0 + kMin);
  Group next(Spec({Alerting("Down", "up == 0", 2 * kMin)}), context_, true);
  next.CopyStateFrom(old);
  old.Eval(kT0 + 2 * kMin);  // retired: does nothing
  EXPECT_TRUE(old.FiringAlerts("Down").empty());
  next.Eval(kT0 + 2 * kMin);
  ASSERT_EQ(next.FiringAlerts("Down").size(), 1u);  // pending since kT0, as before the reload
  EXPECT_EQ(next.FiringAlerts("Down")[0].active_at_ms, kT0);
  std::vector<core::Sample> gone = Stored("gone", 0, kT0 + 10 * kMin);
  ASSERT_EQ(gone.size(), 3u);
  EXPECT_TRUE(core::IsStaleNaN(gone[2].value));
  EXPECT_EQ(gone[2].timestamp_ms, kT0 + 2 * kMin);
}

TEST_F(GroupTest, EvaluationTimesAreSpreadOverTheInterval) {
  Group a(Spec({}, "a"), context_, true);
  Group b(Spec({}, "b"), context_, true);
  const int64_t next_a = a.NextEvaluationAt(kT0);
  EXPECT_GE(next_a, kT0);
  EXPECT_LT(next_a, kT0 + kMin);
  EXPECT_EQ(a.NextEvaluationAt(next_a), next_a);
  EXPECT_EQ(a.NextEvaluationAt(next_a + 1), next_a + kMin);
  EXPECT_EQ((b.NextEvaluationAt(kT0) - next_a) % kMin != 0, true);  // the two differ
}

}  // namespace
}  // namespace vigil::rules
