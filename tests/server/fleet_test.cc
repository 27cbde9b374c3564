// The fleet's bookkeeping: a sender seen, its rates and lag, refusals, stale and forgotten.
#include "server/api/fleet.h"

#include <gtest/gtest.h>

namespace vigil::server {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

SenderContact Contact(int64_t at, int status = 204, std::string address = "10.0.0.5:40000") {
  SenderContact c;
  c.received_ms = at;
  c.remote_address = std::move(address);
  c.user_agent = "vigil-agent/0.1.0";
  c.status = status;
  if (status != 204) c.reason = "refused for the test";
  return c;
}

NodeInRequest Node(std::string instance, size_t samples, int64_t newest) {
  NodeInRequest n;
  n.job = "node";
  n.instance = std::move(instance);
  n.samples = samples;
  n.newest_sample_ms = newest;
  return n;
}

FleetOptions Options() {
  FleetOptions o;
  o.stale_after = std::chrono::seconds(60);
  o.forget_after = std::chrono::hours(24);
  return o;
}

TEST(FleetTest, ASenderSeenIsARowWithItsIdentityCountsAndLag) {
  Fleet fleet(Options());
  NodeInRequest n = Node("edge-01", 100, kT0 - 2500);
  n.arch = "aarch64";
  fleet.Record(Contact(kT0), {n});
  fleet.Record(Contact(kT0 + 1000), {Node("edge-01", 50, kT0 + 1000 - 700)});
  std::vector<FleetNode> rows = fleet.Snapshot(kT0 + 2000);
  ASSERT_EQ(rows.size(), 1u);
  const FleetNode& r = rows[0];
  EXPECT_EQ(r.job, "node");
  EXPECT_EQ(r.instance, "edge-01");
  EXPECT_EQ(r.kind, "vigil-agent");
  EXPECT_EQ(r.version, "0.1.0");
  EXPECT_EQ(r.arch, "aarch64");  // kept from an earlier request
  EXPECT_EQ(r.remote_address, "10.0.0.5:40000");
  EXPECT_EQ(r.first_seen_ms, kT0);
  EXPECT_EQ(r.last_seen_ms, kT0 + 1000);
  EXPECT_EQ(r.requests, 2u);
  EXPECT_EQ(r.samples, 150u);
  // Receive time minus the newest sample, of the last stored request.
  EXPECT_EQ(r.lag_ms, 700);
  EXPECT_FALSE(r.stale);
  // Two requests and 150 samples in the two whole seconds it has been seen.
  EXPECT_DOUBLE_EQ(r.requests_per_second, 1.0);
  EXPECT_DOUBLE_EQ(r.samples_per_second, 75.0);
}

TEST(FleetTest, ALagIncludesTheSendersClockSkew) {
  Fleet fleet(Options());
  // A sender whose clock runs 30s ahead: its samples are "from the future".
  fleet.Record(Contact(kT0), {Node("fast-clock", 1, kT0 + 30'000)});
  EXPECT_EQ(fleet.Snapshot(kT0)[0].lag_ms, -30'000);
}

TEST(FleetTest, OneRequestWithSeveralNodesGivesEachARow) {
  Fleet fleet(Options());
  fleet.Record(Contact(kT0), {Node("a", 1, kT0), Node("b", 2, kT0)});
  std::vector<FleetNode> rows = fleet.Snapshot(kT0);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].instance, "a");
  EXPECT_EQ(rows[1].instance, "b");
  EXPECT_EQ(rows[1].samples, 2u);
}

TEST(FleetTest, ARefusedRequestIsCountedAndKeptWithItsReason) {
  Fleet fleet(Options());
  fleet.Record(Contact(kT0), {Node("edge-01", 10, kT0)});
  fleet.Record(Contact(kT0 + 1000, 400), {Node("edge-01", 10, kT0 + 1000)});
  FleetNode r = fleet.Snapshot(kT0 + 1000)[0];
  EXPECT_EQ(r.requests, 2u);
  EXPECT_EQ(r.samples, 10u);  // the refused request's samples were not stored
  EXPECT_EQ(r.refused, 1u);
  EXPECT_EQ(r.last_refused_ms, kT0 + 1000);
  EXPECT_EQ(r.last_refused_status, 400);
  EXPECT_EQ(r.last_refused_reason, "refused for the test");
}

TEST(FleetTest, AnUndecodedRefusalGoesToTheNodeOfItsConnectionElseItsHost) {
  Fleet fleet(Options());
  fleet.Record(Contact(kT0, 204, "10.0.0.5:1"), {Node("a", 1, kT0)});
  fleet.Record(Contact(kT0 + 10, 204, "10.0.0.5:2"), {Node("b", 1, kT0)});
  fleet.Record(Contact(kT0 + 20, 204, "10.0.0.9:3"), {Node("c", 1, kT0)});
  fleet.RecordUndecoded(Contact(kT0 + 100, 503, "10.0.0.5:1"));  // a's connection
  fleet.RecordUndecoded(Contact(kT0 + 200, 415, "10.0.0.5:7"));  // a new one from a's and b's host
  fleet.RecordUndecoded(Contact(kT0 + 300, 503, "10.9.9.9:1"));  // nobody known: not counted
  std::vector<FleetNode> rows = fleet.Snapshot(kT0 + 300);
  ASSERT_EQ(rows.size(), 3u);
  // The new connection's host has sent for a and b; a was seen last (its refusal at +100).
  EXPECT_EQ(rows[0].refused, 2u);
  EXPECT_EQ(rows[0].last_refused_status, 415);
  EXPECT_EQ(rows[0].last_seen_ms, kT0 + 200);
  EXPECT_EQ(rows[1].refused, 0u);
  EXPECT_EQ(rows[2].refused, 0u);
}

TEST(FleetTest, ASilentNodeTurnsStaleAndSortsFirst) {
  Fleet fleet(Options());
  fleet.Record(Contact(kT0), {Node("quiet", 1, kT0)});
  fleet.Record(Contact(kT0 + 50'000), {Node("busy", 1, kT0 + 50'000)});
  std::vector<FleetNode> rows = fleet.Snapshot(kT0 + 60'000);
  EXPECT_FALSE(rows[0].stale);
  rows = fleet.Snapshot(kT0 + 60'001);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].instance, "quiet");
  EXPECT_TRUE(rows[0].stale);
  EXPECT_FALSE(rows[1].stale);
}

TEST(FleetTest, StaleNodesGiveTheirUpSeriesUntilTheyReturn) {
  Fleet fleet(Options());
  NodeInRequest n = Node("edge-01", 1, kT0);
  n.up.push_back(core::Labels::FromLiteral(
      {{"__name__", "up"}, {"instance", "edge-01"}, {"job", "node"}, {"region", "eu"}}));
  fleet.Record(Contact(kT0), {n, Node("no-up", 1, kT0)});
  EXPECT_TRUE(fleet.StaleUpSeries(kT0 + 60'000).empty());
  std::vector<core::Labels> up = fleet.StaleUpSeries(kT0 + 61'000);
  ASSERT_EQ(up.size(), 1u);  // the node without `up` gets none written
  EXPECT_EQ(up[0].Get("region"), "eu");
  fleet.Record(Contact(kT0 + 62'000), {Node("edge-01", 1, kT0 + 62'000)});
  EXPECT_TRUE(fleet.StaleUpSeries(kT0 + 62'000).empty());
}

TEST(FleetTest, ANodeUnseenForForgetAfterIsForgotten) {
  Fleet fleet(Options());
  NodeInRequest n = Node("gone", 1, kT0);
  n.up.push_back(
      core::Labels::FromLiteral({{"__name__", "up"}, {"instance", "gone"}, {"job", "node"}}));
  fleet.Record(Contact(kT0), {n});
  const int64_t day = 24ll * 3600 * 1000;
  EXPECT_EQ(fleet.Snapshot(kT0 + day).size(), 1u);
  EXPECT_EQ(fleet.StaleUpSeries(kT0 + day).size(), 1u);
  EXPECT_TRUE(fleet.StaleUpSeries(kT0 + day + 1).empty());
  EXPECT_TRUE(fleet.Snapshot(kT0 + day + 1).empty());
  std::vector<core::MetricFamily> metrics;
  fleet.AppendMetrics(kT0 + day + 1, &metrics);
  for (const core::MetricFamily& f : metrics) {
    if (f.name == "vigil_fleet_senders")
      EXPECT_EQ(f.samples[0].value, 0);
    else if (f.name != "vigil_fleet_senders_refused_total")
      ADD_FAILURE() << f.name << " has series of a forgotten node";
  }
}

TEST(FleetTest, TheTableStopsGrowingAtMaxNodes) {
  FleetOptions o = Options();
  o.max_nodes = 2;
  Fleet fleet(o);
  fleet.Record(Contact(kT0), {Node("a", 1, kT0), Node("b", 1, kT0), Node("c", 1, kT0)});
  EXPECT_EQ(fleet.Snapshot(kT0).size(), 2u);
  std::vector<core::MetricFamily> metrics;
  fleet.AppendMetrics(kT0, &metrics);
  EXPECT_EQ(metrics.back().name, "vigil_fleet_senders_refused_total");
  EXPECT_EQ(metrics.back().samples[0].value, 1);
}

TEST(FleetTest, MetricsHaveOneSeriesPerSender) {
  Fleet fleet(Options());
  fleet.Record(Contact(kT0), {Node("a", 5, kT0 - 1500), Node("b", 1, kT0)});
  std::vector<core::MetricFamily> metrics;
  fleet.AppendMetrics(kT0, &metrics);
  std::map<std::string, size_t> series;
  for (const core::MetricFamily& f : metrics) series[f.name] = f.samples.size();
  EXPECT_EQ(series["vigil_fleet_sender_samples_total"], 2u);
  EXPECT_EQ(series["vigil_fleet_sender_lag_seconds"], 2u);
  EXPECT_EQ(series["vigil_fleet_sender_stale"], 2u);
  EXPECT_EQ(series["vigil_fleet_sender_last_request_timestamp_seconds"], 2u);
  for (const core::MetricFamily& f : metrics) {
    if (f.name != "vigil_fleet_sender_lag_seconds") continue;
    EXPECT_EQ(f.samples[0].value, 1.5);
    EXPECT_EQ(f.samples[0].labels[1].value, "a");
  }
}

}  // namespace
}  // namespace vigil::server
