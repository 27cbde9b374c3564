#include "agent/sample_log.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>

#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"

namespace vigil::agent {
namespace {

using std::chrono::milliseconds;
using testing::RunUntil;

class SampleLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::FreshTempDir();
    options_.wal.dir = root_ + "/data/wal";
    options_.retry_interval = milliseconds(20);
    options_.sync_interval = milliseconds(10);
    options_.destinations = {"central"};
  }
  void TearDown() override {
    if (log_) {
      log_->Stop();
      RunUntil(loop_, [&] { return log_->Stopped(); });
      log_.reset();
    }
    EXPECT_EQ(loop_.Close(), 0);
    std::filesystem::remove_all(root_);
  }

  void Start() {
    log_ = std::make_unique<SampleLog>(loop_, options_, clock_, metrics_);
    log_->Start(nullptr, nullptr);
  }
  // The log stopped and opened again (a restart), with a registry of its own: the one before
  // still calls the log it was given, which is gone.
  void Restart() {
    log_->Stop();
    ASSERT_TRUE(RunUntil(loop_, [&] { return log_->Stopped(); }));
    log_.reset();
    log_ = std::make_unique<SampleLog>(loop_, options_, clock_, restarted_metrics_.emplace_back());
    log_->Start(nullptr, nullptr);
  }
  bool CursorOpen(const std::string& name) {
    for (const wal::Cursor* c : log_->wal()->cursors()) {
      if (c->name() == name) return true;
    }
    return false;
  }

  static std::vector<LabeledSample> Collection(int n, int size = 5) {
    std::vector<LabeledSample> out;
    for (int i = 0; i < size; ++i) {
      out.push_back({std::make_shared<const core::Labels>(
                         core::Labels::FromLiteral({{"__name__", "m" + std::to_string(i)}})),
                     1'700'000'000'000 + n * 15'000LL, n * 10.0 + i});
    }
    return out;
  }

  // The collections in the log, in order, as their numbers.
  std::vector<int> Logged() {
    std::vector<int> out;
    wal::Cursor* c = *log_->wal()->OpenCursor("central");
    c->Rewind();
    std::vector<wal::Cursor::Sample> got;
    do {
      got.clear();
      EXPECT_TRUE(c->Read(1000, &got).ok());
      for (const auto& s : got) {
        if (s.labels->MetricName() == "m0") out.push_back(static_cast<int>(s.value / 10));
      }
    } while (!got.empty());
    return out;
  }

  bool MetricsSay(const std::string& line) {
    return metrics_.Render().find(line + "\n") != std::string::npos;
  }

  std::string root_;
  SampleLogOptions options_;
  core::ManualClock clock_{1'700'000'000'000};
  core::MetricsRegistry metrics_;
  std::deque<core::MetricsRegistry> restarted_metrics_;
  core::Loop loop_;
  std::unique_ptr<SampleLog> log_;
};

TEST_F(SampleLogTest, CollectionsGoIntoTheLog) {
  Start();
  ASSERT_NE(log_->wal(), nullptr);
  for (int n = 0; n < 3; ++n) log_->Append(Collection(n));
  EXPECT_EQ(Logged(), (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(MetricsSay("vigil_wal_open 1"));
  EXPECT_TRUE(MetricsSay("vigil_wal_samples_appended_total 15"));
  EXPECT_TRUE(MetricsSay("vigil_wal_dropped_samples_total{destination=\"central\"} 0"));
  EXPECT_TRUE(MetricsSay("vigil_wal_damaged_samples_total{destination=\"central\"} 0"));
}

// A destination removed from agent.ini keeps its cursor across a restart, holding its place,
// until [agent] delete_cursors names it.
TEST_F(SampleLogTest, ACursorSavedInTheLogIsOpenedAtStartUntilDeleteCursorsNamesIt) {
  options_.destinations = {"central", "old"};
  Start();
  for (int n = 0; n < 3; ++n) log_->Append(Collection(n));
  wal::Cursor* old = *log_->wal()->OpenCursor("old");
  std::vector<wal::Cursor::Sample> got;
  ASSERT_TRUE(old->Read(5, &got).ok());  // collection 0
  ASSERT_TRUE(old->Commit(old->read_position()).ok());
  options_.destinations = {"central"};
  Restart();
  EXPECT_TRUE(CursorOpen("old"));
  old = *log_->wal()->OpenCursor("old");
  got.clear();
  ASSERT_TRUE(old->Read(100, &got).ok());
  ASSERT_EQ(got.size(), 10u);  // it resumes after collection 0
  EXPECT_EQ(got[0].value, 10.0);
  options_.delete_cursors = {"old"};
  Restart();
  EXPECT_FALSE(CursorOpen("old"));
  EXPECT_FALSE(std::filesystem::exists(options_.wal.dir + "/cursors/old"));
  // At a reload: deleted from the open log, unless it is a destination again.
  ASSERT_TRUE(log_->wal()->OpenCursor("again").ok());
  ASSERT_TRUE((*log_->wal()->OpenCursor("again"))->Persist().ok());
  log_->SetCursors({"central", "again"}, {"again"});
  log_->DeleteUnusedCursors({"again"});
  EXPECT_TRUE(std::filesystem::exists(options_.wal.dir + "/cursors/again"));
  log_->SetCursors({"central"}, {"again"});
  log_->DeleteUnusedCursors({"again"});
  EXPECT_FALSE(std::filesystem::exists(options_.wal.dir + "/cursors/again"));
  EXPECT_FALSE(CursorOpen("again"));
}

TEST_F(SampleLogTest, AnUnusableDataDirHoldsSamplesInMemoryUntilItWorks) {
  std::ofstream(root_ + "/data") << "a file where the directory should be";
  Start();
  EXPECT_EQ(log_->wal(), nullptr);
  for (int n = 0; n < 4; ++n) log_->Append(Collection(n));
  EXPECT_EQ(log_->buffered_samples(), 20u);
  EXPECT_TRUE(MetricsSay("vigil_wal_open 0"));
  EXPECT_TRUE(MetricsSay("vigil_wal_buffered_samples 20"));

  std::filesystem::remove(root_ + "/data");  // the operator fixes the disk
  ASSERT_TRUE(
      RunUntil(loop_, [&] { return log_->wal() != nullptr && log_->buffered_samples() == 0; }));
  log_->Append(Collection(4));
  EXPECT_EQ(Logged(), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(log_->buffer_dropped_samples(), 0u);
}

TEST_F(SampleLogTest, TheMemoryBoundDropsTheOldestAndCountsThem) {
  options_.max_buffered_samples = 12;
  std::ofstream(root_ + "/data") << "x";
  Start();
  for (int n = 0; n < 5; ++n) log_->Append(Collection(n));  // 25 samples, room for 12
  EXPECT_EQ(log_->buffer_dropped_samples(), 15u);
  EXPECT_TRUE(MetricsSay("vigil_wal_buffer_dropped_samples_total 15"));
  std::filesystem::remove(root_ + "/data");
  ASSERT_TRUE(
      RunUntil(loop_, [&] { return log_->wal() != nullptr && log_->buffered_samples() == 0; }));
  EXPECT_EQ(Logged(), (std::vector<int>{3, 4}));
}

TEST_F(SampleLogTest, AFullDiskHoldsSamplesAndWritesThemWhenSpaceReturns) {
  Start();
  log_->Append(Collection(0));
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit full = old;
  full.rlim_cur = 64;  // every segment is already past this: nothing more fits
  setrlimit(RLIMIT_FSIZE, &full);
  log_->Append(Collection(1));
  log_->Append(Collection(2));
  setrlimit(RLIMIT_FSIZE, &old);
  EXPECT_EQ(log_->buffered_samples(), 10u);
  // Collection 1 was refused, then refused again when collection 2 tried to follow it.
  EXPECT_TRUE(MetricsSay("vigil_wal_append_failures_total 2"));
  ASSERT_TRUE(RunUntil(loop_, [&] { return log_->buffered_samples() == 0; }));
  log_->Append(Collection(3));
  EXPECT_EQ(Logged(), (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(SampleLogTest, SyncsRunOffTheLoopAndStopWaitsForThem) {
  Start();
  log_->Append(Collection(0));
  ASSERT_TRUE(RunUntil(loop_, [&] {
    return metrics_.Render().find("vigil_wal_last_sync_duration_seconds 0\n") == std::string::npos;
  }));
  EXPECT_TRUE(MetricsSay("vigil_wal_sync_failures_total 0"));
  log_->Stop();
  EXPECT_FALSE(log_->Stopped());  // the last sync is running
  ASSERT_TRUE(RunUntil(loop_, [&] { return log_->Stopped(); }));
}

}  // namespace
}  // namespace vigil::agent
