// A forwarding destination that is down never fills the server's disk (issue 17, part 4): its
// bounded WAL cursor gives up backlog past its bound, and, while the disk has less room than
// StorageOptions::disk_reserve, everything beyond what the head holds; ingestion goes on and
// nothing stored is lost.
#include <gtest/gtest.h>

#include <filesystem>

#include "server/storage/storage.h"
#include "tests/core/temp_dir.h"
#include "tests/server/storage/append_request.h"
#include "tests/server/storage/read_all.h"

namespace vigil::storage {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int kSeries = 20;

remote::WriteRequest Hour(int hour) {
  remote::WriteRequest req;
  for (int i = 0; i < kSeries; ++i) {
    remote::SeriesSamples s{
        core::Labels::FromLiteral({{"__name__", "load"}, {"i", std::to_string(i)}}), {}};
    for (int64_t t = hour * kHour; t < (hour + 1) * kHour; t += 15'000)
      s.samples.push_back({t, static_cast<double>(t) / 1000 + i});
    req.series.push_back(std::move(s));
  }
  return req;
}

struct Outcome {
  uint64_t max_segments = 0;  // after any maintenance pass
  uint64_t segments = 0;
  uint64_t dropped = 0;
  uint64_t stored = 0;
};

// Twelve hours pushed an hour at a time, Maintain after each (cutting blocks as it goes),
// while a forwarding destination that is down never acknowledges anything.
Outcome PushTwelveHours(uint64_t disk_reserve,
                        wal::CursorLimits bounds = {.max_bytes = 1ull << 40}) {
  core::ManualClock clock(0);
  core::MetricsRegistry metrics;
  auto s = Storage::Open(
      {.dir = testing::FreshTempDir(std::to_string(disk_reserve)), .disk_reserve = disk_reserve},
      clock, metrics);
  EXPECT_TRUE(s.ok());
  wal::Cursor* down = *(*s)->wal().OpenCursor("forward-down", bounds);
  Outcome out;
  for (int h = 0; h < 12; ++h) {
    clock.AdvanceMillis(kHour);
    // Ingestion goes on whatever the forwarding backlog.
    EXPECT_TRUE(testing::AppendRequest(**s, Hour(h)).ok()) << h;
    EXPECT_TRUE((*s)->Maintain().ok()) << h;
    out.max_segments = std::max(out.max_segments, (*s)->wal().stats().segments);
  }
  out.segments = (*s)->wal().stats().segments;
  out.dropped = down->dropped_samples();
  auto q = (*s)->OpenQuerier();
  auto series = testing::ReadAll(q->Select(
      {Matcher::Create(MatchType::kEqual, "__name__", "load").value()}, INT64_MIN, INT64_MAX));
  EXPECT_TRUE(series.ok());
  for (const Series& x : *series) out.stored += x.samples.size();
  return out;
}

// Twelve hours of WAL would be 7 segments (a block cut starts one); the head holds at most
// the last three.
TEST(ForwardingBoundsTest, ADownDestinationPastItsBoundHoldsNoMoreThanTheHead) {
  const Outcome unbounded = PushTwelveHours(1);
  const Outcome o = PushTwelveHours(1, {.max_bytes = 1});
  EXPECT_GT(o.dropped, 0u);
  EXPECT_LE(o.max_segments, 3u);
  EXPECT_GT(unbounded.max_segments, o.max_segments);
  EXPECT_EQ(o.stored, 12u * 240 * kSeries);
}

TEST(ForwardingBoundsTest, ADownDestinationPastItsAgeHoldsNoMoreThanTheHead) {
  const Outcome o = PushTwelveHours(1, {.max_age = std::chrono::minutes(1)});
  EXPECT_GT(o.dropped, 0u);
  EXPECT_LE(o.max_segments, 3u);
  EXPECT_EQ(o.stored, 12u * 240 * kSeries);
}

TEST(ForwardingBoundsTest, DiskReserveWithRoomADownDestinationKeepsItsBacklog) {
  const Outcome o = PushTwelveHours(1);
  EXPECT_EQ(o.dropped, 0u);
  EXPECT_GE(o.segments, 4u);  // one per block cut at least: all held for the destination
  EXPECT_EQ(o.stored, 12u * 240 * kSeries);
}

TEST(ForwardingBoundsTest, DiskReserveShortOfRoomADownDestinationGivesUpAllButWhatTheHeadHolds) {
  const Outcome with_room = PushTwelveHours(1);
  const Outcome o = PushTwelveHours(1ull << 62);
  EXPECT_GT(o.dropped, 0u);
  EXPECT_LT(o.segments, with_room.segments);
  EXPECT_LE(o.max_segments, 3u);             // what the head holds, and the one written
  EXPECT_EQ(o.stored, 12u * 240 * kSeries);  // nothing stored was lost
}

}  // namespace
}  // namespace vigil::storage
