#include "server/storage/head.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/server/storage/read_all.h"

namespace vigil::storage {
namespace {

Matcher M(MatchType type, std::string name, std::string value) {
  return Matcher::Create(type, std::move(name), std::move(value)).value();
}

core::Status Append(Head& head, const core::Labels& labels, std::vector<core::Sample> samples) {
  HeadAppender app(head);
  VIGIL_RETURN_IF_ERROR(app.Add(labels, samples));
  app.CreateSeries();
  app.Commit();
  return core::OkStatus();
}

std::vector<core::Sample> All(const Head& head, const core::Labels& labels) {
  Matchers ms;
  for (const auto& l : labels) ms.push_back(M(MatchType::kEqual, l.name, l.value));
  auto out = testing::ReadAll(head.Select(ms, INT64_MIN, INT64_MAX, false)).value();
  return out.empty() ? std::vector<core::Sample>{} : out[0].samples;
}

const core::Labels kUp = core::Labels::FromLiteral({{"__name__", "up"}, {"job", "node"}});

TEST(HeadTest, InOrderSamplesAcrossManyChunks) {
  Head head({});
  std::vector<core::Sample> in;
  for (int i = 0; i < 1000; ++i) in.push_back({i * 15'000, static_cast<double>(i)});
  ASSERT_TRUE(Append(head, kUp, in).ok());
  auto out = All(head, kUp);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(out[999].value, 999);
  // 1000 samples, 120 a chunk, and a new chunk at every 2h boundary (480 samples apart).
  EXPECT_GE(head.stats().chunks, 9u);
  EXPECT_EQ(head.stats().series, 1u);
}

TEST(HeadTest, DuplicatesAndOutOfOrder) {
  Head head({});
  ASSERT_TRUE(Append(head, kUp, {{1000, 1}, {2000, 2}, {5000, 5}}).ok());
  // Same timestamp, same value: accepted, nothing added.
  ASSERT_TRUE(Append(head, kUp, {{5000, 5}, {2000, 2}}).ok());
  // Older than the newest but inside the window: stored and merged into queries.
  ASSERT_TRUE(Append(head, kUp, {{3000, 3}, {1500, 1.5}}).ok());
  auto out = All(head, kUp);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[1].timestamp_ms, 1500);
  EXPECT_EQ(out[3].timestamp_ms, 3000);
  EXPECT_EQ(head.stats().out_of_order_samples, 2u);

  // Same timestamp, another value: refused, for in-order and out-of-order timestamps alike.
  core::Status s = Append(head, kUp, {{6000, 6}, {5000, 99}});
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("duplicate sample for timestamp"), std::string::npos);
  EXPECT_EQ(Append(head, kUp, {{3000, 4}}).code(), core::StatusCode::kInvalidArgument);
  // Nothing of the refused request is kept, not even its valid first sample.
  EXPECT_EQ(All(head, kUp).size(), 5u);
}

TEST(HeadTest, TooOldIsRefused) {
  Head head({.chunk_range_ms = 7'200'000, .out_of_order_window_ms = 60'000});
  ASSERT_TRUE(Append(head, kUp, {{1'000'000, 1}}).ok());
  EXPECT_TRUE(Append(head, kUp, {{950'000, 1}}).ok());
  core::Status s = Append(head, kUp, {{900'000, 1}});
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("too old sample"), std::string::npos);
  // A new series is held to the same window: it is the head's newest that counts.
  auto other = core::Labels::FromLiteral({{"__name__", "other"}});
  EXPECT_FALSE(Append(head, other, {{10, 1}}).ok());
  EXPECT_EQ(head.stats().series, 1u);
}

TEST(HeadTest, RefusedRequestCreatesNoSeries) {
  Head head({});
  ASSERT_TRUE(Append(head, kUp, {{5000, 5}}).ok());
  HeadAppender app(head);
  auto fresh = core::Labels::FromLiteral({{"__name__", "fresh"}});
  ASSERT_TRUE(app.Add(fresh, std::vector<core::Sample>{{1, 1}}).ok());
  ASSERT_FALSE(app.Add(kUp, std::vector<core::Sample>{{5000, 6}}).ok());
  // The caller stops here; the head is as it was.
  EXPECT_EQ(head.stats().series, 1u);
  EXPECT_TRUE(All(head, fresh).empty());
}

TEST(HeadTest, ASeriesSentWithoutSamplesIsNotMade) {
  Head head({});
  HeadAppender app(head);
  ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{}).ok());
  EXPECT_TRUE(app.CreateSeries().empty());
  app.Commit();
  EXPECT_EQ(head.stats().series, 0u);
}

// The appender is reused request after request: what one request staged is gone at Reset,
// and a series sent twice is still found as one.
TEST(HeadTest, AReusedAppenderStartsEachRequestAfresh) {
  Head head({});
  HeadAppender app(head);
  ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{{1000, 1}}).ok());
  app.CreateSeries();
  app.Commit();
  const std::vector<core::LabelView> views = {{"__name__", "up"}, {"job", "node"}};
  for (int64_t t = 2000; t <= 4000; t += 1000) {
    app.Reset();
    ASSERT_TRUE(app.Add(views, std::vector<core::Sample>{{t, 2}}).ok());
    ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{{t + 500, 3}}).ok());
    EXPECT_TRUE(app.CreateSeries().empty());
    EXPECT_EQ(app.appended(), 2u);
    app.Commit();
  }
  EXPECT_EQ(All(head, kUp).size(), 7u);
  EXPECT_EQ(head.stats().series, 1u);
}

TEST(HeadTest, SameSeriesTwiceInOneRequest) {
  Head head({});
  HeadAppender app(head);
  ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{{1000, 1}, {2000, 2}}).ok());
  ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{{3000, 3}, {1500, 1.5}}).ok());
  EXPECT_FALSE(app.Add(kUp, std::vector<core::Sample>{{1500, 7}}).ok());
  EXPECT_EQ(app.CreateSeries().size(), 1u);
  app.Commit();
  EXPECT_EQ(All(head, kUp).size(), 4u);
}

// A sample that goes back among the samples the same batch appended in order is checked
// against them: another value at one of their timestamps would otherwise be stored beside it.
TEST(HeadTest, ASampleBackAmongTheBatchsOwnIsCheckedAgainstThem) {
  Head head({});
  ASSERT_TRUE(Append(head, kUp, {{1000, 1}}).ok());
  HeadAppender app(head);
  ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{{2000, 2}, {3000, 3}, {4000, 4}}).ok());
  EXPECT_EQ(app.Add(kUp, std::vector<core::Sample>{{3000, 99}}).code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_EQ(app.Add(kUp, std::vector<core::Sample>{{2000, 7}, {2500, 2.5}}).code(),
            core::StatusCode::kInvalidArgument);  // refused whole: 2500 is not kept either
  ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{{3000, 3}}).ok());  // the same: a duplicate
  ASSERT_TRUE(app.Add(kUp, std::vector<core::Sample>{{3500, 3.5}}).ok());
  EXPECT_EQ(app.Add(kUp, std::vector<core::Sample>{{3500, 8}}).code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_EQ(app.duplicates(), 1u);
  app.CreateSeries();
  app.Commit();
  const std::vector<core::Sample> got = All(head, kUp);
  const std::vector<std::pair<int64_t, double>> want{
      {1000, 1}, {2000, 2}, {3000, 3}, {3500, 3.5}, {4000, 4}};
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].timestamp_ms, want[i].first);
    EXPECT_EQ(got[i].value, want[i].second);
  }
}

TEST(HeadTest, MatchersSelectAsPrometheus) {
  Head head({});
  auto a = core::Labels::FromLiteral({{"__name__", "m"}, {"env", "prod"}, {"i", "a"}});
  auto b = core::Labels::FromLiteral({{"__name__", "m"}, {"env", "dev"}, {"i", "b"}});
  auto c = core::Labels::FromLiteral({{"__name__", "m"}, {"i", "c"}});
  for (const auto& l : {a, b, c}) ASSERT_TRUE(Append(head, l, {{1, 1}}).ok());
  auto count = [&](Matchers ms) {
    return testing::ReadAll(head.Select(ms, 0, 10, false)).value().size();
  };
  const auto name = M(MatchType::kEqual, "__name__", "m");
  EXPECT_EQ(count({name}), 3u);
  EXPECT_EQ(count({name, M(MatchType::kEqual, "env", "prod")}), 1u);
  EXPECT_EQ(count({name, M(MatchType::kNotEqual, "env", "prod")}), 2u);   // incl. no env
  EXPECT_EQ(count({name, M(MatchType::kEqual, "env", "")}), 1u);          // only c
  EXPECT_EQ(count({name, M(MatchType::kRegexMatch, "env", "pro")}), 0u);  // anchored
  EXPECT_EQ(count({name, M(MatchType::kRegexMatch, "env", "pro.*|dev")}), 2u);
  EXPECT_EQ(count({name, M(MatchType::kRegexNoMatch, "env", "dev")}), 2u);
  EXPECT_EQ(count({name, M(MatchType::kRegexMatch, "env", ".*")}), 3u);
  EXPECT_EQ(count({name, M(MatchType::kRegexMatch, "env", ".+")}), 2u);
  EXPECT_EQ(count({M(MatchType::kRegexMatch, "i", "a|c")}), 2u);
  EXPECT_FALSE(Matcher::Create(MatchType::kRegexMatch, "x", "(").ok());
  // Results come in label order.
  auto all = testing::ReadAll(head.Select({name}, 0, 10, false)).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].labels < all[1].labels && all[1].labels < all[2].labels);
}

TEST(HeadTest, TruncateDropsDataAndEmptySeries) {
  Head head({.chunk_range_ms = 1000, .out_of_order_window_ms = 100'000});
  auto old = core::Labels::FromLiteral({{"__name__", "old"}});
  ASSERT_TRUE(Append(head, old, {{100, 1}, {200, 2}}).ok());
  ASSERT_TRUE(Append(head, kUp, {{500, 1}, {1500, 2}, {2500, 3}}).ok());
  ASSERT_TRUE(Append(head, kUp, {{700, 9}}).ok());  // out of order, before the cut
  auto ids = head.SeriesIn(0, 1000);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(head.series(ids[0])->labels, old);  // label order
  std::vector<core::Sample> first;
  std::vector<EncodedChunk> chunks;
  EXPECT_EQ(head.LabelsAndChunksIn(ids[1], 0, 1000, &chunks), kUp);
  for (const auto& c : chunks) ASSERT_TRUE(DecodeChunk(c.bytes, &first).ok());
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].timestamp_ms, 700);  // the out-of-order sample, merged in
  EXPECT_EQ(head.SeriesIn(1000, 2000).size(), 1u);
  head.LabelsAndChunksIn(ids[1], 1000, 2000, &chunks);
  EXPECT_EQ(chunks.size(), 1u);
  head.Truncate(2000);
  EXPECT_EQ(head.stats().series, 1u);
  EXPECT_TRUE(All(head, old).empty());
  auto left = All(head, kUp);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].timestamp_ms, 2500);
  // The index forgot the dropped series.
  auto lock = head.ReadLock();
  EXPECT_TRUE(head.PostingsFor("__name__", "old").empty());
}

core::Labels Pod(int i) {
  return core::Labels::FromLiteral(
      {{"__name__", "container_cpu"}, {"pod", "p" + std::to_string(i)}});
}

TEST(HeadTest, IdsOfDroppedSeriesAreGivenOutAgainOnlyWhenReleased) {
  Head head({.chunk_range_ms = 1000, .out_of_order_window_ms = 100'000});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Append(head, Pod(i), {{100, 1.0 * i}}).ok());
  ASSERT_TRUE(Append(head, kUp, {{100, 7}, {1500, 8}}).ok());  // lives on past the cut
  EXPECT_EQ(head.numbered(), 11u);
  head.Truncate(1000);
  EXPECT_EQ(head.stats().series, 1u);
  // Not yet released (the WAL has not started a segment since): new series get new ids.
  ASSERT_TRUE(Append(head, Pod(100), {{1600, 1}}).ok());
  EXPECT_EQ(head.numbered(), 12u);
  head.ReuseDroppedIds();
  for (int i = 200; i < 210; ++i) ASSERT_TRUE(Append(head, Pod(i), {{1700, 1.0 * i}}).ok());
  EXPECT_EQ(head.numbered(), 12u);  // the ten freed ids, numbered again
  // Every series found by its labels, with its own samples; postings answer in id order.
  for (int i = 200; i < 210; ++i) {
    auto got = All(head, Pod(i));
    ASSERT_EQ(got.size(), 1u) << i;
    EXPECT_EQ(got[0].value, 1.0 * i);
  }
  EXPECT_EQ(All(head, kUp).size(), 1u);
  Postings all_pods = head.PostingsFor("__name__", "container_cpu");
  EXPECT_EQ(all_pods.size(), 11u);
  EXPECT_TRUE(std::is_sorted(all_pods.begin(), all_pods.end()));
  EXPECT_TRUE(All(head, Pod(3)).empty());
}

TEST(HeadTest, AQueryNeverReadsTheSeriesThatTookADroppedSeriesId) {
  Head head({.chunk_range_ms = 1000, .out_of_order_window_ms = 100'000});
  ASSERT_TRUE(Append(head, Pod(1), {{100, 1}}).ok());
  Matchers ms{M(MatchType::kEqual, "__name__", "container_cpu")};
  auto set = head.Select(ms, INT64_MIN, INT64_MAX, false);  // decided: Pod(1)'s id
  head.Truncate(1000);
  head.ReuseDroppedIds();
  ASSERT_TRUE(Append(head, Pod(2), {{1500, 2}}).ok());  // takes that id
  ASSERT_EQ(head.numbered(), 1u);
  // Pod(1) is gone from the head (its data went to a block); Pod(2) is not what was asked.
  EXPECT_FALSE(set->Next());
}

}  // namespace
}  // namespace vigil::storage
