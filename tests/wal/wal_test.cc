#include "wal/wal.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "tests/core/temp_dir.h"

namespace vigil::wal {
namespace {

using std::chrono::milliseconds;

// Series "s<i>" with value ValueOf(i, batch) at time base+batch*15s: every sample says where
// it came from, so a test can check exactly which ones came back.
class WalTest : public ::testing::Test {
 protected:
  void SetUp() override { options_.dir = testing::FreshTempDir() + "/wal"; }
  void TearDown() override {
    wal_.reset();
    std::filesystem::remove_all(options_.dir);
  }

  void Open() {
    wal_.reset();
    auto w = Wal::Open(options_, clock_);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    wal_ = std::move(w).value();
  }

  std::vector<RefSample> Batch(int batch, int series) {
    std::vector<RefSample> out;
    for (int i = 0; i < series; ++i) {
      core::Labels l =
          core::Labels::FromLiteral({{"__name__", "s" + std::to_string(i)}, {"job", "node"}});
      out.push_back({wal_->Ref(l), kBase + batch * 15000LL, ValueOf(i, batch)});
    }
    return out;
  }

  // A long mantissa, so that the codec cannot squeeze the test data into almost nothing.
  static double ValueOf(int series, int batch) { return series * 1000.0 + batch * 1.0123456789; }

  core::Status AppendBatch(int batch, int series = 10) {
    return wal_->Append(Batch(batch, series));
  }

  // Reads everything the cursor has, as "s<i>@<batch>" strings.
  std::vector<std::string> ReadAll(Cursor* c, size_t step = 7) {
    std::vector<std::string> seen;
    for (;;) {
      std::vector<Cursor::Sample> got;
      EXPECT_TRUE(c->Read(step, &got).ok());
      if (got.empty()) return seen;
      for (const auto& s : got) {
        int batch = static_cast<int>((s.timestamp_ms - kBase) / 15000);
        EXPECT_EQ(s.value,
                  ValueOf(std::stoi(std::string(s.labels->MetricName().substr(1))), batch));
        seen.push_back(std::string(s.labels->MetricName()) + "@" + std::to_string(batch));
      }
    }
  }

  static std::vector<std::string> Expected(int from_batch, int to_batch, int series = 10) {
    std::vector<std::string> out;
    for (int b = from_batch; b < to_batch; ++b) {
      for (int i = 0; i < series; ++i)
        out.push_back("s" + std::to_string(i) + "@" + std::to_string(b));
    }
    return out;
  }

  uint64_t DiskBytes() const {
    uint64_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(options_.dir)) {
      if (e.is_regular_file()) total += e.file_size();
    }
    return total;
  }

  static constexpr int64_t kBase = 1'700'000'000'000;
  WalOptions options_;
  core::ManualClock clock_{kBase};
  std::unique_ptr<Wal> wal_;
};

TEST_F(WalTest, CursorReadsWhatWasAppendedAndWaitsForMore) {
  Open();
  ASSERT_TRUE(AppendBatch(0).ok());
  ASSERT_TRUE(AppendBatch(1).ok());
  Cursor* c = *wal_->OpenCursor("central");
  EXPECT_EQ(ReadAll(c), Expected(0, 2));
  EXPECT_TRUE(ReadAll(c).empty());
  ASSERT_TRUE(AppendBatch(2).ok());
  EXPECT_EQ(ReadAll(c), Expected(2, 3));
  EXPECT_EQ(wal_->stats().samples_appended, 30u);
}

// Containers come and go: the writer forgets series gone for a whole segment and gives their
// refs to new series, and every sample still reads back under its own labels.
TEST_F(WalTest, RefsOfSeriesGoneForASegmentAreForgottenAndGivenOutAgain) {
  Open();
  ASSERT_TRUE(AppendBatch(0).ok());  // s0..s9
  ASSERT_TRUE(AppendBatch(1).ok());
  ASSERT_TRUE(wal_->Cut().ok());
  ASSERT_TRUE(AppendBatch(2, 5).ok());  // s5..s9 are gone
  wal_->ForgetUnusedRefs();
  EXPECT_EQ(wal_->remembered_refs(), 10u);  // all named in this segment or the one before
  ASSERT_TRUE(wal_->Cut().ok());
  wal_->ForgetUnusedRefs();
  EXPECT_EQ(wal_->remembered_refs(), 5u);  // s5..s9 in neither: forgotten
  std::vector<RefSample> fresh;
  std::set<SeriesRef> refs;
  for (int i = 100; i < 105; ++i) {
    core::Labels l =
        core::Labels::FromLiteral({{"__name__", "s" + std::to_string(i)}, {"job", "node"}});
    refs.insert(wal_->Ref(l));
    fresh.push_back({wal_->Ref(l), kBase + 3 * 15000LL, ValueOf(i, 3)});
  }
  EXPECT_EQ(*refs.rbegin(), 10u);  // no new ref numbered: the five freed ones
  ASSERT_TRUE(wal_->Append(fresh).ok());
  ASSERT_TRUE(AppendBatch(3, 5).ok());
  EXPECT_EQ(wal_->remembered_refs(), 10u);
  std::vector<std::string> want = Expected(0, 3 - 1);
  for (const auto& x : Expected(2, 3, 5)) want.push_back(x);
  for (int i = 100; i < 105; ++i) want.push_back("s" + std::to_string(i) + "@3");
  for (const auto& x : Expected(3, 4, 5)) want.push_back(x);
  Cursor* c = *wal_->OpenCursor("central");
  EXPECT_EQ(ReadAll(c), want);  // ReadAll checks each value against its series' name
}

TEST_F(WalTest, CursorsResumeExactlyWhereTheyCommittedAfterARestart) {
  Open();
  for (int b = 0; b < 5; ++b) ASSERT_TRUE(AppendBatch(b).ok());
  Cursor* c = *wal_->OpenCursor("central");
  std::vector<Cursor::Sample> got;
  ASSERT_TRUE(c->Read(23, &got).ok());  // mid-record: batch 2, sample 3
  ASSERT_EQ(got.size(), 23u);
  ASSERT_TRUE(c->Commit(c->read_position()).ok());
  Cursor* other = *wal_->OpenCursor("backup");  // never commits
  ASSERT_EQ(ReadAll(other).size(), 50u);

  Open();  // a new process: a new segment, refs start again
  ASSERT_TRUE(AppendBatch(5).ok());
  c = *wal_->OpenCursor("central");
  std::vector<std::string> rest = ReadAll(c, 1000);
  std::vector<std::string> want = Expected(0, 6);
  want.erase(want.begin(), want.begin() + 23);
  EXPECT_EQ(rest, want);
  EXPECT_EQ(ReadAll(*wal_->OpenCursor("backup")), Expected(0, 6));
}

TEST_F(WalTest, RewindReadsAgainFromTheCommittedPosition) {
  Open();
  for (int b = 0; b < 3; ++b) ASSERT_TRUE(AppendBatch(b).ok());
  Cursor* c = *wal_->OpenCursor("central");
  std::vector<Cursor::Sample> got;
  ASSERT_TRUE(c->Read(12, &got).ok());
  ASSERT_TRUE(c->Commit(c->read_position()).ok());
  got.clear();
  ASSERT_TRUE(c->Read(5, &got).ok());  // sent, but the destination failed
  c->Rewind();
  std::vector<std::string> want = Expected(0, 3);
  want.erase(want.begin(), want.begin() + 12);
  EXPECT_EQ(ReadAll(c), want);
}

TEST_F(WalTest, ReadsAcrossSegmentsAndDeletesThoseEveryCursorPassed) {
  options_.segment_size = 64 * 1024;
  Open();
  for (int b = 0; b < 400; ++b) ASSERT_TRUE(AppendBatch(b, 50).ok());
  const uint64_t segments = wal_->stats().segments;
  ASSERT_GE(segments, 3u);
  Cursor* a = *wal_->OpenCursor("a");
  Cursor* b = *wal_->OpenCursor("b");
  EXPECT_EQ(ReadAll(a, 333), Expected(0, 400, 50));
  ASSERT_TRUE(a->Commit(a->read_position()).ok());
  wal_->DeleteOldSegments();
  EXPECT_EQ(wal_->stats().segments, segments);  // b holds them
  EXPECT_EQ(ReadAll(b, 1000), Expected(0, 400, 50));
  ASSERT_TRUE(b->Commit(b->read_position()).ok());
  wal_->DeleteOldSegments();
  EXPECT_EQ(wal_->stats().segments, 1u);  // only the one being written
  EXPECT_EQ(a->dropped_samples() + b->dropped_samples(), 0u);
}

// The agent keeps a removed destination's cursor (saved, opened again at start) until the
// operator deletes it; then it holds nothing.
TEST_F(WalTest, ASavedCursorIsListedAndDeletingItReleasesWhatItHeld) {
  options_.segment_size = 64 * 1024;
  Open();
  Cursor* kept = *wal_->OpenCursor("old");
  Cursor* live = *wal_->OpenCursor("central");
  for (int b = 0; b < 100; ++b) ASSERT_TRUE(AppendBatch(b, 50).ok());
  std::vector<Cursor::Sample> got;
  ASSERT_TRUE(kept->Read(500, &got).ok());
  ASSERT_TRUE(kept->Commit(kept->read_position()).ok());
  EXPECT_EQ(wal_->SavedCursorNames(), std::vector<std::string>{"old"});  // central never saved
  Open();                                                                // a restart
  EXPECT_EQ(wal_->SavedCursorNames(), std::vector<std::string>{"old"});
  kept = *wal_->OpenCursor("old");
  live = *wal_->OpenCursor("central");
  for (int b = 100; b < 400; ++b) ASSERT_TRUE(AppendBatch(b, 50).ok());
  EXPECT_EQ(ReadAll(live, 1000), Expected(0, 400, 50));
  ASSERT_TRUE(live->Commit(live->read_position()).ok());
  wal_->DeleteOldSegments();
  const uint64_t held = wal_->stats().segments;
  ASSERT_GE(held, 3u);  // "old" holds them, committed in the first
  ASSERT_TRUE(wal_->DeleteCursor("old").ok());
  EXPECT_EQ(wal_->SavedCursorNames(), std::vector<std::string>{"central"});
  ASSERT_EQ(wal_->cursors().size(), 1u);
  EXPECT_EQ(wal_->cursors()[0]->name(), "central");
  wal_->DeleteOldSegments();
  EXPECT_EQ(wal_->stats().segments, 1u);
  EXPECT_TRUE(wal_->DeleteCursor("never-there").ok());
}

// The server's threads at once: a worker appends, the loop reads a forwarder's cursor and
// acknowledges, maintenance deletes what every cursor passed and the pool syncs. Nothing is
// lost, repeated or reordered, and nothing is counted as dropped.
TEST_F(WalTest, AppendsReadsDeletionsAndSyncsRunOnTheirOwnThreads) {
  options_.segment_size = 64 * 1024;
  Open();
  Cursor* c = *wal_->OpenCursor("forward");
  constexpr int kBatches = 400;
  std::atomic<bool> appended{false};
  std::thread appender([&] {
    for (int b = 0; b < kBatches; ++b) EXPECT_TRUE(AppendBatch(b, 50).ok());
    appended = true;
  });
  std::thread maintainer([&] {
    while (!appended) {
      wal_->DeleteOldSegments();
      (void)wal_->SegmentMaxTimes();
      std::this_thread::sleep_for(milliseconds(1));
    }
  });
  std::thread syncer([&] {
    while (!appended) {
      EXPECT_TRUE(wal_->Sync().ok());
      std::this_thread::sleep_for(milliseconds(1));
    }
  });
  std::vector<std::string> seen;
  for (;;) {
    const bool done = appended;  // taken first: a read after it sees every append
    std::vector<std::string> got = ReadAll(c, 97);
    seen.insert(seen.end(), got.begin(), got.end());
    ASSERT_TRUE(c->Commit(c->read_position()).ok());
    if (done && got.empty()) break;
  }
  appender.join();
  maintainer.join();
  syncer.join();
  EXPECT_EQ(seen, Expected(0, kBatches, 50));
  EXPECT_EQ(c->dropped_samples(), 0u);
  wal_->DeleteOldSegments();
  EXPECT_EQ(wal_->stats().segments, 1u);
}

TEST_F(WalTest, SizeCapBoundsTheDiskAndCountsEveryDroppedSample) {
  options_.max_size = 256 * 1024;
  options_.segment_size = 64 * 1024;
  Open();
  Cursor* c = *wal_->OpenCursor("central");  // never acknowledges
  uint64_t appended = 0;
  for (int b = 0; b < 3000; ++b) {
    std::vector<RefSample> batch = Batch(b, 20);
    ASSERT_TRUE(wal_->Append(batch).ok());
    appended += batch.size();
    ASSERT_LE(DiskBytes(), options_.max_size) << "after batch " << b;
    if (b % 500 == 0) wal_->DeleteOldSegments();
  }
  std::vector<Cursor::Sample> got;
  uint64_t readable = 0;
  do {
    got.clear();
    ASSERT_TRUE(c->Read(1000, &got).ok());
    readable += got.size();
  } while (!got.empty());
  EXPECT_GT(c->dropped_samples(), 0u);
  EXPECT_EQ(c->dropped_samples() + readable, appended);
}

TEST_F(WalTest, AgeCapDropsOldSegmentsAndCountsThem) {
  options_.segment_size = 64 * 1024;
  options_.max_age = milliseconds(3600 * 1000);
  Open();
  Cursor* c = *wal_->OpenCursor("central");
  for (int b = 0; b < 300; ++b) ASSERT_TRUE(AppendBatch(b, 50).ok());  // 75 minutes of data
  clock_.AdvanceMillis(3 * 3600 * 1000);
  wal_->DeleteOldSegments();
  std::vector<std::string> left = ReadAll(c, 1000);
  EXPECT_GT(c->dropped_samples(), 0u);
  EXPECT_EQ(c->dropped_samples() + left.size(), 300u * 50);
  EXPECT_FALSE(left.empty());             // the segment being written is never dropped
  EXPECT_EQ(wal_->stats().segments, 1u);  // every finished one was older than the cap
}

// Reads and commits everything the cursor has; returns how many samples that was.
uint64_t Drain(Cursor* c) {
  uint64_t n = 0;
  for (;;) {
    std::vector<Cursor::Sample> got;
    EXPECT_TRUE(c->Read(1000, &got).ok());
    if (got.empty()) return n;
    n += got.size();
    c->MarkAcknowledged(c->read_position());
  }
}

// The server's shape: an unbounded cursor (the head) that holds what storage needs, and a
// bounded one (a forwarding destination that is down). The bounded one gives up what is past
// its limit and counts it, but never a segment the unbounded one still holds.
TEST_F(WalTest, ABoundedCursorGivesUpItsBacklogButNotWhatAnUnboundedOneHolds) {
  options_.segment_size = 64 * 1024;
  options_.max_size = UINT64_MAX / 2;  // as the server: no cap of the log's own
  Open();
  Cursor* head = *wal_->OpenCursor("head");
  // Less than the head holds: the bound then moves it up to the head and no further.
  Cursor* down = *wal_->OpenCursor("down", {.max_bytes = 1});
  uint64_t appended = 0;
  Position head_keep = wal_->Oldest();
  for (int b = 0; b < 4000; ++b) {
    std::vector<RefSample> batch = Batch(b, 20);
    ASSERT_TRUE(wal_->Append(batch).ok());
    appended += batch.size();
    if (b % 100 == 99) {
      // The head keeps the last ~2 segments, as a block cut would.
      const uint32_t writing = wal_->Cut().value();
      if (writing > 3) head_keep = StartOf(writing - 2);
      ASSERT_TRUE(head->Commit(head_keep).ok());
      wal_->DeleteOldSegments();
      // What the head holds (two segments and the one being written), and no more.
      ASSERT_EQ(wal_->Oldest().segment, head_keep.segment) << "after batch " << b;
      // Giving up what the head holds would free nothing: the destination keeps it.
      ASSERT_EQ(down->committed().segment, head_keep.segment) << "after batch " << b;
    }
  }
  EXPECT_GT(down->dropped_samples(), 0u);
  EXPECT_EQ(head->dropped_samples(), 0u);
  EXPECT_EQ(down->dropped_samples() + Drain(down), appended);
}

TEST_F(WalTest, ABoundedCursorGivesUpSegmentsPastItsAge) {
  options_.segment_size = 64 * 1024;
  Open();
  Cursor* down = *wal_->OpenCursor("down", {.max_age = milliseconds(3600 * 1000)});
  for (int b = 0; b < 300; ++b) {  // 75 minutes of data, in six segments
    ASSERT_TRUE(AppendBatch(b, 50).ok());
    if (b % 50 == 49) {
      ASSERT_TRUE(wal_->Cut().ok());
    }
  }
  wal_->DeleteOldSegments();
  EXPECT_EQ(down->dropped_samples(), 0u);  // nothing is an hour old yet
  clock_.AdvanceMillis(3 * 3600 * 1000);
  wal_->DeleteOldSegments();
  EXPECT_GT(down->dropped_samples(), 0u);
  EXPECT_EQ(down->dropped_samples() + Drain(down), 300u * 50);
  EXPECT_EQ(wal_->stats().segments, 1u);  // every finished one was older than the bound
}

// A disk short of room: bounded cursors give up backlog, oldest first, as much as asked;
// the unbounded one loses nothing.
TEST_F(WalTest, ShedBoundedFreesOnlyWhatBoundedCursorsHold) {
  options_.segment_size = 64 * 1024;
  options_.max_size = UINT64_MAX / 2;
  Open();
  Cursor* head = *wal_->OpenCursor("head");
  Cursor* down = *wal_->OpenCursor("down", {.max_bytes = 1ull << 40});
  for (int b = 0; b < 2000; ++b) {  // ten segments
    ASSERT_TRUE(AppendBatch(b, 20).ok());
    if (b % 200 == 199) {
      ASSERT_TRUE(wal_->Cut().ok());
    }
  }
  const std::vector<uint32_t> before = [&] {
    std::vector<uint32_t> v;
    for (const auto& [index, t] : wal_->SegmentMaxTimes()) v.push_back(index);
    return v;
  }();
  ASSERT_GT(before.size(), 6u);
  ASSERT_TRUE(head->Commit(StartOf(before[4])).ok());  // the head holds from the fifth
  wal_->DeleteOldSegments();
  EXPECT_EQ(wal_->Oldest().segment, before[0]);  // the bounded cursor holds them all
  wal_->ShedBounded(1);                          // a byte: one segment
  wal_->DeleteOldSegments();
  EXPECT_EQ(wal_->Oldest().segment, before[1]);
  wal_->ShedBounded(UINT64_MAX);
  wal_->DeleteOldSegments();
  EXPECT_EQ(wal_->Oldest().segment, before[4]);  // never what the head holds
  EXPECT_GT(down->dropped_samples(), 0u);
  EXPECT_EQ(down->dropped_samples() + Drain(down), 2000u * 20);
  EXPECT_EQ(head->dropped_samples(), 0u);
}

TEST_F(WalTest, ATornTailIsCutOffOnOpenAndNothingBeforeItIsLost) {
  Open();
  for (int b = 0; b < 3; ++b) ASSERT_TRUE(AppendBatch(b).ok());
  const std::string last = options_.dir + "/" + SegmentName(1);
  wal_.reset();
  {
    std::ofstream out(last, std::ios::binary | std::ios::app);
    out << std::string("\x12\x34\x56\x78\x40\x00\x00\x00\x02half a record", 22);
  }
  Open();
  EXPECT_EQ(wal_->stats().torn_tail_bytes, 22u);
  EXPECT_EQ(wal_->stats().corruptions, 0u);
  EXPECT_EQ(ReadAll(*wal_->OpenCursor("central")), Expected(0, 3));
}

TEST_F(WalTest, ASegmentWithADamagedHeaderIsReportedAndSkipped) {
  Open();
  ASSERT_TRUE(AppendBatch(0).ok());
  Open();  // segment 2
  ASSERT_TRUE(AppendBatch(1).ok());
  Open();  // segment 3
  ASSERT_TRUE(AppendBatch(2).ok());
  {
    std::fstream f(options_.dir + "/" + SegmentName(2),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.write("XXXX", 4);
  }
  Cursor* c = *wal_->OpenCursor("central");
  std::vector<std::string> want = Expected(0, 1);
  std::vector<std::string> two = Expected(2, 3);
  want.insert(want.end(), two.begin(), two.end());
  EXPECT_EQ(ReadAll(c), want);
  EXPECT_EQ(wal_->stats().corruptions, 1u);
  EXPECT_GT(wal_->stats().corrupted_bytes, 0u);
  c->Rewind();  // reading it again is not new damage
  EXPECT_EQ(ReadAll(c), want);
  EXPECT_EQ(wal_->stats().corruptions, 1u);
}

TEST_F(WalTest, BadCursorFilesStartAtTheOldestData) {
  Open();
  for (int b = 0; b < 2; ++b) ASSERT_TRUE(AppendBatch(b).ok());
  std::ofstream(options_.dir + "/cursors/garbled") << "v1 1 8 0 deadbeef\n";  // wrong CRC
  EXPECT_EQ(ReadAll(*wal_->OpenCursor("garbled")), Expected(0, 2));
  Cursor* ahead = *wal_->OpenCursor("ahead");
  ASSERT_TRUE(ahead->Commit({99, 8, 0}).ok());  // past the log
  wal_.reset();
  Open();
  EXPECT_EQ(ReadAll(*wal_->OpenCursor("ahead")), Expected(0, 2));
  EXPECT_EQ(wal_->stats().cursor_resets, 1u);  // counted per process: this one saw "ahead"
}

TEST_F(WalTest, AFailedAppendLeavesNothingAndTheNextOneDecodes) {
  Open();
  ASSERT_TRUE(AppendBatch(0).ok());
  // A full disk, as the process sees it: writes past this size fail.
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit tight = old;
  tight.rlim_cur = std::filesystem::file_size(options_.dir + "/" + SegmentName(1)) + 20;
  setrlimit(RLIMIT_FSIZE, &tight);
  core::Status failed = AppendBatch(1);
  setrlimit(RLIMIT_FSIZE, &old);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), core::StatusCode::kUnavailable) << failed.ToString();
  EXPECT_EQ(wal_->stats().append_failures, 1u);
  ASSERT_TRUE(AppendBatch(2).ok());  // space is back
  std::vector<std::string> want = Expected(0, 1);
  std::vector<std::string> two = Expected(2, 3);
  want.insert(want.end(), two.begin(), two.end());
  EXPECT_EQ(ReadAll(*wal_->OpenCursor("central")), want);
}

TEST_F(WalTest, AlwaysPolicySyncsEveryAppend) {
  options_.fsync = FsyncPolicy::kAlways;
  Open();
  ASSERT_TRUE(AppendBatch(0).ok());
  ASSERT_TRUE(wal_->Sync().ok());
  EXPECT_EQ(ReadAll(*wal_->OpenCursor("c")), Expected(0, 1));
}

}  // namespace
}  // namespace vigil::wal
