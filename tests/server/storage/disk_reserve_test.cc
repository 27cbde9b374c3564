// Forwarding destinations never take the room ingestion needs (issue 17, part 4): while the
// disk has less room than StorageOptions::disk_reserve, Maintain makes bounded WAL cursors
// give up their backlog, down to what the head holds; with room, they keep it.
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
  uint64_t segments = 0;
  uint64_t dropped = 0;
  uint64_t stored = 0;
};

// Twelve hours pushed an hour at a time, Maintain after each (cutting blocks as it goes),
// while a forwarding destination that is down never acknowledges anything.
Outcome PushTwelveHours(uint64_t disk_reserve) {
  core::ManualClock clock(0);
  core::MetricsRegistry metrics;
  auto s = Storage::Open({.dir = testing::FreshTempDir(std::to_string(disk_reserve)),
                          .disk_reserve = disk_reserve},
                         clock, metrics);
  EXPECT_TRUE(s.ok());
  wal::Cursor* down = *(*s)->wal().OpenCursor("forward-down", {.max_bytes = 1ull << 40});
  for (int h = 0; h < 12; ++h) {
    clock.AdvanceMillis(kHour);
    // Ingestion goes on whatever the forwarding backlog.
    EXPECT_TRUE(testing::AppendRequest(**s, Hour(h)).ok()) << h;
    EXPECT_TRUE((*s)->Maintain().ok()) << h;
  }
  Outcome out;
  out.segments = (*s)->wal().stats().segments;
  out.dropped = down->dropped_samples();
  auto q = (*s)->OpenQuerier();
  auto series = testing::ReadAll(
      q->Select({Matcher::Create(MatchType::kEqual, "__name__", "load").value()}, INT64_MIN,
                INT64_MAX));
  EXPECT_TRUE(series.ok());
  for (const Series& x : *series) out.stored += x.samples.size();
  return out;
}

TEST(DiskReserveTest, WithRoomADownDestinationKeepsItsBacklog) {
  const Outcome o = PushTwelveHours(1);
  EXPECT_EQ(o.dropped, 0u);
  EXPECT_GE(o.segments, 4u);  // one per block cut at least: all held for the destination
  EXPECT_EQ(o.stored, 12u * 240 * kSeries);
}

TEST(DiskReserveTest, ShortOfRoomADownDestinationGivesUpAllButWhatTheHeadHolds) {
  const Outcome with_room = PushTwelveHours(1);
  const Outcome o = PushTwelveHours(1ull << 62);
  EXPECT_GT(o.dropped, 0u);
  EXPECT_LT(o.segments, with_room.segments);
  EXPECT_LE(o.segments, 3u);                    // what the head holds, and the one written
  EXPECT_EQ(o.stored, 12u * 240 * kSeries);  // nothing stored was lost
}

}  // namespace
}  // namespace vigil::storage
