// A damaged WAL through the server's replay (issue 17, part 1): whatever byte of a record is
// flipped, Storage::Open stores exactly what was appended or counts it as dropped, and
// everything before the damage and after the next key record is in the head again.
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "server/storage/storage.h"
#include "tests/core/temp_dir.h"
#include "tests/server/storage/append_request.h"
#include "tests/server/storage/read_all.h"
#include "wal/segment.h"

namespace vigil::storage {
namespace {

constexpr int kSeries = 3;
// More than the writer's key_every (128) collections, so that a key record follows the first.
constexpr int kBatches = 130;

int64_t TimeOf(int batch) { return 1'700'000'000'000 + batch * 15'000LL; }
double ValueOf(int series, int batch) { return series * 1000.0 + batch * 1.0123456789; }

remote::WriteRequest Batch(int batch) {
  remote::WriteRequest req;
  for (int i = 0; i < kSeries; ++i) {
    req.series.push_back(
        {core::Labels::FromLiteral({{"__name__", "load"}, {"i", std::to_string(i)}}),
         {{TimeOf(batch), ValueOf(i, batch)}}});
  }
  return req;
}

struct RecordInfo {
  uint64_t offset, size;
  wal::RecordType type;
};

class StorageWalDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pristine_ = testing::FreshTempDir("pristine");
    core::MetricsRegistry metrics;
    auto s = Storage::Open({.dir = pristine_}, clock_, metrics);
    ASSERT_TRUE(s.ok());
    for (int b = 0; b < kBatches; ++b) ASSERT_TRUE(testing::AppendRequest(**s, Batch(b)).ok());
  }

  std::vector<RecordInfo> Records() const {
    std::vector<RecordInfo> out;
    auto r = wal::SegmentReader::Open(pristine_ + "/wal", 1, nullptr);
    EXPECT_TRUE(r.ok());
    wal::RecordType type;
    std::string payload;
    uint64_t offset = 0;
    while ((*r)->Next((*r)->file_size(), &type, &payload, &offset))
      out.push_back({offset, wal::kRecordHeaderSize + payload.size(), type});
    return out;
  }

  std::string pristine_;
  core::ManualClock clock_{TimeOf(kBatches)};
};

TEST_F(StorageWalDamageTest, EveryRecordDamagedStoresExactSamplesOrCountsThem) {
  const std::vector<RecordInfo> records = Records();
  // series, key (batch 0), deltas (1 to 127), key (128), delta (129), end
  ASSERT_EQ(records.size(), static_cast<size_t>(kBatches + 2));
  ASSERT_EQ(records[0].type, wal::RecordType::kSeries);
  ASSERT_EQ(records[1].type, wal::RecordType::kSamplesKey);
  ASSERT_EQ(records[129].type, wal::RecordType::kSamplesKey);
  ASSERT_EQ(records.back().type, wal::RecordType::kEnd);
  const int key_batch = 128;

  const std::string dir = testing::FreshTempDir("damaged");
  for (size_t k : {0, 1, 2, 65, 128, 129, 130, 131}) {
    const RecordInfo& rec = records[k];
    // The checksum, the length, the type, the first and the last payload byte.
    for (uint64_t at :
         {rec.offset, rec.offset + 5, rec.offset + 8, rec.offset + 9, rec.offset + rec.size - 1}) {
      SCOPED_TRACE("record " + std::to_string(k) + " byte " + std::to_string(at - rec.offset));
      std::filesystem::remove_all(dir);
      std::filesystem::copy(pristine_, dir, std::filesystem::copy_options::recursive);
      {
        std::fstream f(dir + "/wal/" + wal::SegmentName(1),
                       std::ios::in | std::ios::out | std::ios::binary);
        char c = 0;
        f.seekg(static_cast<std::streamoff>(at));
        f.read(&c, 1);
        c = static_cast<char>(~c);
        f.seekp(static_cast<std::streamoff>(at));
        f.write(&c, 1);
      }
      core::MetricsRegistry metrics;
      auto s = Storage::Open({.dir = dir}, clock_, metrics);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      auto q = (*s)->OpenQuerier();
      auto got = testing::ReadAll(q->Select(
          {Matcher::Create(MatchType::kEqual, "__name__", "load").value()}, INT64_MIN, INT64_MAX));
      ASSERT_TRUE(got.ok());
      std::map<int, std::set<int64_t>> stored;  // series -> timestamps
      size_t count = 0;
      for (const Series& series : *got) {
        const int i = std::stoi(std::string(series.labels.Get("i")));
        for (const core::Sample& sample : series.samples) {
          const int b = static_cast<int>((sample.timestamp_ms - TimeOf(0)) / 15'000);
          // Nothing that was not written.
          ASSERT_EQ(sample.timestamp_ms, TimeOf(b));
          ASSERT_EQ(std::bit_cast<uint64_t>(sample.value), std::bit_cast<uint64_t>(ValueOf(i, b)))
              << "series " << i << " batch " << b;
          stored[i].insert(sample.timestamp_ms);
          ++count;
        }
      }
      // Batches before the damaged record; those from the next key on unless the series
      // record (which names all three) is the one lost. The end record holds no samples.
      for (int b = 0; b < kBatches; ++b) {
        const size_t record = static_cast<size_t>(b) + 1;
        const bool before = record < k;
        const bool after_key = k != 0 && record > k && b >= key_batch && k < 129;
        const bool untouched = k == records.size() - 1;
        if (!before && !after_key && !untouched) continue;
        for (int i = 0; i < kSeries; ++i)
          ASSERT_EQ(stored[i].count(TimeOf(b)), 1u) << "series " << i << " batch " << b;
      }
      // Every sample not stored is counted.
      const std::string rendered = metrics.Render();
      const uint64_t dropped = kBatches * kSeries - count;
      EXPECT_NE(rendered.find("vigil_tsdb_wal_replay_damaged_samples_total " +
                              std::to_string(dropped) + "\n"),
                std::string::npos)
          << "stored " << count << "\n"
          << rendered;
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::storage
