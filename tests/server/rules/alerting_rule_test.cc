// The alert state machine, driven by hand: each Update is one evaluation at a chosen time with
// the vector its expression would have answered, so no clock or storage is involved.
#include "server/rules/alerting_rule.h"

#include <gtest/gtest.h>

namespace vigil::rules {
namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kT0 = 1'700'000'000'000;

RuleSpec Spec(int64_t for_ms, int64_t keep_firing_ms = 0) {
  RuleSpec s;
  s.kind = RuleSpec::Kind::kAlerting;
  s.name = "HighLoad";
  s.for_duration = std::chrono::milliseconds(for_ms);
  s.keep_firing_for = std::chrono::milliseconds(keep_firing_ms);
  s.labels = core::Labels::FromLiteral({{"severity", "page"}});
  s.annotations = {{"summary", "load is high"}};
  return s;
}

promql::Vector Answer(std::initializer_list<std::pair<const char*, double>> instances) {
  promql::Vector v;
  for (const auto& [instance, value] : instances) {
    v.push_back({std::make_shared<const core::Labels>(core::Labels::FromLiteral(
                     {{"__name__", "node_load1"}, {"instance", instance}})),
                 value, 0});
  }
  return v;
}

EvalContext At(int64_t ts, int64_t limit = 0) {
  EvalContext c;
  c.ts_ms = ts;
  c.query_ts_ms = ts;
  c.limit = limit;
  return c;
}

std::vector<RuleOutput> Eval(AlertingRule& rule, const promql::Vector& v, int64_t ts) {
  auto out = rule.Update(v, At(ts));
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : std::vector<RuleOutput>{};
}

TEST(AlertingRuleTest, PendingForItsForDurationThenFiring) {
  RuleSpec spec = Spec(5 * kMin);
  AlertingRule rule(spec, /*restored=*/true);
  std::vector<RuleOutput> out = Eval(rule, Answer({{"a", 3}}), kT0);
  ASSERT_EQ(rule.ActiveAlerts().size(), 1u);
  Alert a = rule.ActiveAlerts()[0];
  EXPECT_EQ(a.state, AlertState::kPending);
  EXPECT_EQ(a.active_at_ms, kT0);
  EXPECT_EQ(a.labels, core::Labels::FromLiteral(
                          {{"alertname", "HighLoad"}, {"instance", "a"}, {"severity", "page"}}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].labels, core::Labels::FromLiteral({{"__name__", "ALERTS"},
                                                      {"alertname", "HighLoad"},
                                                      {"alertstate", "pending"},
                                                      {"instance", "a"},
                                                      {"severity", "page"}}));
  EXPECT_EQ(out[0].value, 1);
  EXPECT_EQ(out[1].labels, core::Labels::FromLiteral({{"__name__", "ALERTS_FOR_STATE"},
                                                      {"alertname", "HighLoad"},
                                                      {"instance", "a"},
                                                      {"severity", "page"}}));
  EXPECT_EQ(out[1].value, kT0 / 1000);

  Eval(rule, Answer({{"a", 4}}), kT0 + 5 * kMin - 1);
  EXPECT_EQ(rule.ActiveAlerts()[0].state, AlertState::kPending);
  EXPECT_EQ(rule.ActiveAlerts()[0].value, 4);
  out = Eval(rule, Answer({{"a", 5}}), kT0 + 5 * kMin);
  a = rule.ActiveAlerts()[0];
  EXPECT_EQ(a.state, AlertState::kFiring);
  EXPECT_EQ(a.fired_at_ms, kT0 + 5 * kMin);
  EXPECT_EQ(a.active_at_ms, kT0);
  EXPECT_EQ(out[0].labels.Get("alertstate"), "firing");
  EXPECT_EQ(rule.State(), AlertState::kFiring);
}

TEST(AlertingRuleTest, WithoutForItFiresAtOnce) {
  RuleSpec spec = Spec(0);
  AlertingRule rule(spec, true);
  Eval(rule, Answer({{"a", 1}}), kT0);
  EXPECT_EQ(rule.ActiveAlerts()[0].state, AlertState::kFiring);
}

TEST(AlertingRuleTest, APendingAlertThatGoesAwayEndsWithoutResolving) {
  RuleSpec spec = Spec(5 * kMin);
  AlertingRule rule(spec, true);
  Eval(rule, Answer({{"a", 1}}), kT0);
  std::vector<RuleOutput> out = Eval(rule, Answer({}), kT0 + kMin);
  EXPECT_TRUE(rule.ActiveAlerts().empty());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(
      rule.AlertsToSend(kT0 + kMin, kMin, kMin, "u").empty());  // never sent, never resolved
  // Back again: pending from the start.
  Eval(rule, Answer({{"a", 1}}), kT0 + 2 * kMin);
  EXPECT_EQ(rule.ActiveAlerts()[0].active_at_ms, kT0 + 2 * kMin);
}

TEST(AlertingRuleTest, AResolvedAlertIsSentResolvedAndKeptFifteenMinutes) {
  RuleSpec spec = Spec(0);
  AlertingRule rule(spec, true);
  Eval(rule, Answer({{"a", 1}}), kT0);
  std::vector<NotifierAlert> sent = rule.AlertsToSend(kT0, kMin, kMin / 4, "http://x/graph");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].starts_at_ms, kT0);
  EXPECT_EQ(sent[0].ends_at_ms, kT0 + 4 * kMin);  // 4 x max(resend_delay, interval)
  EXPECT_EQ(sent[0].generator_url, "http://x/graph");
  EXPECT_EQ(sent[0].annotations, (Annotations{{"summary", "load is high"}}));

  std::vector<RuleOutput> out = Eval(rule, Answer({}), kT0 + kMin / 4);
  EXPECT_TRUE(out.empty());  // ALERTS only for pending and firing alerts
  EXPECT_TRUE(rule.ActiveAlerts().empty());
  EXPECT_EQ(rule.State(), AlertState::kInactive);
  // Resolved since it was last sent: sent at once, with endsAt the time it resolved.
  sent = rule.AlertsToSend(kT0 + kMin / 4, kMin, kMin / 4, "u");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].ends_at_ms, kT0 + kMin / 4);
  // Then every resend_delay while it is kept.
  EXPECT_TRUE(rule.AlertsToSend(kT0 + kMin, kMin, kMin / 4, "u").empty());
  EXPECT_EQ(rule.AlertsToSend(kT0 + kMin + kMin / 2, kMin, kMin / 4, "u").size(), 1u);
  Eval(rule, Answer({}), kT0 + kMin / 4 + 15 * kMin);
  EXPECT_EQ(rule.AlertsToSend(kT0 + kMin / 4 + 15 * kMin, 1, 1, "u").size(),
            1u);  // still kept at 15m
  Eval(rule, Answer({}), kT0 + kMin / 4 + 15 * kMin + 1);
  EXPECT_TRUE(rule.AlertsToSend(kT0 + 20 * kMin, 1, 1, "u").empty());  // gone after
}

TEST(AlertingRuleTest, FiringAlertsAreResentEveryResendDelay) {
  RuleSpec spec = Spec(0);
  AlertingRule rule(spec, true);
  Eval(rule, Answer({{"a", 1}, {"b", 2}}), kT0);
  EXPECT_EQ(rule.AlertsToSend(kT0, kMin, 15'000, "u").size(), 2u);
  Eval(rule, Answer({{"a", 1}, {"b", 2}}), kT0 + 30'000);
  EXPECT_TRUE(rule.AlertsToSend(kT0 + 30'000, kMin, 15'000, "u").empty());
  Eval(rule, Answer({{"a", 1}, {"b", 2}}), kT0 + kMin + 1);
  std::vector<NotifierAlert> sent = rule.AlertsToSend(kT0 + kMin + 1, kMin, 15'000, "u");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].starts_at_ms, kT0);
  EXPECT_EQ(sent[0].ends_at_ms, kT0 + kMin + 1 + 4 * kMin);
}

TEST(AlertingRuleTest, KeepFiringForHoldsAFiringAlertThatStoppedAnswering) {
  RuleSpec spec = Spec(0, 2 * kMin);
  AlertingRule rule(spec, true);
  Eval(rule, Answer({{"a", 1}}), kT0);
  std::vector<RuleOutput> out = Eval(rule, Answer({}), kT0 + kMin);
  ASSERT_EQ(rule.ActiveAlerts().size(), 1u);
  EXPECT_EQ(rule.ActiveAlerts()[0].state, AlertState::kFiring);
  EXPECT_EQ(rule.ActiveAlerts()[0].keep_firing_since_ms, kT0 + kMin);
  EXPECT_EQ(out.size(), 2u);  // still written as firing
  // Answering again forgets the keep-firing time.
  Eval(rule, Answer({{"a", 1}}), kT0 + 2 * kMin);
  EXPECT_EQ(rule.ActiveAlerts()[0].keep_firing_since_ms, 0);
  Eval(rule, Answer({}), kT0 + 3 * kMin);
  Eval(rule, Answer({}), kT0 + 5 * kMin - 1);
  EXPECT_EQ(rule.State(), AlertState::kFiring);
  Eval(rule, Answer({}), kT0 + 5 * kMin);
  EXPECT_EQ(rule.State(), AlertState::kInactive);
}

TEST(AlertingRuleTest, APendingAlertIsNotKeptFiring) {
  RuleSpec spec = Spec(5 * kMin, 10 * kMin);
  AlertingRule rule(spec, true);
  Eval(rule, Answer({{"a", 1}}), kT0);
  Eval(rule, Answer({}), kT0 + kMin);
  EXPECT_TRUE(rule.ActiveAlerts().empty());
}

TEST(AlertingRuleTest, NothingIsWrittenUntilRestored) {
  RuleSpec spec = Spec(0);
  AlertingRule rule(spec, /*restored=*/false);
  EXPECT_TRUE(Eval(rule, Answer({{"a", 1}}), kT0).empty());
  EXPECT_EQ(rule.ActiveAlerts().size(), 1u);
  rule.RestoreForState(kT0, 10 * kMin, [](const core::Labels&) { return nullptr; });
  EXPECT_EQ(Eval(rule, Answer({{"a", 1}}), kT0 + kMin).size(), 2u);
}

TEST(AlertingRuleTest, PastTheLimitEveryAlertIsDroppedAndTheRuleFails) {
  RuleSpec spec = Spec(0);
  AlertingRule rule(spec, true);
  auto out = rule.Update(Answer({{"a", 1}, {"b", 1}, {"c", 1}}), At(kT0, 2));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "exceeded limit of 2 with 3 alerts");
  EXPECT_TRUE(rule.ActiveAlerts().empty());
  EXPECT_TRUE(rule.Update(Answer({{"a", 1}, {"b", 1}}), At(kT0 + kMin, 2)).ok());
}

TEST(AlertingRuleTest, TwoSeriesThatBecomeOneAlertAreAnError) {
  RuleSpec spec = Spec(0);
  AlertingRule rule(spec, true);
  promql::Vector v;
  for (const char* name : {"x", "y"}) {
    v.push_back({std::make_shared<const core::Labels>(
                     core::Labels::FromLiteral({{"__name__", name}, {"instance", "a"}})),
                 1, 0});
  }
  auto out = rule.Update(v, At(kT0));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "vector contains metrics with the same labelset after applying alert labels");
}

// The restore after a restart: `down_ms` is when the server last wrote ALERTS_FOR_STATE, with
// the value `active_s` (the alert's activeAt in seconds); the server is back at `now_ms`.
class RestoreTest : public ::testing::Test {
 protected:
  int64_t Restore(int64_t for_ms, int64_t active_s, int64_t down_ms, int64_t now_ms,
                  bool stale = false) {
    RuleSpec spec = Spec(for_ms);
    AlertingRule rule(spec, /*restored=*/false);
    Eval(rule, Answer({{"a", 1}}), now_ms);
    core::Sample last{down_ms, stale ? core::StaleNaN() : static_cast<double>(active_s)};
    core::Labels asked;
    rule.RestoreForState(now_ms, kGrace, [&](const core::Labels& series) {
      asked = series;
      return &last;
    });
    EXPECT_EQ(asked, core::Labels::FromLiteral({{"__name__", "ALERTS_FOR_STATE"},
                                                {"alertname", "HighLoad"},
                                                {"instance", "a"},
                                                {"severity", "page"}}));
    EXPECT_TRUE(rule.restored());
    return rule.ActiveAlerts()[0].active_at_ms;
  }
  static constexpr int64_t kGrace = 10 * kMin;
};

TEST_F(RestoreTest, TimeDownDoesNotCountAsPending) {
  // `for` 1h, pending 30 minutes when the server went down for 10 minutes.
  const int64_t down = kT0 + 30 * kMin;
  EXPECT_EQ(Restore(60 * kMin, kT0 / 1000, down, down + 10 * kMin), kT0 + 10 * kMin);
}

TEST_F(RestoreTest, AnAlertAboutToFireWaitsTheGracePeriod) {
  // `for` 1h, pending 55 minutes: 5 minutes were left, less than the grace period.
  const int64_t down = kT0 + 55 * kMin;
  const int64_t now = down + kMin;
  EXPECT_EQ(Restore(60 * kMin, kT0 / 1000, down, now), now + kGrace - 60 * kMin);
}

TEST_F(RestoreTest, AFiringAlertFiresAgainAtOnce) {
  const int64_t down = kT0 + 90 * kMin;
  EXPECT_EQ(Restore(60 * kMin, kT0 / 1000, down, down + kMin), kT0);
}

TEST_F(RestoreTest, AFiringAlertWithAForShorterThanTheGracePeriodKeepsFiring) {
  // Prometheus 2.42 skips such rules, so their firing alerts go back to pending for `for`
  // after every restart (prometheus#15175); here they keep their activeAt.
  const int64_t down = kT0 + 20 * kMin;
  EXPECT_EQ(Restore(5 * kMin, kT0 / 1000, down, down + kMin), kT0);
}

TEST_F(RestoreTest, APendingAlertWithAForShorterThanTheGracePeriodStartsAgain) {
  const int64_t down = kT0 + 2 * kMin;
  const int64_t now = down + kMin;
  EXPECT_EQ(Restore(5 * kMin, kT0 / 1000, down, now), now);
}

TEST_F(RestoreTest, AStaleForStateMeansItWasNotActive) {
  const int64_t down = kT0 + 30 * kMin;
  EXPECT_EQ(Restore(60 * kMin, kT0 / 1000, down, down + kMin, /*stale=*/true), down + kMin);
}

}  // namespace
}  // namespace vigil::rules
