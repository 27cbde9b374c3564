#include "server/storage/series_set.h"

#include <gtest/gtest.h>

#include "tests/server/storage/read_all.h"

namespace vigil::storage {
namespace {

// A source that hands out the series it was given, in the order given.
class Listed final : public SeriesSet {
 public:
  explicit Listed(std::vector<Series> series, core::Status fail_at_end = core::OkStatus())
      : series_(std::move(series)), fail_(std::move(fail_at_end)) {}
  bool Next() override {
    if (next_ == series_.size()) {
      status_ = fail_;
      return false;
    }
    labels_ = series_[next_].labels;
    samples_ = series_[next_++].samples;
    return true;
  }
  const core::Labels& labels() const override { return labels_; }
  std::vector<core::Sample>& samples() override { return samples_; }
  core::Status status() const override { return status_; }

 private:
  std::vector<Series> series_;
  core::Status fail_, status_;
  size_t next_ = 0;
  core::Labels labels_;
  std::vector<core::Sample> samples_;
};

core::Labels L(const char* i) { return core::Labels::FromLiteral({{"__name__", "m"}, {"i", i}}); }

TEST(SeriesSetTest, MergesLabelOrderedSourcesAndTheEarlierSourceWinsATimestamp) {
  std::vector<std::unique_ptr<SeriesSet>> sources;
  sources.push_back(std::make_unique<Listed>(
      std::vector<Series>{{L("a"), {{1, 1}, {2, 2}}}, {L("c"), {{1, 10}}}}));
  sources.push_back(std::make_unique<Listed>(std::vector<Series>{}));
  sources.push_back(std::make_unique<Listed>(std::vector<Series>{
      {L("b"), {{5, 5}}}, {L("c"), {{1, 99}, {0, 9}, {3, 30}}}, {L("d"), {{7, 7}}}}));
  auto merged = testing::ReadAll(MergeSeriesSets(std::move(sources), {}));
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  ASSERT_EQ(merged->size(), 4u);
  const char* order[] = {"a", "b", "c", "d"};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ((*merged)[i].labels, L(order[i]));
  const std::vector<core::Sample>& c = (*merged)[2].samples;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].timestamp_ms, 0);
  EXPECT_EQ(c[1].timestamp_ms, 1);
  EXPECT_EQ(c[1].value, 10);  // the first source's
  EXPECT_EQ(c[2].timestamp_ms, 3);
}

TEST(SeriesSetTest, ASourcesErrorEndsTheMergeAndTheSampleCapStopsIt) {
  std::vector<std::unique_ptr<SeriesSet>> sources;
  sources.push_back(std::make_unique<Listed>(std::vector<Series>{{L("a"), {{1, 1}}}},
                                             core::DataLossError("chunk checksum mismatch")));
  auto failed = testing::ReadAll(MergeSeriesSets(std::move(sources), {}));
  EXPECT_EQ(failed.status().code(), core::StatusCode::kDataLoss);

  sources.clear();
  sources.push_back(std::make_unique<Listed>(std::vector<Series>{
      {L("a"), {{1, 1}, {2, 2}}}, {L("b"), {{1, 1}, {2, 2}}}, {L("c"), {{1, 1}}}}));
  auto set = MergeSeriesSets(std::move(sources), {.max_samples = 3});
  EXPECT_TRUE(set->Next());
  EXPECT_FALSE(set->Next());  // 4 samples read: over the cap, before c is read
  EXPECT_EQ(set->status().code(), core::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace vigil::storage
