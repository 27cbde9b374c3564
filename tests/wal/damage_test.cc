// Damage must never turn into wrong values (issue 17, part 1). Every byte of every record of a
// closed multi-series segment is flipped in turn; a fresh cursor then reads the log, and every
// sample must come back exactly as appended or be counted as dropped, with what came before the
// damage read back whole and what follows the next key record read back too.
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "tests/core/temp_dir.h"
#include "wal/wal.h"

namespace vigil::wal {
namespace {

constexpr int64_t kBase = 1'700'000'000'000;

// Which series each batch holds. New series appear in the middle, so that series records do
// too; batches 0 to 7 go to segment 1, batch 8 to segment 2.
const std::vector<std::vector<int>> kBatches = {{0, 1, 2},       {0, 1, 2}, {0, 2, 3},
                                                {0, 1, 2, 3},    {1, 3},    {0, 1, 2, 3, 4},
                                                {0, 1, 2, 3, 4}, {0, 4},    {0, 1}};
constexpr size_t kBatchesInSegment1 = 8;

core::Labels SeriesLabels(int series) {
  return core::Labels::FromLiteral({{"__name__", "s" + std::to_string(series)}, {"job", "node"}});
}

// Series 1 never changes (the codec's "same value" path); the others take long mantissas.
double ValueOf(int series, int batch) {
  return series == 1 ? 42.0 : series * 1000.0 + batch * 1.0123456789;
}

struct Written {
  std::string name;
  int64_t t;
  uint64_t bits;
  bool operator<(const Written& o) const {
    return std::tie(name, t, bits) < std::tie(o.name, o.t, o.bits);
  }
  bool operator==(const Written& o) const = default;
};

struct RecordInfo {
  uint64_t offset, size;
  RecordType type;
  int batch = -1;       // for samples records
  std::set<int> named;  // for series records
};

class WalDamageTest : public ::testing::TestWithParam<int> {
 protected:
  // key_every 2: a key record after every 2 samples of each series, so that segment 1 holds
  // key records in the middle with delta records between them.
  static WalOptions Options(const std::string& dir) { return {.dir = dir, .key_every = 2}; }

  static void SetUpTestSuite() {
    template_dir_ = new std::string(::testing::TempDir() + "/wal_damage_template." +
                                    std::to_string(::getpid()));
    std::filesystem::remove_all(*template_dir_);
    core::ManualClock clock(kBase);
    auto wal = Wal::Open(Options(*template_dir_), clock);
    ASSERT_TRUE(wal.ok());
    for (size_t b = 0; b < kBatches.size(); ++b) {
      if (b == kBatchesInSegment1) {
        ASSERT_TRUE((*wal)->Cut().ok());
      }
      std::vector<RefSample> batch;
      for (int s : kBatches[b]) {
        // One sample a batch off the batch time: the codec's timestamp path.
        const int64_t t = kBase + static_cast<int64_t>(b) * 15000 + (s == 3 ? 7 : 0);
        batch.push_back({(*wal)->Ref(SeriesLabels(s)), t, ValueOf(s, static_cast<int>(b))});
      }
      ASSERT_TRUE((*wal)->Append(batch).ok());
    }
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*template_dir_);
    delete template_dir_;
  }

  static std::vector<Written> BatchSamples(int b) {
    std::vector<Written> out;
    for (int s : kBatches[static_cast<size_t>(b)]) {
      out.push_back({"s" + std::to_string(s), kBase + b * 15000LL + (s == 3 ? 7 : 0),
                     std::bit_cast<uint64_t>(ValueOf(s, b))});
    }
    return out;
  }

  // Segment 1's records, found by the framing alone.
  static std::vector<RecordInfo> Records() {
    std::vector<RecordInfo> out;
    auto r = SegmentReader::Open(*template_dir_, 1, nullptr);
    EXPECT_TRUE(r.ok());
    RecordType type;
    std::string payload;
    uint64_t offset = 0;
    int batch = 0;
    while ((*r)->Next((*r)->file_size(), &type, &payload, &offset)) {
      RecordInfo info{offset, kRecordHeaderSize + payload.size(), type};
      if (IsSamples(type)) info.batch = batch++;
      if (type == RecordType::kSeries) {
        std::vector<std::pair<SeriesRef, core::Labels>> named;
        EXPECT_TRUE(DecodeSeries(payload, &named).ok());
        for (const auto& [ref, labels] : named)
          info.named.insert(std::stoi(std::string(labels.MetricName().substr(1))));
      }
      out.push_back(std::move(info));
    }
    return out;
  }

  static std::string* template_dir_;
};
std::string* WalDamageTest::template_dir_ = nullptr;

// Segment 1: series, key, delta, series, delta, key, delta, series, delta, key, delta, end.
constexpr int kRecordsInSegment1 = 12;

TEST_F(WalDamageTest, TheLogUnderTestHasKeysBetweenDeltas) {
  std::vector<RecordInfo> records = Records();
  ASSERT_EQ(records.size(), static_cast<size_t>(kRecordsInSegment1));
  std::string kinds;
  for (const RecordInfo& r : records) kinds += std::to_string(static_cast<int>(r.type));
  EXPECT_EQ(kinds, "134143414345");
}

TEST_P(WalDamageTest, EveryByteFlippedYieldsExactSamplesOrCountedDrops) {
  const std::vector<RecordInfo> records = Records();
  ASSERT_EQ(records.size(), static_cast<size_t>(kRecordsInSegment1));
  const RecordInfo& k = records[static_cast<size_t>(GetParam())];

  // What was appended, by batch, and the sets the assertions need.
  std::vector<Written> all, before, after_next_key;
  std::set<Written> written;
  int next_key_batch = -1;
  for (const RecordInfo& r : records) {
    if (r.offset > k.offset && r.type == RecordType::kSamplesKey && next_key_batch < 0)
      next_key_batch = r.batch;
  }
  for (size_t b = 0; b < kBatches.size(); ++b) {
    const std::vector<Written> samples = BatchSamples(static_cast<int>(b));
    all.insert(all.end(), samples.begin(), samples.end());
    written.insert(samples.begin(), samples.end());
    const RecordInfo* rec = nullptr;
    for (const RecordInfo& r : records) {
      if (r.batch == static_cast<int>(b)) rec = &r;
    }
    if (rec != nullptr && rec->offset < k.offset) {
      before.insert(before.end(), samples.begin(), samples.end());
    }
    const bool after_key = rec == nullptr || (next_key_batch >= 0 && rec->batch >= next_key_batch);
    for (size_t i = 0; i < samples.size(); ++i) {
      // Series the damaged record named stay unnamed for the rest of segment 1.
      const int series = kBatches[b][i];
      if (after_key && (rec == nullptr || k.named.count(series) == 0))
        after_next_key.push_back(samples[i]);
    }
  }

  // The cursor reads through a SegmentSet of its own, as Wal's cursors do; opening a Wal would
  // start a segment and sync the directory for every byte. The byte is flipped in place and
  // put back, since rewriting a file whole makes ext4 flush it on close.
  const std::string dir = testing::FreshTempDir("flip");
  for (uint32_t seg : {1u, 2u}) {
    std::filesystem::copy_file(*template_dir_ + "/" + SegmentName(seg),
                               dir + "/" + SegmentName(seg));
  }
  std::fstream seg1(dir + "/" + SegmentName(1), std::ios::in | std::ios::out | std::ios::binary);
  auto flip = [&seg1](uint64_t at) {
    char c = 0;
    seg1.seekg(static_cast<std::streamoff>(at));
    seg1.read(&c, 1);
    c = static_cast<char>(~c);
    seg1.seekp(static_cast<std::streamoff>(at));
    seg1.write(&c, 1);
    seg1.flush();
  };
  for (uint64_t at = k.offset; at < k.offset + k.size; ++at) {
    SCOPED_TRACE("byte " + std::to_string(at - k.offset) + " of record " +
                 std::to_string(GetParam()));
    flip(at);
    auto segments = SegmentSet::Open(dir);
    ASSERT_TRUE(segments.ok());
    bool reset = false;
    std::unique_ptr<Cursor> owned = Cursor::Open(**segments, "central", dir + "/central", &reset);
    Cursor* cursor = owned.get();
    std::vector<Written> got;
    for (;;) {
      std::vector<Cursor::Sample> step;
      ASSERT_TRUE(cursor->Read(3, &step).ok());
      if (step.empty()) break;
      for (const Cursor::Sample& s : step) {
        got.push_back({std::string(s.labels->MetricName()), s.timestamp_ms,
                       std::bit_cast<uint64_t>(s.value)});
      }
    }
    // Nothing that was not written.
    for (const Written& w : got) {
      ASSERT_EQ(written.count(w), 1u) << w.name << " t=" << w.t << " bits=" << w.bits;
    }
    // Everything before the damage, in order.
    ASSERT_GE(got.size(), before.size());
    ASSERT_TRUE(std::equal(before.begin(), before.end(), got.begin()));
    // Everything after the next key that does not need what the damaged record named.
    std::set<Written> got_set(got.begin(), got.end());
    for (const Written& w : after_next_key) ASSERT_EQ(got_set.count(w), 1u) << w.name << "@" << w.t;
    // Every sample not read back is counted, and the damage was reported once.
    EXPECT_EQ(got.size() + cursor->damaged_samples(), all.size());
    EXPECT_EQ((*segments)->stats().corruptions, 1u);
    flip(at);
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(EveryRecord, WalDamageTest, ::testing::Range(0, kRecordsInSegment1));

// The issue's reproduction, as found: a byte flipped in the second samples record of a closed
// segment of the old writer turned b=300 into 2.57e-100. Now batch 3 reads back exactly or
// not at all, and what is not is counted.
TEST(WalDamageReproTest, AFlippedByteInTheSecondSamplesRecordNeverYieldsWrongValues) {
  const std::string dir = testing::FreshTempDir() + "/wal";
  core::ManualClock clock(kBase);
  const core::Labels a = core::Labels::FromLiteral({{"__name__", "a"}});
  const core::Labels b = core::Labels::FromLiteral({{"__name__", "b"}});
  {
    auto wal = Wal::Open({.dir = dir}, clock);
    ASSERT_TRUE(wal.ok());
    const double av[] = {1.5, 2.5, 3.5}, bv[] = {100, 200, 300};
    for (int i = 0; i < 3; ++i) {
      std::vector<RefSample> batch = {{(*wal)->Ref(a), 1000 + i, av[i]},
                                      {(*wal)->Ref(b), 1000 + i, bv[i]}};
      ASSERT_TRUE((*wal)->Append(batch).ok());
    }
    ASSERT_TRUE((*wal)->Cut().ok());
  }
  std::vector<uint64_t> offsets;  // series, samples 1, samples 2, samples 3, end
  {
    auto r = SegmentReader::Open(dir, 1, nullptr);
    ASSERT_TRUE(r.ok());
    RecordType type;
    std::string payload;
    uint64_t offset = 0;
    while ((*r)->Next((*r)->file_size(), &type, &payload, &offset)) offsets.push_back(offset);
  }
  ASSERT_EQ(offsets.size(), 5u);
  {
    std::fstream f(dir + "/" + SegmentName(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offsets[3] - 1));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0xff);
    f.seekp(static_cast<std::streamoff>(offsets[3] - 1));
    f.write(&c, 1);
  }
  auto wal = Wal::Open({.dir = dir}, clock);
  ASSERT_TRUE(wal.ok());
  Cursor* c = *(*wal)->OpenCursor("central");
  std::vector<Cursor::Sample> got;
  ASSERT_TRUE(c->Read(100, &got).ok());
  ASSERT_EQ(got.size(), 2u);  // batch 1 only: batch 3 was compressed against batch 2
  EXPECT_EQ(got[0].value, 1.5);
  EXPECT_EQ(got[1].value, 100);
  EXPECT_EQ(c->damaged_samples(), 4u);
  EXPECT_EQ((*wal)->stats().corruptions, 1u);
  std::filesystem::remove_all(dir);
}

// A series record whose checksum holds but whose payload does not decode (a writer's bug, or
// damage the CRC missed) is reported, and the samples of the refs it should have named are
// dropped and counted, not handed out without labels nor silently lost.
TEST(WalDamageTest2, AnUndecodableSeriesRecordIsCountedNotSwallowed) {
  const std::string dir = testing::FreshTempDir();
  {
    auto w = SegmentWriter::Create(dir, 1);
    ASSERT_TRUE(w.ok());
    const core::Labels a = core::Labels::FromLiteral({{"__name__", "a"}});
    std::string good, bad = "\x05garbage", samples;
    std::vector<std::pair<SeriesRef, const core::Labels*>> named{{1, &a}};
    EncodeSeries(named, &good);
    SampleCodec enc;
    const std::vector<RefSample> batch{{1, 1000, 1.0}, {2, 1000, 2.0}, {2, 2000, 3.0}};
    enc.Encode(batch, true, 0, &samples);
    const Record records[] = {{RecordType::kSeries, good},
                              {RecordType::kSeries, bad},
                              {RecordType::kSamplesKey, samples}};
    ASSERT_TRUE((*w)->Append(records).ok());
  }
  auto segments = SegmentSet::Open(dir);
  ASSERT_TRUE(segments.ok());
  bool reset = false;
  std::unique_ptr<Cursor> c = Cursor::Open(**segments, "c", dir + "/cursor", &reset);
  std::vector<Cursor::Sample> got;
  ASSERT_TRUE(c->Read(100, &got).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels->MetricName(), "a");
  EXPECT_EQ(got[0].value, 1.0);
  EXPECT_EQ(c->damaged_samples(), 2u);  // ref 2's two samples
  EXPECT_EQ((*segments)->stats().corruptions, 1u);
  std::filesystem::remove_all(dir);
}

// Reading the same damage again (a failed send rewinds; the sender reads in small steps)
// counts it once.
TEST(WalDamageTest2, DamageReadAgainAfterRewindIsCountedOnce) {
  const std::string dir = testing::FreshTempDir() + "/wal";
  core::ManualClock clock(kBase);
  std::vector<uint64_t> offsets;
  {
    auto wal = Wal::Open({.dir = dir}, clock);
    ASSERT_TRUE(wal.ok());
    for (int b = 0; b < 4; ++b) {
      std::vector<RefSample> batch;
      for (int s = 0; s < 3; ++s)
        batch.push_back({(*wal)->Ref(SeriesLabels(s)), kBase + b * 15000LL, ValueOf(s, b)});
      ASSERT_TRUE((*wal)->Append(batch).ok());
    }
    ASSERT_TRUE((*wal)->Cut().ok());
    auto r = SegmentReader::Open(dir, 1, nullptr);
    RecordType type;
    std::string payload;
    uint64_t offset = 0;
    while ((*r)->Next((*r)->file_size(), &type, &payload, &offset)) offsets.push_back(offset);
  }
  ASSERT_EQ(offsets.size(), 6u);  // series, 4 samples, end
  {
    std::fstream f(dir + "/" + SegmentName(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offsets[2] + kRecordHeaderSize));
    f.write("\xff", 1);  // batch 1's record
  }
  auto wal = Wal::Open({.dir = dir}, clock);
  ASSERT_TRUE(wal.ok());
  Cursor* c = *(*wal)->OpenCursor("central");
  for (int round = 0; round < 3; ++round) {
    size_t read = 0;
    for (;;) {
      std::vector<Cursor::Sample> got;
      ASSERT_TRUE(c->Read(2, &got).ok());
      if (got.empty()) break;
      read += got.size();
    }
    EXPECT_EQ(read, 3u) << round;                  // batch 0; batches 1 to 3 are lost
    EXPECT_EQ(c->damaged_samples(), 9u) << round;  // batch 1, and 2 and 3 built on it
    EXPECT_EQ((*wal)->stats().corruptions, 1u) << round;
    c->Rewind();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::wal
