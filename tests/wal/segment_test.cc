// LevelDB-style tests of the framing: cut the file at every byte, flip a byte in every field,
// and assert exactly what reads back and what is reported dropped.
#include "wal/segment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/core/temp_dir.h"

namespace vigil::wal {
namespace {

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::FreshTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes records of distinct sizes; returns the offset of each.
  std::vector<uint64_t> WriteRecords(const std::vector<std::string>& payloads) {
    auto w = SegmentWriter::Create(dir_, 1);
    EXPECT_TRUE(w.ok());
    std::vector<uint64_t> offsets;
    for (const std::string& p : payloads) {
      offsets.push_back((*w)->size());
      Record r{RecordType::kSamplesDelta, p};
      EXPECT_TRUE((*w)->Append({&r, 1}).ok());
    }
    return offsets;
  }

  std::string Path() const { return dir_ + "/" + SegmentName(1); }
  std::string Contents() const {
    std::ifstream in(Path(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void Rewrite(const std::string& bytes) {
    std::ofstream(Path(), std::ios::binary | std::ios::trunc) << bytes;
  }

  struct ReadBack {
    std::vector<std::string> payloads;
    std::vector<Corruption> corruptions;
    bool torn = false;
    uint64_t end = 0;
  };
  ReadBack ReadAll() {
    ReadBack out;
    auto r =
        SegmentReader::Open(dir_, 1, [&out](const Corruption& c) { out.corruptions.push_back(c); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    RecordType type;
    std::string payload;
    uint64_t offset;
    while ((*r)->Next((*r)->file_size(), &type, &payload, &offset)) out.payloads.push_back(payload);
    out.torn = (*r)->torn_tail();
    out.end = (*r)->position();
    return out;
  }

  std::string dir_;
};

const std::vector<std::string> kPayloads = {"first", std::string(1000, 'b'), "", "fourth record",
                                            std::string(70000, 'e')};

TEST_F(SegmentTest, ReadsBackWhatWasWritten) {
  WriteRecords(kPayloads);
  ReadBack r = ReadAll();
  EXPECT_EQ(r.payloads, kPayloads);
  EXPECT_TRUE(r.corruptions.empty());
  EXPECT_FALSE(r.torn);
}

TEST_F(SegmentTest, TruncatedAtEveryOffsetReadsTheWholeRecordsBefore) {
  std::vector<std::string> payloads = {"alpha", "bravo-bravo", "charlie"};
  std::vector<uint64_t> offsets = WriteRecords(payloads);
  const std::string full = Contents();
  for (size_t cut = kSegmentHeaderSize; cut < full.size(); ++cut) {
    Rewrite(full.substr(0, cut));
    ReadBack r = ReadAll();
    size_t whole = 0;
    while (whole < payloads.size() &&
           offsets[whole] + kRecordHeaderSize + payloads[whole].size() <= cut)
      ++whole;
    EXPECT_EQ(r.payloads, std::vector<std::string>(payloads.begin(), payloads.begin() + whole))
        << cut;
    EXPECT_TRUE(r.corruptions.empty()) << cut;  // a torn tail is the end, not damage
    EXPECT_EQ(r.torn, cut != (whole == 0 ? kSegmentHeaderSize
                                         : offsets[whole - 1] + kRecordHeaderSize +
                                               payloads[whole - 1].size()))
        << cut;
    EXPECT_EQ(r.end, whole == 0 ? kSegmentHeaderSize : offsets[whole]) << cut;
  }
}

TEST_F(SegmentTest, AByteFlippedInEachFieldDropsExactlyThatRecord) {
  std::vector<std::string> payloads = {"one-one", "two-two-two", "three"};
  std::vector<uint64_t> offsets = WriteRecords(payloads);
  const std::string full = Contents();
  const uint64_t middle = offsets[1];
  const uint64_t middle_size = kRecordHeaderSize + payloads[1].size();
  struct Field {
    const char* name;
    uint64_t at;
    const char* reason;
  };
  const Field fields[] = {
      {"crc", middle + 1, "checksum mismatch"},
      {"length", middle + 4, "checksum mismatch"},
      {"length high byte", middle + 7, "record length 16777227 too large"},
      {"type", middle + 8, "unknown record type 20"},
      {"payload", middle + 12, "checksum mismatch"},
  };
  for (const Field& f : fields) {
    std::string damaged = full;
    damaged[f.at] = static_cast<char>(damaged[f.at] ^ (f.at == middle + 8 ? 0x10 : 0x01));
    Rewrite(damaged);
    ReadBack r = ReadAll();
    EXPECT_EQ(r.payloads, (std::vector<std::string>{"one-one", "three"})) << f.name;
    ASSERT_EQ(r.corruptions.size(), 1u) << f.name;
    EXPECT_EQ(r.corruptions[0].offset, middle) << f.name;
    EXPECT_EQ(r.corruptions[0].bytes, middle_size) << f.name;
    EXPECT_EQ(r.corruptions[0].reason.rfind(f.reason, 0), 0u)
        << f.name << ": " << r.corruptions[0].reason;
    EXPECT_FALSE(r.torn) << f.name;
  }
}

TEST_F(SegmentTest, DamageInTheLastRecordIsATornTail) {
  std::vector<uint64_t> offsets = WriteRecords({"a", "b"});
  std::string damaged = Contents();
  damaged[offsets[1] + kRecordHeaderSize] ^= 0x40;
  Rewrite(damaged);
  ReadBack r = ReadAll();
  EXPECT_EQ(r.payloads, std::vector<std::string>{"a"});
  EXPECT_TRUE(r.torn);
  EXPECT_EQ(r.end, offsets[1]);
}

TEST_F(SegmentTest, HeadersAreChecked) {
  WriteRecords({"x"});
  std::string bytes = Contents();
  bytes[0] = 'X';
  Rewrite(bytes);
  EXPECT_EQ(SegmentReader::Open(dir_, 1, nullptr).status().code(), core::StatusCode::kDataLoss);
  bytes = Contents();
  bytes[0] = 'V';
  bytes[4] = 9;
  Rewrite(bytes);
  auto r = SegmentReader::Open(dir_, 1, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("format version 9"), std::string::npos);
}

TEST_F(SegmentTest, ListsSegmentsInOrderIgnoringOtherFiles) {
  for (uint32_t i : {3u, 1u, 12u}) ASSERT_TRUE(SegmentWriter::Create(dir_, i).ok());
  std::ofstream(dir_ + "/notes.txt") << "x";
  std::ofstream(dir_ + "/0000001") << "x";  // seven digits
  EXPECT_EQ(*ListSegments(dir_), (std::vector<uint32_t>{1, 3, 12}));
  EXPECT_FALSE(SegmentWriter::Create(dir_, 3).ok());  // never overwrites
}

}  // namespace
}  // namespace vigil::wal
