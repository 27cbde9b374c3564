// What a remote-write request tells of the nodes in it.
#include "server/api/sender_request.h"

#include <gtest/gtest.h>

namespace vigil::server {
namespace {

remote::SeriesSamples Series(
    std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
    std::vector<core::Sample> samples) {
  return {core::Labels::FromLiteral(labels), std::move(samples)};
}

TEST(SenderRequestTest, DescribesEachJobAndInstanceWithItsSamplesAndNewestTimestamp) {
  remote::WriteRequest r;
  r.series.push_back(Series({{"__name__", "node_load1"}, {"instance", "a"}, {"job", "node"}},
                            {{1000, 1}, {3000, 2}}));
  r.series.push_back(Series(
      {{"__name__", "app_requests_total"}, {"instance", "a:8080"}, {"job", "app"}}, {{5000, 1}}));
  r.series.push_back(Series(
      {{"__name__", "node_uname_info"}, {"instance", "a"}, {"job", "node"}, {"machine", "aarch64"}},
      {{2000, 1}}));
  r.series.push_back(Series({{"__name__", "vigil_build_info"},
                             {"instance", "a"},
                             {"job", "node"},
                             {"program", "vigil-agent"},
                             {"version", "0.2.0"}},
                            {{2000, 1}}));
  remote::WriteRequestView view;
  view.Assign(r);
  std::vector<NodeInRequest> nodes = DescribeNodes(view);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].job, "node");
  EXPECT_EQ(nodes[0].instance, "a");
  EXPECT_EQ(nodes[0].samples, 4u);
  EXPECT_EQ(nodes[0].newest_sample_ms, 3000);
  EXPECT_EQ(nodes[0].arch, "aarch64");
  EXPECT_EQ(nodes[0].program, "vigil-agent");
  EXPECT_EQ(nodes[0].version, "0.2.0");
  EXPECT_EQ(nodes[1].job, "app");
  EXPECT_EQ(nodes[1].samples, 1u);
  EXPECT_EQ(nodes[1].newest_sample_ms, 5000);
}

TEST(SenderRequestTest, KeepsUpSeriesAndTheNewestBacklogFigures) {
  remote::WriteRequest r;
  r.series.push_back(Series(
      {{"__name__", "up"}, {"instance", "a"}, {"job", "node"}, {"region", "eu"}}, {{1000, 1}}));
  r.series.push_back(Series({{"__name__", "vigil_wal_pending_bytes"},
                             {"destination", "central"},
                             {"instance", "a"},
                             {"job", "node"}},
                            {{1000, 10}, {2000, 20}}));
  r.series.push_back(Series({{"__name__", "vigil_remote_samples_dropped_total"},
                             {"destination", "central"},
                             {"instance", "a"},
                             {"job", "node"},
                             {"reason", "http_4xx"}},
                            {{1000, 3}}));
  r.series.push_back(
      Series({{"__name__", "vigil_http_requests_total"}, {"instance", "a"}, {"job", "node"}},
             {{1000, 3}}));
  remote::WriteRequestView view;
  view.Assign(r);
  std::vector<NodeInRequest> nodes = DescribeNodes(view);
  ASSERT_EQ(nodes.size(), 1u);
  ASSERT_EQ(nodes[0].up.size(), 1u);
  EXPECT_EQ(nodes[0].up[0].Get("region"), "eu");
  ASSERT_EQ(nodes[0].self.size(), 2u);  // vigil_http_requests_total is not a backlog figure
  EXPECT_EQ(nodes[0].self[0].name, "vigil_wal_pending_bytes");
  EXPECT_EQ(nodes[0].self[0].destination, "central");
  EXPECT_EQ(nodes[0].self[0].value, 20);
  EXPECT_EQ(nodes[0].self[1].reason, "http_4xx");
}

TEST(SenderRequestTest, AManyNodeRequestIsDescribedByItsFirstNodesOnly) {
  remote::WriteRequest r;
  for (size_t i = 0; i < kMaxNodesPerRequest + 10; ++i) {
    std::string instance = "i" + std::to_string(i);
    r.series.push_back(Series({{"__name__", "x"}, {"instance", instance}}, {{1000, 1}}));
  }
  remote::WriteRequestView view;
  view.Assign(r);
  EXPECT_EQ(DescribeNodes(view).size(), kMaxNodesPerRequest);
}

TEST(SenderRequestTest, ParsesTheUserAgentsOfKnownSenders) {
  EXPECT_EQ(ParseUserAgent("vigil-agent/0.1.0").kind, "vigil-agent");
  EXPECT_EQ(ParseUserAgent("vigil-agent/0.1.0").version, "0.1.0");
  EXPECT_EQ(ParseUserAgent("Prometheus/2.42.0").kind, "Prometheus");
  EXPECT_EQ(ParseUserAgent("Prometheus/2.42.0").version, "2.42.0");
  EXPECT_EQ(ParseUserAgent("vmagent").kind, "vmagent");
  EXPECT_EQ(ParseUserAgent("vmagent").version, "");
  EXPECT_EQ(ParseUserAgent("Grafana Agent/v0.30 (static)").kind, "Grafana");
  EXPECT_EQ(ParseUserAgent("").kind, "");
}

}  // namespace
}  // namespace vigil::server
