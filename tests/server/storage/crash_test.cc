// A child process stores requests as fast as it can, cutting blocks and compacting as it goes,
// and is killed with SIGKILL at random moments; every request Append acknowledged before a kill
// (the moment the receiver answers 2xx) must be queryable after the next open.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "remote/codec.h"
#include "server/storage/storage.h"
#include "tests/core/crash_child.h"
#include "tests/core/temp_dir.h"
#include "tests/server/storage/append_request.h"
#include "tests/server/storage/read_all.h"

namespace vigil::storage {
namespace {

constexpr int kSeries = 20;
// A minute of data a request: blocks are cut and compacted within a round. Retention is off
// so that every acknowledged request stays.
constexpr int64_t kStep = 60'000;

remote::WriteRequest Request(uint32_t id) {
  remote::WriteRequest req;
  for (int i = 0; i < kSeries; ++i) {
    req.series.push_back(
        {core::Labels::FromLiteral({{"__name__", "crash"}, {"i", std::to_string(i)}}),
         {{id * kStep, id * 100.0 + i}}});
  }
  return req;
}

[[noreturn]] void StoreUntilKilled(const std::string& dir, uint32_t first_id, int ack_fd) {
  core::ManualClock clock(1'700'000'000'000);
  core::MetricsRegistry metrics;
  auto storage = Storage::Open({.dir = dir, .retention_ms = 0}, clock, metrics);
  if (!storage.ok()) _exit(3);
  for (uint32_t id = first_id;; ++id) {
    if (!testing::AppendRequest(**storage, Request(id)).ok()) _exit(4);
    testing::Acknowledge(ack_fd, id);
    if (id % 10 == 0) {  // often: a cut is due from 3 h of data on, and a slow child must see one
      core::Status s = (*storage)->Maintain();
      if (!s.ok()) {
        std::fprintf(stderr, "maintain: %s\n", s.ToString().c_str());
        _exit(6);
      }
    }
  }
}

TEST(StorageCrashTest, EveryAcknowledgedRequestSurvivesSigkill) {
  const std::string dir = testing::FreshTempDir();
  std::set<uint32_t> acknowledged;
  // Rounds until enough was acknowledged to have cut blocks along the way, however slow the
  // machine is (sanitizers, emulation, a loaded CI): 30 rounds at least, 300 at most.
  std::chrono::microseconds min_delay(5000);
  for (int rounds = 0; rounds < 300 && (rounds < 30 || acknowledged.size() < 400); rounds += 10) {
    const size_t before = acknowledged.size();
    ASSERT_NO_FATAL_FAILURE(testing::KillRepeatedly(
        {.rounds = 10,
         .min_delay = min_delay,
         .delay_spread = std::chrono::microseconds(60000),
         .first_id = acknowledged.empty() ? 1 : *acknowledged.rbegin() + 1},
        [&](uint32_t first_id, int ack_fd) { StoreUntilKilled(dir, first_id, ack_fd); },
        &acknowledged));
    // Where starting the child (fork, open, replay) takes most of the delay (qemu, a loaded
    // machine), kills come later, so that each round still acknowledges a few requests.
    if (acknowledged.size() - before < 20 && min_delay < std::chrono::seconds(2)) min_delay *= 2;
  }
  ASSERT_GT(acknowledged.size(), 300u);  // enough to have cut blocks along the way

  core::ManualClock clock(1'700'000'000'000);
  core::MetricsRegistry metrics;
  auto storage = Storage::Open({.dir = dir, .retention_ms = 0}, clock, metrics);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  EXPECT_FALSE((*storage)->blocks().empty());
  auto series = testing::ReadAll((*storage)->OpenQuerier()->Select(
      {Matcher::Create(MatchType::kEqual, "__name__", "crash").value()}, INT64_MIN, INT64_MAX));
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  ASSERT_EQ(series->size(), static_cast<size_t>(kSeries));
  size_t missing = 0;
  for (int i = 0; i < kSeries; ++i) {
    const auto& samples = (*series)[static_cast<size_t>(i)].samples;
    std::map<int64_t, double> by_time;
    for (const auto& s : samples) by_time[s.timestamp_ms] = s.value;
    const int index = std::stoi(std::string((*series)[static_cast<size_t>(i)].labels.Get("i")));
    for (uint32_t id : acknowledged) {
      auto it = by_time.find(id * kStep);
      if (it == by_time.end() || it->second != id * 100.0 + index) ++missing;
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() * kSeries << " acknowledged samples";
  std::cout << "acknowledged requests: " << acknowledged.size()
            << ", blocks: " << (*storage)->blocks().size() << "\n";
}

}  // namespace
}  // namespace vigil::storage
