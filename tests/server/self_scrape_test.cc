#include "server/self_scrape.h"

#include <gtest/gtest.h>

#include "server/storage/storage.h"
#include "tests/core/temp_dir.h"

namespace vigil::server {
namespace {

TEST(SelfScrapeTest, StoresTheRegistryWithTheServersTargetLabels) {
  core::ManualClock clock(1'700'000'000'000);
  core::MetricsRegistry storage_metrics, served;
  storage::StorageOptions o;
  o.dir = testing::FreshTempDir();
  auto storage = storage::Storage::Open(o, clock, storage_metrics);
  ASSERT_TRUE(storage.ok());
  served.Counter("vigil_things_total", "Things.", {"kind", "job"}).With({"a", "page-job"})->Inc(3);
  served.Gauge("vigil_level", "Level.").Get()->Set(0.5);
  core::Loop loop;
  SelfScrape scrape(loop, served, **storage,
                    {{"instance", "127.0.0.1:9090"}, {"job", "vigil-server"}},
                    std::chrono::seconds(15), clock);
  ASSERT_TRUE(scrape.ScrapeOnce(1'700'000'000'000).ok());
  served.Gauge("vigil_level", "Level.").Get()->Set(0.75);
  ASSERT_TRUE(scrape.ScrapeOnce(1'700'000'015'000).ok());

  auto q = (*storage)->OpenQuerier();
  auto job = storage::Matcher::Create(storage::MatchType::kEqual, "job", "vigil-server");
  auto set = q->Select({*job}, 0, INT64_MAX);
  std::map<std::string, std::vector<double>> got;
  while (set->Next()) {
    for (const core::Sample& s : set->samples()) got[set->labels().ToString()].push_back(s.value);
  }
  EXPECT_EQ(got["{__name__=\"vigil_level\", instance=\"127.0.0.1:9090\", job=\"vigil-server\"}"],
            (std::vector<double>{0.5, 0.75}));
  // The server's target labels win over a metric's own.
  EXPECT_EQ(got["{__name__=\"vigil_things_total\", instance=\"127.0.0.1:9090\", "
                "job=\"vigil-server\", kind=\"a\"}"],
            (std::vector<double>{3, 3}));
  EXPECT_EQ(got.size(), 2u);
}

}  // namespace
}  // namespace vigil::server
