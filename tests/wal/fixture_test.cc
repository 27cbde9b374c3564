// Logs written on x86-64 and checked in, one per format version: every build (ARM included)
// must read each back exactly, and must still write the same bytes as the current version's
// for the same batches, or the format changed. VIGIL_REGENERATE_FIXTURES=1 rewrites the
// current version's; review the diff like code. Older versions' stay as they were written.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/core/temp_dir.h"
#include "wal/segment.h"
#include "wal/wal.h"

namespace vigil::wal {
namespace {

std::string FixtureDir(int version) {
  return std::string(VIGIL_SOURCE_DIR) + "/tests/fixtures/wal/v" + std::to_string(version);
}
const std::string kFixtureDir = FixtureDir(kFormatVersion);

struct Expected {
  core::Labels labels;
  int64_t t;
  double v;
};

// Values that exercise every branch of the codec, labels with escapes and UTF-8.
std::vector<std::vector<Expected>> Batches() {
  const core::Labels cpu = core::Labels::FromLiteral({{"__name__", "node_cpu_seconds_total"},
                                                      {"cpu", "0"},
                                                      {"mode", "idle"},
                                                      {"instance", "edge-01"}});
  const core::Labels mem =
      core::Labels::FromLiteral({{"__name__", "node_memory_MemAvailable_bytes"}});
  const core::Labels odd = core::Labels::FromLiteral(
      {{"__name__", "odd_values"}, {"path", "C:\\tmp \"quoted\"\nline"}, {"city", "Zürich 東京"}});
  std::vector<std::vector<Expected>> out;
  const double odd_values[] = {std::nan(""), core::StaleNaN(), HUGE_VAL, -HUGE_VAL,
                               -0.0,         5e-324,           1.0};
  for (int b = 0; b < 7; ++b) {
    const int64_t t = 1'700'000'000'000 + b * 15'000;
    out.push_back({{cpu, t, 123456.78 + b * 14.93},
                   {mem, t + (b % 2), 1.6624893952e10 - b * 4096},
                   {odd, t - 1, odd_values[b]}});
  }
  return out;
}

void WriteLog(const std::string& dir) {
  std::filesystem::remove_all(dir);
  core::ManualClock clock(1'700'000'000'000);
  auto wal = Wal::Open({.dir = dir}, clock);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  for (const auto& batch : Batches()) {
    std::vector<RefSample> samples;
    for (const Expected& e : batch) samples.push_back({(*wal)->Ref(e.labels), e.t, e.v});
    ASSERT_TRUE((*wal)->Append(samples).ok());
  }
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class WalFixtureVersionTest : public ::testing::TestWithParam<int> {};

TEST_P(WalFixtureVersionTest, TheCheckedInLogReadsBackBitForBit) {
  if (GetParam() == kFormatVersion && std::getenv("VIGIL_REGENERATE_FIXTURES") != nullptr) {
    WriteLog(kFixtureDir);
    std::filesystem::remove_all(kFixtureDir + "/cursors");
  }
  const std::string dir = testing::FreshTempDir();
  std::filesystem::copy_file(FixtureDir(GetParam()) + "/00000001", dir + "/00000001");
  core::ManualClock clock(1'700'000'000'000);
  auto wal = Wal::Open({.dir = dir}, clock);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  Cursor* c = *(*wal)->OpenCursor("fixture");
  std::vector<Cursor::Sample> got;
  ASSERT_TRUE(c->Read(1000, &got).ok());
  std::vector<Expected> want;
  for (const auto& batch : Batches()) want.insert(want.end(), batch.begin(), batch.end());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(*got[i].labels, want[i].labels) << i;
    EXPECT_EQ(got[i].timestamp_ms, want[i].t) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(got[i].value), std::bit_cast<uint64_t>(want[i].v)) << i;
  }
  EXPECT_EQ((*wal)->stats().corruptions, 0u);
  EXPECT_EQ(c->damaged_samples(), 0u);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Versions, WalFixtureVersionTest,
                         ::testing::Range<int>(kOldestReadableVersion, kFormatVersion + 1));

// A version 1 segment has no key records: damage in one of its samples records drops every
// samples record after it in the segment, counted, and never yields a wrong value.
TEST(WalFixtureTest, DamageInAVersion1SegmentDropsTheRestOfItAndNothingIsWrong) {
  const std::string v1 = FixtureDir(1);
  std::vector<std::pair<uint64_t, uint64_t>> samples_records;  // offset, size
  {
    auto r = SegmentReader::Open(v1, 1, nullptr);
    ASSERT_TRUE(r.ok());
    RecordType type;
    std::string payload;
    uint64_t offset = 0;
    while ((*r)->Next((*r)->file_size(), &type, &payload, &offset)) {
      if (type == RecordType::kSamplesV1) samples_records.emplace_back(offset, payload.size());
    }
  }
  const auto batches = Batches();
  ASSERT_EQ(samples_records.size(), batches.size());
  const std::string dir = testing::FreshTempDir();
  // A segment after it, so that damage at its end is damage, not the torn tail of the log.
  ASSERT_TRUE(SegmentWriter::Create(dir, 2).ok());
  for (size_t k = 0; k < samples_records.size(); ++k) {
    std::filesystem::remove(dir + "/00000001");
    std::filesystem::copy_file(v1 + "/00000001", dir + "/00000001");
    {
      // A byte in the middle of the payload: the checksum catches it.
      const auto at = static_cast<std::streamoff>(samples_records[k].first + kRecordHeaderSize +
                                                  samples_records[k].second / 2);
      std::fstream f(dir + "/00000001", std::ios::in | std::ios::out | std::ios::binary);
      char c = 0;
      f.seekg(at);
      f.read(&c, 1);
      c = static_cast<char>(~c);
      f.seekp(at);
      f.write(&c, 1);
    }
    auto segments = SegmentSet::Open(dir);
    ASSERT_TRUE(segments.ok());
    bool reset = false;
    std::unique_ptr<Cursor> c = Cursor::Open(**segments, "c", dir + "/cursor", &reset);
    // Until it has nothing more: the cursor moves past segment 1 in a Read of its own. Labels
    // are copied, as those handed out last until the next Read only.
    std::vector<Expected> got;
    std::vector<Cursor::Sample> step;
    do {
      step.clear();
      ASSERT_TRUE(c->Read(1000, &step).ok());
      for (const Cursor::Sample& s : step) got.push_back({*s.labels, s.timestamp_ms, s.value});
    } while (!step.empty());
    std::vector<Expected> want;
    for (size_t b = 0; b < k; ++b) want.insert(want.end(), batches[b].begin(), batches[b].end());
    ASSERT_EQ(got.size(), want.size()) << "record " << k;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].labels, want[i].labels) << k << " " << i;
      EXPECT_EQ(got[i].t, want[i].t) << k << " " << i;
      EXPECT_EQ(std::bit_cast<uint64_t>(got[i].v), std::bit_cast<uint64_t>(want[i].v));
    }
    // The damaged record's own samples cannot be counted: version 1 has no sequence numbers.
    EXPECT_EQ(c->damaged_samples(), (batches.size() - k - 1) * 3) << "record " << k;
    EXPECT_EQ((*segments)->stats().corruptions, 1u);
  }
  std::filesystem::remove_all(dir);
}

TEST(WalFixtureTest, TheSameBatchesAreWrittenAsTheSameBytes) {
  const std::string dir = testing::FreshTempDir() + "/wal";
  WriteLog(dir);
  EXPECT_EQ(FileBytes(dir + "/00000001"), FileBytes(kFixtureDir + "/00000001"))
      << "the log format changed: bump kFormatVersion and FORMAT.md, then regenerate";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::wal
