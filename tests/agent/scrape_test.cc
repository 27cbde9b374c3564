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
  // [scrape.app] at `url`, its samples kept in sunk_.
  static ScrapeConfig App(const std::string& url = "http://127.0.0.1:8080/metrics") {
    ScrapeConfig c;
    c.name = "app";
    c.url = *core::ParseUrl(url);
    return c;
  }
  ScrapeTarget::Sink IntoSunk() {
    return [this](std::vector<LabeledSample> s) {
      for (auto& x : s) sunk_.push_back(std::move(x));
    };
  }
  void TearDown() override { EXPECT_EQ(loop_.Close(), 0); }

  std::vector<LabeledSample> sunk_;
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
                     "{__name__=\"scrape_samples_post_metric_relabeling\", env=\"prod\", "
                     "instance=\"127.0.0.1:8080\", job=\"app\", "
                     "region=\"eu\"} 2 @1000",
                     "{__name__=\"scrape_series_added\", env=\"prod\", "
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
  ASSERT_EQ(Samples(t, "a 1\nb 2\n").size(), 7u);
  clock_.AdvanceMillis(1000);
  auto out = Samples(t, "a 1\nthis is { not a page\n");
  ASSERT_EQ(out.size(), 7u);
  EXPECT_EQ(out[0].substr(0, 13), "{__name__=\"a\"");
  EXPECT_NE(out[0].find(" stale @2000"), std::string::npos);
  EXPECT_NE(out[1].find(" stale @2000"), std::string::npos);
  EXPECT_NE(out[2].find("\"up\""), std::string::npos);
  EXPECT_NE(out[2].find("} 0 @2000"), std::string::npos);
  EXPECT_NE(out[4].find("scrape_samples_scraped"), std::string::npos);
  EXPECT_NE(out[4].find("} 0 @2000"), std::string::npos);
  // Down (a connection refused, a 500): the same; nothing is stale twice.
  clock_.AdvanceMillis(1000);
  EXPECT_EQ(Lines(t.Samples(core::UnavailableError("connection refused"), 3000, 0)).size(), 5u);
  clock_.AdvanceMillis(1000);
  auto down = Lines(t.Samples(Page("oops", 500), 4000, 0));
  ASSERT_EQ(down.size(), 5u);
  EXPECT_NE(down[0].find("} 0 @4000"), std::string::npos);
}

TEST_F(ScrapeTest, VanishedSeriesGetAStaleMarkerOnce) {
  ScrapeTarget t = Target();
  Samples(t, "a 1\nb{x=\"1\"} 2\nb{x=\"2\"} 3\n");
  clock_.AdvanceMillis(15000);
  auto out = Samples(t, "a 1\nb{x=\"2\"} 3\n");
  ASSERT_EQ(out.size(), 8u);
  EXPECT_NE(out[2].find("x=\"1\"} stale @16000"), std::string::npos) << out[2];
  EXPECT_NE(out[7].find("scrape_series_added"), std::string::npos) << out[7];
  EXPECT_NE(out[7].find("} 0 @16000"), std::string::npos) << out[7];
  clock_.AdvanceMillis(15000);
  out = Samples(t, "a 1\nb{x=\"2\"} 3\nb{x=\"3\"} 4\n");
  ASSERT_EQ(out.size(), 8u);
  EXPECT_NE(out[7].find("} 1 @31000"), std::string::npos) << out[7];  // b{x="3"} is new
}

TEST_F(ScrapeTest, WhenTheTargetStopsItsReportSeriesGoStaleToo) {
  std::vector<LabeledSample> sunk;
  ScrapeConfig c;
  c.name = "app";
  c.url = *core::ParseUrl("http://127.0.0.1:8080/metrics");
  ScrapeTarget t(loop_, c, {}, clock_, [&](std::vector<LabeledSample> s) {
    for (auto& x : s) sunk.push_back(std::move(x));
  });
  t.Stop();
  EXPECT_TRUE(sunk.empty());  // never scraped: nothing to end
  ScrapeTarget u(loop_, c, {}, clock_, [&](std::vector<LabeledSample> s) {
    for (auto& x : s) sunk.push_back(std::move(x));
  });
  Samples(u, "a 1\n");
  u.Stop();
  auto lines = Lines(sunk);
  ASSERT_EQ(lines.size(), 6u);
  for (const std::string& l : lines) EXPECT_NE(l.find(" stale @"), std::string::npos) << l;
  EXPECT_NE(lines[1].find("\"up\""), std::string::npos) << lines[1];
}

// A reload changed [scrape.app]: the new target goes on from what the old one pushed, so a
// series both have gets no stale marker, one only the old had gets one at the first scrape.
TEST_F(ScrapeTest, AChangedTargetTakesOverAndMarksStaleOnlyWhatIsGone) {
  ScrapeConfig c = App();
  ScrapeTarget old(loop_, c, {}, clock_, IntoSunk());
  Samples(old, "a 1\nb 2\n");
  c.interval = std::chrono::seconds(5);  // the report series keep their labels
  ScrapeTarget next(loop_, c, {}, clock_, IntoSunk());
  old.HandOver(next);
  EXPECT_TRUE(sunk_.empty());
  old.Stop();  // a retired target has nothing left to mark
  EXPECT_TRUE(sunk_.empty());
  clock_.AdvanceMillis(5000);
  auto out = Samples(next, "a 1\n");
  ASSERT_EQ(out.size(), 7u);
  EXPECT_NE(out[1].find("{__name__=\"b\", instance=\"127.0.0.1:8080\", job=\"app\"} stale @6000"),
            std::string::npos)
      << out[1];
  EXPECT_NE(out[6].find("scrape_series_added"), std::string::npos) << out[6];
  EXPECT_NE(out[6].find("} 0 @6000"), std::string::npos) << out[6];  // a is not new
  next.Stop();
  ASSERT_EQ(sunk_.size(), 6u);  // a and the report series: they were the old target's too
  for (const std::string& l : Lines(sunk_)) EXPECT_NE(l.find(" stale @"), std::string::npos) << l;
}

TEST_F(ScrapeTest, AHandOverToAnotherInstanceMarksTheOldReportSeriesStale) {
  ScrapeTarget old(loop_, App(), {}, clock_, IntoSunk());
  Samples(old, "a 1\n");
  ScrapeTarget next(loop_, App("http://127.0.0.1:8081/metrics"), {}, clock_, IntoSunk());
  old.HandOver(next);
  auto lines = Lines(sunk_);
  ASSERT_EQ(lines.size(), 5u);
  for (const std::string& l : lines) {
    EXPECT_NE(l.find("instance=\"127.0.0.1:8080\""), std::string::npos) << l;
    EXPECT_NE(l.find(" stale @1000"), std::string::npos) << l;
  }
  clock_.AdvanceMillis(15000);
  auto out = Samples(next, "a 1\n");
  ASSERT_EQ(out.size(), 7u);  // a on 8081, a on 8080 stale, five report series
  EXPECT_NE(out[1].find("instance=\"127.0.0.1:8080\", job=\"app\"} stale @16000"),
            std::string::npos)
      << out[1];
}

TEST_F(ScrapeTest, ADuplicateSeriesKeepsItsFirstSample) {
  ScrapeTarget t = Target();
  auto out = Samples(t, "a 1\na 2\n");
  ASSERT_EQ(out.size(), 6u);
  EXPECT_NE(out[0].find("} 1 @"), std::string::npos);
}

}  // namespace
}  // namespace vigil::agent
