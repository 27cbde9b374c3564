#include "core/clock.h"

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1'700'000'000'000);
  EXPECT_EQ(clock.NowUnixMillis(), 1'700'000'000'000);
  EXPECT_EQ(clock.NowMonotonicNanos(), 0);
  clock.AdvanceMillis(1500);
  EXPECT_EQ(clock.NowUnixMillis(), 1'700'000'001'500);
  EXPECT_EQ(clock.NowMonotonicNanos(), 1'500'000'000);
  clock.SetUnixMillis(5);  // wall time may jump; monotonic time does not
  EXPECT_EQ(clock.NowUnixMillis(), 5);
  EXPECT_EQ(clock.NowMonotonicNanos(), 1'500'000'000);
}

TEST(ClockTest, SystemClockIsPlausibleAndMonotonic) {
  const Clock& clock = SystemClock::Get();
  EXPECT_GT(clock.NowUnixMillis(), 1'600'000'000'000);  // after 2020
  int64_t a = clock.NowMonotonicNanos();
  int64_t b = clock.NowMonotonicNanos();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace vigil::core
