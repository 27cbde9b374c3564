#include "core/uv.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "tests/core/loop_helpers.h"

namespace vigil::core {
namespace {

using std::chrono::milliseconds;
using testing::RunUntil;

TEST(UvTest, TimersFireOnceOrRepeatAndStop) {
  Loop loop;
  {
    int once = 0, repeated = 0;
    Timer a(loop, [&] { ++once; });
    Timer b(loop, [&] { ++repeated; });
    a.Start(milliseconds(1));
    b.Start(milliseconds(1), milliseconds(1));
    EXPECT_TRUE(a.active());
    ASSERT_TRUE(RunUntil(loop, [&] { return repeated >= 3; }));
    EXPECT_EQ(once, 1);
    EXPECT_FALSE(a.active());
    b.Stop();
    int seen = repeated;
    RunUntil(
        loop, [] { return false; }, milliseconds(20));
    EXPECT_EQ(repeated, seen);
  }
  EXPECT_EQ(loop.Close(), 0);
}

TEST(UvTest, DestroyingAHandleBeforeItFiresIsSafe) {
  Loop loop;
  bool fired = false;
  {
    Timer t(loop, [&] { fired = true; });
    t.Start(milliseconds(1));
  }  // closed before the loop ran; memory is freed in the close callback
  RunUntil(
      loop, [] { return false; }, milliseconds(20));
  EXPECT_FALSE(fired);
  EXPECT_EQ(loop.Close(), 0);
}

TEST(UvTest, AsyncWakesTheLoopFromAnotherThread) {
  Loop loop;
  {
    std::atomic<int> wakes{0};
    Async async(loop, [&] { ++wakes; });
    std::thread other([&] { async.Send(); });
    ASSERT_TRUE(RunUntil(loop, [&] { return wakes.load() >= 1; }));
    other.join();
  }
  EXPECT_EQ(loop.Close(), 0);
}

TEST(UvTest, SignalsArriveOnTheLoop) {
  Loop loop;
  {
    int got = 0;
    SignalWatch watch(loop, SIGUSR1, [&](int signum) { got = signum; });
    std::raise(SIGUSR1);
    ASSERT_TRUE(RunUntil(loop, [&] { return got != 0; }));
    EXPECT_EQ(got, SIGUSR1);
  }
  EXPECT_EQ(loop.Close(), 0);
}

TEST(UvTest, CloseReportsOpenHandles) {
  Loop loop;
  auto t = std::make_unique<Timer>(loop, [] {});
  EXPECT_NE(loop.Close(), 0);  // the timer is still open
  t.reset();
  EXPECT_EQ(loop.Close(), 0);
}

}  // namespace
}  // namespace vigil::core
