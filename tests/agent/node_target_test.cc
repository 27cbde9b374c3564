// The node as a target: what a collection pushes besides the collectors' own series.
#include "agent/node_target.h"

#include <gtest/gtest.h>

namespace vigil::agent {
namespace {

class NodeTargetTest : public ::testing::Test {
 protected:
  // A node whose one collector reports `cpus` series this time.
  NodeTarget Node(const int* cpus) {
    std::vector<std::unique_ptr<collectors::Collector>> list;
    list.push_back(collectors::NewCollector(
        "cpu", {}, [cpus](const collectors::Roots&, collectors::MetricSet* out) {
          for (int i = 0; i < *cpus; ++i) {
            out->Add("node_cpu_seconds_total", "help", core::MetricType::kCounter, i,
                     {{"cpu", std::to_string(i)}});
          }
          return core::OkStatus();
        }));
    return NodeTarget(loop_,
                      collectors::CollectorSet(std::move(list), clock_,
                                               std::make_shared<collectors::KernelFiles>()),
                      std::chrono::seconds(15), {{"instance", "node-1"}, {"job", "node"}}, clock_,
                      [this](std::vector<LabeledSample> s) { pushed_.push_back(std::move(s)); });
  }
  // name -> value of the pushed series of one collection with job="node" and no other labels.
  static std::map<std::string, double> Report(const std::vector<LabeledSample>& batch) {
    std::map<std::string, double> out;
    for (const LabeledSample& s : batch) {
      if (s.labels->size() == 3 && s.labels->Get("job") == "node")
        out[std::string(s.labels->MetricName())] = s.value;
    }
    return out;
  }
  void TearDown() override { EXPECT_EQ(loop_.Close(), 0); }

  core::ManualClock clock_{1'000'000};
  core::Loop loop_;
  std::vector<std::vector<LabeledSample>> pushed_;
};

TEST_F(NodeTargetTest, EachCollectionPushesUpAndTheScrapeSeries) {
  int cpus = 2;
  NodeTarget node = Node(&cpus);
  node.CollectOnce();
  std::map<std::string, double> r = Report(pushed_.back());
  EXPECT_EQ(r["up"], 1);
  EXPECT_TRUE(r.count("scrape_duration_seconds"));
  // Two CPU series and the collector's own two (node_scrape_collector_*).
  EXPECT_EQ(r["scrape_samples_scraped"], 4);
  EXPECT_EQ(r["scrape_samples_post_metric_relabeling"], 4);
  EXPECT_EQ(r["scrape_series_added"], 4);
  cpus = 3;
  node.CollectOnce();
  r = Report(pushed_.back());
  EXPECT_EQ(r["scrape_samples_scraped"], 5);
  EXPECT_EQ(r["scrape_series_added"], 1);
}

TEST_F(NodeTargetTest, StoppingMarksTheReportSeriesStale) {
  int cpus = 1;
  NodeTarget node = Node(&cpus);
  node.CollectOnce();
  node.Stop();
  std::map<std::string, double> r = Report(pushed_.back());
  ASSERT_EQ(r.size(), 5u);
  for (const auto& [name, value] : r) EXPECT_TRUE(core::IsStaleNaN(value)) << name;
}

// A reload that changes the node's labels: the next collection carries the new ones, and what
// had the old ones goes stale, once; nothing is pushed twice.
TEST_F(NodeTargetTest, NewLabelsTakeOverAtTheNextCollectionAndTheOldSeriesGoStale) {
  int cpus = 1;
  NodeTarget node = Node(&cpus);
  node.CollectOnce();
  pushed_.clear();
  node.SetTargetLabels({{"instance", "node-1"}, {"job", "node"}});  // the same: no change
  EXPECT_TRUE(pushed_.empty());
  node.SetTargetLabels({{"instance", "node-1"}, {"job", "node"}, {"region", "eu"}});
  ASSERT_EQ(pushed_.size(), 1u);  // the old report series, stale at once
  ASSERT_EQ(pushed_[0].size(), 5u);
  for (const LabeledSample& s : pushed_[0]) {
    EXPECT_TRUE(core::IsStaleNaN(s.value)) << s.labels->ToString();
    EXPECT_EQ(s.labels->Get("region"), "");
  }
  clock_.AdvanceMillis(15'000);
  node.CollectOnce();
  size_t fresh = 0, stale = 0;
  for (const LabeledSample& s : pushed_[1]) {
    if (core::IsStaleNaN(s.value)) {
      ++stale;
      EXPECT_EQ(s.labels->Get("region"), "") << s.labels->ToString();
    } else {
      ++fresh;
      EXPECT_EQ(s.labels->Get("region"), "eu") << s.labels->ToString();
    }
  }
  EXPECT_EQ(stale, 3u);  // node_cpu_seconds_total and the collector's two series
  EXPECT_EQ(fresh, 3u + 5u);
  clock_.AdvanceMillis(15'000);
  node.CollectOnce();
  for (const LabeledSample& s : pushed_[2]) EXPECT_FALSE(core::IsStaleNaN(s.value));
}

TEST_F(NodeTargetTest, SelfMetricsArePushedWithTheNodeButNotServedAsItsOwn) {
  int cpus = 1;
  NodeTarget node = Node(&cpus);
  double pending = 100;
  node.SetSelfMetrics([&pending] {
    return std::vector<core::MetricFamily>{
        {"vigil_wal_pending_bytes",
         "help",
         core::MetricType::kGauge,
         {{"vigil_wal_pending_bytes", {{"destination", "central"}}, pending, std::nullopt}}}};
  });
  node.CollectOnce();
  auto find = [this]() -> const LabeledSample* {
    for (const LabeledSample& s : pushed_.back()) {
      if (s.labels->MetricName() == "vigil_wal_pending_bytes") return &s;
    }
    return nullptr;
  };
  const LabeledSample* self = find();
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->labels->Get("instance"), "node-1");
  EXPECT_EQ(self->labels->Get("job"), "node");
  EXPECT_EQ(self->labels->Get("destination"), "central");
  EXPECT_EQ(self->value, 100);
  // The scrape report counts the node's samples only (one CPU and the collector's two).
  EXPECT_EQ(Report(pushed_.back())["scrape_samples_scraped"], 3);
  // /metrics serves the registry's own copy: the node's exposition does not repeat it.
  EXPECT_EQ(node.Exposition().find("vigil_wal_pending_bytes"), std::string::npos);
  pending = 200;
  node.CollectOnce();
  EXPECT_EQ(find()->value, 200);
  node.Stop();
  EXPECT_TRUE(core::IsStaleNaN(find()->value));
}

TEST_F(NodeTargetTest, MetadataIsTheLatestCollectionsFamiliesAndTheSelfMetrics) {
  int cpus = 1;
  NodeTarget node = Node(&cpus);
  EXPECT_TRUE(node.Metadata().empty());  // nothing collected yet
  node.SetSelfMetrics([] {
    return std::vector<core::MetricFamily>{
        {"vigil_wal_bytes", "Bytes of log.", core::MetricType::kGauge, {}}};
  });
  node.CollectOnce();
  std::map<std::string, std::pair<core::MetricType, std::string>> got;
  for (const core::FamilyMetadata& m : node.Metadata()) got[m.name] = {m.type, m.help};
  EXPECT_EQ(got["node_cpu_seconds_total"],
            std::make_pair(core::MetricType::kCounter, std::string("help")));
  EXPECT_EQ(got["vigil_wal_bytes"],
            std::make_pair(core::MetricType::kGauge, std::string("Bytes of log.")));
  EXPECT_TRUE(got.count("node_scrape_collector_success"));
  // up and the scrape series are made by the scraper, not a page: no metadata, as in Prometheus.
  EXPECT_FALSE(got.count("up"));
}

}  // namespace
}  // namespace vigil::agent
