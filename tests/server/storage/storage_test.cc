#include "server/storage/storage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "remote/codec.h"
#include "tests/core/temp_dir.h"
#include "tests/server/storage/append_request.h"
#include "tests/server/storage/read_all.h"

namespace vigil::storage {
namespace {

constexpr int64_t kHour = 3'600'000;

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::FreshTempDir(); }

  std::unique_ptr<Storage> Open(StorageOptions o = {}) {
    o.dir = dir_;
    metrics_ = std::make_unique<core::MetricsRegistry>();
    auto s = Storage::Open(o, clock_, *metrics_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // `series` series "load{i=...}" with one sample each `step` ms in [from, to).
  static remote::WriteRequest Load(int series, int64_t from, int64_t to, int64_t step,
                                   double offset = 0) {
    remote::WriteRequest req;
    for (int i = 0; i < series; ++i) {
      remote::SeriesSamples s{
          core::Labels::FromLiteral({{"__name__", "load"}, {"i", std::to_string(i)}}), {}};
      for (int64_t t = from; t < to; t += step) s.samples.push_back({t, t / 1000.0 + i + offset});
      req.series.push_back(std::move(s));
    }
    return req;
  }

  static size_t CountSamples(const Storage& s, int64_t mint = INT64_MIN, int64_t maxt = INT64_MAX) {
    auto q = s.OpenQuerier();
    auto series = testing::ReadAll(
        q->Select({Matcher::Create(MatchType::kEqual, "__name__", "load").value()}, mint, maxt));
    EXPECT_TRUE(series.ok());
    size_t n = 0;
    for (const auto& x : *series) n += x.samples.size();
    return n;
  }

  std::string dir_;
  core::ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<core::MetricsRegistry> metrics_;
};

TEST_F(StorageTest, ReopenReplaysTheWal) {
  {
    auto s = Open();
    ASSERT_TRUE(testing::AppendRequest(*s, Load(10, 0, 600'000, 15'000)).ok());
    ASSERT_TRUE(testing::AppendRequest(*s, Load(10, 600'000, 1'200'000, 15'000)).ok());
  }
  auto s = Open();
  EXPECT_EQ(CountSamples(*s), 10u * 80);
  EXPECT_EQ(s->head().stats().series, 10u);
  // Appends after the replay go on where the series left off.
  EXPECT_TRUE(testing::AppendRequest(*s, Load(10, 1'200'000, 1'215'000, 15'000)).ok());
  EXPECT_EQ(CountSamples(*s), 10u * 81);
}

// The shape recording rules write in: a batch whose refused series leave nothing of
// themselves, while the rest of the batch is stored (and survives a restart).
TEST_F(StorageTest, ARefusedAddLeavesNothingOfItselfAndTheRestOfTheBatchCommits) {
  const core::Labels a = core::Labels::FromLiteral({{"__name__", "load"}, {"i", "a"}});
  const core::Labels b = core::Labels::FromLiteral({{"__name__", "load"}, {"i", "b"}});
  const core::Labels fresh = core::Labels::FromLiteral({{"__name__", "load"}, {"i", "fresh"}});
  const std::vector<core::Sample> first{{10'000, 1}, {20'000, 2}};
  {
    auto s = Open();
    ASSERT_TRUE(testing::AppendRequest(*s, Load(1, 0, 60'000, 15'000)).ok());  // i="0"
    auto batch = s->OpenAppender();
    ASSERT_TRUE(batch->Add(a, first).ok());
    // b: two good samples, then one at a timestamp b has (in this batch) with another value.
    const std::vector<core::Sample> bad{{10'000, 5}, {30'000, 6}, {10'000, 7}};
    EXPECT_EQ(batch->Add(b, bad).code(), core::StatusCode::kInvalidArgument);
    // a again: its good samples are kept, the out-of-order one that clashes is refused alone.
    EXPECT_TRUE(batch->Add(a, std::vector<core::Sample>{{30'000, 3}}).ok());
    EXPECT_EQ(batch->Add(a, std::vector<core::Sample>{{5'000, 0.5}, {20'000, 9}}).code(),
              core::StatusCode::kInvalidArgument);
    // A new series refused at its first sample (older than the out-of-order window) is not made.
    const std::vector<core::Sample> ancient{{-100 * kHour, 1}};
    EXPECT_EQ(batch->Add(fresh, ancient).code(), core::StatusCode::kInvalidArgument);
    auto stored = batch->Commit();
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(stored->samples, 3u);
    EXPECT_EQ(stored->out_of_order, 0u);
    EXPECT_EQ(batch->Commit().status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_EQ(batch->Add(b, first).code(), core::StatusCode::kFailedPrecondition);
    EXPECT_EQ(s->head().stats().series, 2u);  // i="0" and a: neither b nor fresh
  }
  auto s = Open();
  EXPECT_EQ(s->head().stats().series, 2u);
  auto q = s->OpenQuerier();
  auto series = testing::ReadAll(
      q->Select({Matcher::Create(MatchType::kEqual, "i", "a").value()}, INT64_MIN, INT64_MAX));
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  const std::vector<core::Sample> want{{10'000, 1}, {20'000, 2}, {30'000, 3}};
  ASSERT_EQ((*series)[0].samples.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*series)[0].samples[i].timestamp_ms, want[i].timestamp_ms);
    EXPECT_EQ((*series)[0].samples[i].value, want[i].value);
  }
}

TEST_F(StorageTest, ABatchDroppedWithoutCommitStoresNothingAndFreesTheLock) {
  auto s = Open();
  {
    auto batch = s->OpenAppender();
    auto req = Load(3, 0, 60'000, 15'000);
    for (const auto& series : req.series)
      ASSERT_TRUE(batch->Add(series.labels, series.samples).ok());
  }
  EXPECT_EQ(CountSamples(*s), 0u);
  EXPECT_EQ(s->head().stats().series, 0u);
  // The next batch gets the lock and starts afresh.
  ASSERT_TRUE(testing::AppendRequest(*s, Load(1, 0, 30'000, 15'000)).ok());
  EXPECT_EQ(CountSamples(*s), 2u);
}

TEST_F(StorageTest, RefusedRequestWritesNothingEvenAfterRestart) {
  {
    auto s = Open();
    ASSERT_TRUE(testing::AppendRequest(*s, Load(2, 0, 60'000, 15'000)).ok());
    auto bad = Load(3, 60'000, 120'000, 15'000);
    bad.series[1].samples.push_back({45'000, -1});  // an existing timestamp, another value
    auto r = testing::AppendRequest(*s, bad);
    EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(CountSamples(*s), 8u);
    EXPECT_EQ(s->head().stats().series, 2u);
  }
  auto s = Open();
  EXPECT_EQ(CountSamples(*s), 8u);
}

TEST_F(StorageTest, HeadIsCutIntoBlocksAndSurvivesRestart) {
  {
    auto s = Open();
    for (int64_t h = 0; h < 5; ++h) {
      ASSERT_TRUE(testing::AppendRequest(*s, Load(5, h * kHour, (h + 1) * kHour, 60'000)).ok());
    }
    ASSERT_TRUE(s->Maintain().ok());
    // 5h of data: the first 2h range went into a block; the head keeps the rest.
    ASSERT_EQ(s->blocks().size(), 1u);
    EXPECT_EQ(s->blocks()[0]->meta().min_time, 0);
    EXPECT_EQ(s->blocks()[0]->meta().max_time, 2 * kHour - 60'000);
    // Each series' 120 samples of the range in one chunk, whatever the head's chunks were.
    EXPECT_EQ(s->blocks()[0]->meta().chunks, 5u);
    EXPECT_EQ(s->head().stats().min_time, 2 * kHour);
    EXPECT_EQ(CountSamples(*s), 5u * 300);
    EXPECT_EQ(CountSamples(*s, kHour, 3 * kHour - 1), 5u * 120);
    // Out of order into the range the block already holds: stored, and found.
    auto late = Load(1, 30'000, 30'001, 1);
    ASSERT_TRUE(testing::AppendRequest(*s, late).ok());
    EXPECT_EQ(CountSamples(*s), 5u * 300 + 1);
  }
  auto s = Open();
  EXPECT_EQ(CountSamples(*s), 5u * 300 + 1);  // none lost, none doubled
  EXPECT_EQ(s->blocks().size(), 1u);
}

// The hook runs while the cut is between its two short holds of the append lock: appending
// there would deadlock if the cut held it through writing the blocks.
TEST_F(StorageTest, AppendsGoOnWhileACutWritesItsBlocks) {
  Storage* storage = nullptr;
  StorageOptions o;
  o.while_cutting_unlocked = [&storage] {
    ASSERT_TRUE(testing::AppendRequest(*storage, Load(5, 5 * kHour, 5 * kHour + 1, 1, 0.5)).ok());
  };
  {
    auto s = Open(o);
    storage = s.get();
    for (int64_t h = 0; h < 5; ++h) {
      ASSERT_TRUE(testing::AppendRequest(*s, Load(5, h * kHour, (h + 1) * kHour, 60'000)).ok());
    }
    ASSERT_TRUE(s->Maintain().ok());
    ASSERT_EQ(s->blocks().size(), 1u);
    EXPECT_EQ(CountSamples(*s), 5u * 301);
    // Nothing before the cut's boundary came in meanwhile: its blocks were written once.
    EXPECT_EQ(metrics_->Counter("vigil_tsdb_head_cuts_locked_total", "").Get()->Value(), 0);
  }
  o.while_cutting_unlocked = nullptr;
  auto s = Open(o);
  EXPECT_EQ(CountSamples(*s), 5u * 301);
}

// An agent's backlog arriving during a cut: samples for the range being written. They must be
// in the block, not dropped with the head's copy of the range.
TEST_F(StorageTest, SamplesForTheRangeBeingCutThatArriveMeanwhileAreKept) {
  Storage* storage = nullptr;
  StorageOptions o;
  o.while_cutting_unlocked = [&storage] {
    // Five series' samples at 30 s past each minute of the first hour: out of order, inside
    // the range being cut.
    ASSERT_TRUE(testing::AppendRequest(*storage, Load(5, 30'000, kHour, 60'000, 0.25)).ok());
  };
  {
    auto s = Open(o);
    storage = s.get();
    for (int64_t h = 0; h < 5; ++h) {
      ASSERT_TRUE(testing::AppendRequest(*s, Load(5, h * kHour, (h + 1) * kHour, 60'000)).ok());
    }
    ASSERT_TRUE(s->Maintain().ok());
    EXPECT_EQ(metrics_->Counter("vigil_tsdb_head_cuts_locked_total", "").Get()->Value(), 1);
    ASSERT_EQ(s->blocks().size(), 1u);
    EXPECT_EQ(s->blocks()[0]->meta().samples, 5u * (120 + 60));
    EXPECT_EQ(CountSamples(*s), 5u * (300 + 60));
  }
  o.while_cutting_unlocked = nullptr;
  auto s = Open(o);
  EXPECT_EQ(CountSamples(*s), 5u * (300 + 60));
  // The first attempt's blocks were deleted, not left beside the right ones.
  size_t dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/blocks"))
    dirs += e.is_directory();
  EXPECT_EQ(dirs, 1u);
}

// Pods come and go: each minute a hundred new series, a block range of a minute. The ids of
// series cut away are numbered again, and every sample still reads back under its own labels,
// from blocks and from the head, before and after a restart (the WAL names reused refs anew).
TEST_F(StorageTest, ChurnReusesIdsAndEverySampleKeepsItsLabels) {
  StorageOptions o;
  o.block_range_ms = 60'000;
  constexpr int kRounds = 8, kPods = 100;
  auto pods = [](int round) {
    remote::WriteRequest req;
    for (int i = 0; i < kPods; ++i) {
      remote::SeriesSamples s{
          core::Labels::FromLiteral({{"__name__", "container_cpu"},
                                     {"pod", std::to_string(round) + "-" + std::to_string(i)}}),
          {}};
      for (int64_t t = round * 60'000; t < (round + 1) * 60'000; t += 10'000) {
        s.samples.push_back({t, round * 1000.0 + i + t / 1e6});
      }
      req.series.push_back(std::move(s));
    }
    return req;
  };
  auto check = [&](const Storage& s) {
    auto q = s.OpenQuerier();
    auto all = testing::ReadAll(
        q->Select({Matcher::Create(MatchType::kEqual, "__name__", "container_cpu").value()},
                  INT64_MIN, INT64_MAX));
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), size_t{kRounds * kPods});
    for (const auto& series : *all) {
      const std::string pod(series.labels.Get("pod"));
      const int round = std::stoi(pod), i = std::stoi(pod.substr(pod.find('-') + 1));
      ASSERT_EQ(series.samples.size(), 6u) << pod;
      for (const core::Sample& x : series.samples) {
        ASSERT_EQ(x.timestamp_ms / 60'000, round) << pod;
        ASSERT_EQ(x.value, round * 1000.0 + i + x.timestamp_ms / 1e6) << pod;
      }
    }
  };
  {
    auto s = Open(o);
    for (int r = 0; r < kRounds; ++r) {
      ASSERT_TRUE(testing::AppendRequest(*s, pods(r)).ok());
      ASSERT_TRUE(s->Maintain().ok());
    }
    // The head keeps about two rounds; without reuse every round's series would be numbered.
    EXPECT_LE(s->head().numbered(), size_t{3 * kPods});
    check(*s);
  }
  auto s = Open(o);
  check(*s);
}

TEST_F(StorageTest, AnUnreadableCheckpointReplaysEverythingAndDoublesNothing) {
  {
    auto s = Open();
    for (int64_t h = 0; h < 5; ++h) {
      ASSERT_TRUE(testing::AppendRequest(*s, Load(5, h * kHour, (h + 1) * kHour, 60'000)).ok());
    }
    ASSERT_TRUE(s->Maintain().ok());
    ASSERT_EQ(s->blocks().size(), 1u);
  }
  std::ofstream(dir_ + "/head.checkpoint", std::ios::trunc) << "garbage";
  auto s = Open();
  // The samples already in the block are replayed into the head too; a query merges them.
  EXPECT_EQ(CountSamples(*s), 5u * 300);
  EXPECT_EQ(s->blocks().size(), 1u);
}

TEST_F(StorageTest, ABlocksPathThatIsNotADirectoryIsAnErrorNotACrash) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/blocks") << "a file where the directory should be";
  StorageOptions o;
  o.dir = dir_;
  core::MetricsRegistry metrics;
  auto s = Storage::Open(o, clock_, metrics);
  EXPECT_FALSE(s.ok());
}

TEST_F(StorageTest, CompactionMergesBlocksAndOverlaps) {
  auto s = Open();
  for (int64_t h = 0; h < 11; ++h) {
    ASSERT_TRUE(testing::AppendRequest(*s, Load(3, h * kHour, (h + 1) * kHour, 60'000)).ok());
    ASSERT_TRUE(s->Maintain().ok());
  }
  // Cuts at 2h, 4h, 6h, 8h; the three 2h blocks of [0, 6h) become one once a newer block exists.
  auto blocks = s->blocks();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0]->meta().level, 2);
  EXPECT_EQ(blocks[0]->meta().min_time, 0);
  EXPECT_EQ(blocks[0]->meta().max_time, 6 * kHour - 60'000);
  EXPECT_EQ(blocks[1]->meta().min_time, 6 * kHour);
  EXPECT_EQ(CountSamples(*s), 3u * 660);
  // A late sample for an hour already compacted makes a small overlapping block at the next
  // cut; compaction folds it into the block of its range.
  ASSERT_TRUE(testing::AppendRequest(*s, Load(1, 90'000, 90'001, 1)).ok());
  ASSERT_TRUE(testing::AppendRequest(*s, Load(3, 11 * kHour, 12 * kHour, 60'000)).ok());
  ASSERT_TRUE(s->Maintain().ok());
  blocks = s->blocks();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0]->meta().min_time, 0);
  EXPECT_EQ(blocks[0]->meta().series, 3u);
  EXPECT_EQ(blocks[0]->meta().samples, 3u * 360 + 1);
  for (size_t i = 1; i < blocks.size(); ++i)
    EXPECT_GT(blocks[i]->meta().min_time, blocks[i - 1]->meta().max_time);
  EXPECT_EQ(CountSamples(*s), 3u * 720 + 1);
}

TEST_F(StorageTest, RetentionDeletesOldBlocks) {
  auto s = Open({.retention_ms = 4 * kHour});
  for (int64_t h = 0; h < 12; ++h) {
    ASSERT_TRUE(testing::AppendRequest(*s, Load(2, h * kHour, (h + 1) * kHour, 60'000)).ok());
    ASSERT_TRUE(s->Maintain().ok());
  }
  for (const auto& b : s->blocks()) EXPECT_GE(b->meta().max_time, 12 * kHour - 4 * kHour - 60'000);
  EXPECT_LT(CountSamples(*s), 2u * 720);
  EXPECT_EQ(CountSamples(*s, 0, 4 * kHour), 0u);
}

TEST_F(StorageTest, DamagedBlockIsSetAsideNotFatal) {
  {
    auto s = Open();
    for (int64_t h = 0; h < 4; ++h)
      ASSERT_TRUE(testing::AppendRequest(*s, Load(2, h * kHour, (h + 1) * kHour, 60'000)).ok());
    ASSERT_TRUE(s->Maintain().ok());
    ASSERT_EQ(s->blocks().size(), 1u);
  }
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/blocks")) {
    std::fstream f(e.path() / "index", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x55');
  }
  auto s = Open();
  EXPECT_TRUE(s->blocks().empty());
  // The head's part (from 2h) is still there.
  EXPECT_EQ(CountSamples(*s), 2u * 120);
  size_t damaged = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/blocks"))
    damaged += e.path().extension() == ".damaged";
  EXPECT_EQ(damaged, 1u);
}

TEST_F(StorageTest, LabelNamesAndValues) {
  auto s = Open();
  ASSERT_TRUE(testing::AppendRequest(*s, Load(3, 0, 60'000, 15'000)).ok());
  auto q = s->OpenQuerier();
  EXPECT_EQ(q->LabelNames({}, INT64_MIN, INT64_MAX).value(),
            (std::vector<std::string>{"__name__", "i"}));
  EXPECT_EQ(q->LabelValues("i", {}, INT64_MIN, INT64_MAX).value(),
            (std::vector<std::string>{"0", "1", "2"}));
  Matchers only1{Matcher::Create(MatchType::kEqual, "i", "1").value()};
  EXPECT_EQ(q->LabelValues("i", only1, INT64_MIN, INT64_MAX).value(),
            (std::vector<std::string>{"1"}));
  auto series = testing::ReadAll(q->Select(only1, INT64_MIN, INT64_MAX, {.labels_only = true}));
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_TRUE((*series)[0].samples.empty());
  auto limited = testing::ReadAll(q->Select({}, INT64_MIN, INT64_MAX, {.max_samples = 5}));
  EXPECT_EQ(limited.status().code(), core::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace vigil::storage
