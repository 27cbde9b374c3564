// A child process appends as fast as it can and is killed with SIGKILL at random moments,
// 50 times over the same log; every batch it acknowledged before a kill must read back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "tests/core/crash_child.h"
#include "tests/core/temp_dir.h"
#include "wal/wal.h"

namespace vigil::wal {
namespace {

constexpr int kSeries = 20;
constexpr int64_t kBase = 1'700'000'000'000;

core::Labels SeriesLabels(int i) {
  return core::Labels::FromLiteral(
      {{"__name__", "crash_series_" + std::to_string(i)}, {"job", "crash"}});
}

// Runs in the child: never returns. Batch `id` has timestamp kBase+id and values id*100+i.
[[noreturn]] void AppendUntilKilled(const std::string& dir, uint32_t first_id, int ack_fd) {
  core::ManualClock clock(kBase);
  WalOptions options;
  options.dir = dir;
  options.segment_size = 256 * 1024;
  auto wal = Wal::Open(options, clock);
  if (!wal.ok()) _exit(3);
  std::vector<SeriesRef> refs;
  for (int i = 0; i < kSeries; ++i) refs.push_back((*wal)->Ref(SeriesLabels(i)));
  for (uint32_t id = first_id;; ++id) {
    std::vector<RefSample> batch;
    for (int i = 0; i < kSeries; ++i) batch.push_back({refs[i], kBase + id, id * 100.0 + i});
    if (!(*wal)->Append(batch).ok()) _exit(4);
    // The acknowledgement: from here on the batch must survive a crash of this process.
    testing::Acknowledge(ack_fd, id);
  }
}

TEST(WalCrashTest, EveryAcknowledgedBatchSurvivesSigkill) {
  const std::string dir = testing::FreshTempDir() + "/wal";
  std::set<uint32_t> acknowledged;
  ASSERT_NO_FATAL_FAILURE(testing::KillRepeatedly(
      {.rounds = 50,
       .min_delay = std::chrono::microseconds(2000),
       .delay_spread = std::chrono::microseconds(30000),
       .first_id = 0,
       .skip_after_round = 1000},
      [&](uint32_t first_id, int ack_fd) { AppendUntilKilled(dir, first_id, ack_fd); },
      &acknowledged));
  ASSERT_GT(acknowledged.size(), 50u);

  core::ManualClock clock(kBase);
  WalOptions options;
  options.dir = dir;
  auto wal = Wal::Open(options, clock);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  EXPECT_EQ((*wal)->stats().corruptions, 0u);
  Cursor* c = *(*wal)->OpenCursor("check");
  std::map<uint32_t, int> samples_per_batch;
  std::vector<Cursor::Sample> got;
  do {
    got.clear();
    ASSERT_TRUE(c->Read(4096, &got).ok());
    for (const auto& s : got) {
      auto id = static_cast<uint32_t>(s.timestamp_ms - kBase);
      int series = std::stoi(std::string(s.labels->MetricName().substr(strlen("crash_series_"))));
      ASSERT_EQ(s.value, id * 100.0 + series);
      ++samples_per_batch[id];
    }
  } while (!got.empty());
  for (uint32_t id : acknowledged) {
    ASSERT_EQ(samples_per_batch[id], kSeries)
        << "acknowledged batch " << id << " is missing or partial";
  }
  for (const auto& [id, n] : samples_per_batch) EXPECT_EQ(n, kSeries) << "partial batch " << id;
  std::cout << "acknowledged " << acknowledged.size() << " batches over 50 kills; read back "
            << samples_per_batch.size() << " (" << (*wal)->stats().torn_tail_bytes
            << " torn bytes cut at open)\n";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::wal
