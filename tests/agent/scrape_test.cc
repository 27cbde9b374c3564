#include "agent/scrape.h"

#include <gtest/gtest.h>

#include "core/number.h"

namespace vigil::agent {
namespace {

class ScrapeTest : public ::testing::Test {
 protected:
  ScrapeTarget Target(bool honor_labels = false) {
    ScrapeConfig c;
    c.name = "app";
    c.url = *core::ParseUrl("http://127.0.0.1:8080/metrics");
    c.honor_labels = honor_labels;
    return ScrapeTarget(loop_, c, {{"region", "eu"}, {"env", "prod"}}, clock_,
                        [](std::vector<LabeledSample>) {});
  }
  static core::Result<core::HttpResponse> Page(std::string body, int status = 200) {
    core::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // "labels value" lines, in order.
  static std::vector<std::string> Lines(const std::vector<LabeledSample>& samples) {
    std::vector<std::string> out;
    for (const auto& s : samples) {
      std::string v = core::IsStaleNaN(s.value) ? "stale" : core::FormatFloatG(s.value);
      out.push_back(s.labels->ToString() + " " + v + " @" + std::to_string(s.timestamp_ms));
    }
    return out;
  }
  std::vector<std::string> Samples(ScrapeTarget& t, std::string body) {
    return Lines(t.Samples(Page(std::move(body)), clock_.NowUnixMillis(), 0.25));
  }
  void TearDown() override { EXPECT_EQ(loop_.Close(), 0); }

  core::ManualClock clock_{1000};
  core::Loop loop_;
};

TEST_F(ScrapeTest, TargetLabelsWinAndClashingOnesAreExported) {
  ScrapeTarget t = Target();
  auto out =
      Samples(t, "requests_total{job=\"other\",instance=\"x\",env=\"dev\"} 5\nplain 1 999\n");
  EXPECT_EQ(out, (std::vector<std::string>{
                     "{__name__=\"requests_total\", env=\"dev\", exported_instance=\"x\", "
                     "exported_job=\"other\", "
                     "instance=\"127.0.0.1:8080\", job=\"app\", region=\"eu\"} 5 @1000",
                     "{__name__=\"plain\", env=\"prod\", instance=\"127.0.0.1:8080\", job=\"app\", "
                     "region=\"eu\"} 1 @999",
                     "{__name__=\"up\", env=\"prod\", instance=\"127.0.0.1:8080\", job=\"app\", "
                     "region=\"eu\"} 1 @1000",
                     "{__name__=\"scrape_duration_seconds\", env=\"prod\", "
                     "instance=\"127.0.0.1:8080\", job=\"app\", "
                     "region=\"eu\"} 0.25 @1000",
                     "{__name__=\"scrape_samples_scraped\", env=\"prod\", "
                     "instance=\"127.0.0.1:8080\", job=\"app\", "
                     "region=\"eu\"} 2 @1000",
                 }));
}

TEST_F(ScrapeTest, HonorLabelsKeepsThePagesOwn) {
  ScrapeTarget t = Target(true);
  auto out = Samples(t, "a{job=\"federated\"} 1\nb 2\n");
  EXPECT_EQ(out[0],
            "{__name__=\"a\", env=\"prod\", instance=\"127.0.0.1:8080\", job=\"federated\", "
            "region=\"eu\"} 1 @1000");
  EXPECT_EQ(out[1],
            "{__name__=\"b\", env=\"prod\", instance=\"127.0.0.1:8080\", job=\"app\", "
            "region=\"eu\"} 2 @1000");
}

TEST_F(ScrapeTest, GarbageOrAnErrorGivesUpZeroAndStaleMarkersForWhatWasThere) {
  ScrapeTarget t = Target();
  ASSERT_EQ(Samples(t, "a 1\nb 2\n").size(), 5u);
  clock_.AdvanceMillis(1000);
  auto out = Samples(t, "a 1\nthis is { not a page\n");
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].substr(0, 13), "{__name__=\"a\"");
  EXPECT_NE(out[0].find(" stale @2000"), std::string::npos);
  EXPECT_NE(out[1].find(" stale @2000"), std::string::npos);
  EXPECT_NE(out[2].find("\"up\""), std::string::npos);
  EXPECT_NE(out[2].find("} 0 @2000"), std::string::npos);
  EXPECT_NE(out[4].find("scrape_samples_scraped"), std::string::npos);
  EXPECT_NE(out[4].find("} 0 @2000"), std::string::npos);
  // Down (a connection refused, a 500): the same; nothing is stale twice.
  clock_.AdvanceMillis(1000);
  EXPECT_EQ(Lines(t.Samples(core::UnavailableError("connection refused"), 3000, 0)).size(), 3u);
  clock_.AdvanceMillis(1000);
  auto down = Lines(t.Samples(Page("oops", 500), 4000, 0));
  ASSERT_EQ(down.size(), 3u);
  EXPECT_NE(down[0].find("} 0 @4000"), std::string::npos);
}

TEST_F(ScrapeTest, VanishedSeriesGetAStaleMarkerOnce) {
  ScrapeTarget t = Target();
  Samples(t, "a 1\nb{x=\"1\"} 2\nb{x=\"2\"} 3\n");
  clock_.AdvanceMillis(15000);
  auto out = Samples(t, "a 1\nb{x=\"2\"} 3\n");
  ASSERT_EQ(out.size(), 6u);
  EXPECT_NE(out[2].find("x=\"1\"} stale @16000"), std::string::npos) << out[2];
  clock_.AdvanceMillis(15000);
  EXPECT_EQ(Samples(t, "a 1\nb{x=\"2\"} 3\n").size(), 5u);
}

TEST_F(ScrapeTest, ADuplicateSeriesKeepsItsFirstSample) {
  ScrapeTarget t = Target();
  auto out = Samples(t, "a 1\na 2\n");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_NE(out[0].find("} 1 @"), std::string::npos);
}

}  // namespace
}  // namespace vigil::agent
