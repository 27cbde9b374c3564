#include "wal/codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace vigil::wal {
namespace {

std::vector<RefSample> RoundTrip(SampleCodec& enc, SampleCodec& dec,
                                 const std::vector<RefSample>& in, bool key = false) {
  std::string payload;
  enc.Encode(in, key, 0, &payload);
  std::vector<RefSample> out;
  core::Status s =
      dec.Decode(key ? RecordType::kSamplesKey : RecordType::kSamplesDelta, payload, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

void ExpectSameBits(const std::vector<RefSample>& a, const std::vector<RefSample>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].ref, b[i].ref) << i;
    EXPECT_EQ(a[i].timestamp_ms, b[i].timestamp_ms) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(a[i].value), std::bit_cast<uint64_t>(b[i].value)) << i;
  }
}

TEST(SampleCodecTest, SpecialValuesRoundTripBitForBit) {
  SampleCodec enc, dec;
  std::vector<RefSample> in;
  const double values[] = {0.0,
                           -0.0,
                           1.0,
                           -1.5,
                           std::nan(""),
                           core::StaleNaN(),
                           HUGE_VAL,
                           -HUGE_VAL,
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(),
                           1.6624893952e10,
                           0.1};
  SeriesRef ref = 1;
  for (double v : values) in.push_back({ref++, 1700000000000, v});
  ExpectSameBits(RoundTrip(enc, dec, in), in);
  // Again, now against the previous values of the same refs.
  for (auto& s : in) s.value = -s.value;
  ExpectSameBits(RoundTrip(enc, dec, in), in);
}

// Found by fuzz_wal_records: timestamp differences overflowed int64 (undefined behaviour) in
// a damaged record's decoding and for extreme timestamps a sender may push. They wrap now.
TEST(SampleCodecTest, ExtremeTimestampsRoundTrip) {
  SampleCodec enc, dec;
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  std::vector<RefSample> in = {{1, hi, 1}, {2, lo, 2}, {3, 0, 3}, {4, hi, 4}};
  ExpectSameBits(RoundTrip(enc, dec, in), in);
  std::string payload;
  enc.Encode(in, false, 0, &payload);
  auto h = PeekSamplesHeader(RecordType::kSamplesDelta, payload);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->base_t, hi);
}

TEST(SampleCodecTest, RandomBatchesRoundTripAcrossRecords) {
  std::mt19937_64 rng(3);
  SampleCodec enc, dec;
  std::vector<double> last(200, 0);
  for (int batch = 0; batch < 200; ++batch) {
    std::vector<RefSample> in;
    const int64_t t = 1700000000000 + batch * 15000;
    for (SeriesRef ref = 1; ref < 200; ++ref) {
      if (rng() % 5 == 0) continue;  // gaps: refs do not always ascend by one
      double v = last[ref];
      switch (rng() % 4) {
        case 0:
          break;  // unchanged
        case 1:
          v += static_cast<double>(rng() % 1000);
          break;  // counter
        case 2:
          v = std::bit_cast<double>(rng());
          break;  // anything at all
        case 3:
          v = static_cast<double>(rng() % 100) / 7;
          break;
      }
      last[ref] = v;
      int64_t ts = rng() % 10 == 0 ? t - static_cast<int64_t>(rng() % 5000) : t;
      in.push_back({ref, ts, v});
    }
    if (rng() % 7 == 0) std::swap(in.front(), in.back());  // refs may go backwards too
    ExpectSameBits(RoundTrip(enc, dec, in), in);
  }
}

TEST(SampleCodecTest, UnchangedNodeSamplesTakeAFewBits) {
  SampleCodec enc;
  std::vector<RefSample> in;
  for (SeriesRef ref = 1; ref <= 1000; ++ref)
    in.push_back({ref, 1700000000000, static_cast<double>(ref)});
  std::string first, second;
  enc.Encode(in, true, 0, &first);
  for (auto& s : in) s.timestamp_ms += 15000;
  enc.Encode(in, false, 1000, &second);
  // 1 bit ref, 1 bit timestamp, 1 bit unchanged value.
  EXPECT_LE(second.size(), 1000 * 3 / 8 + 16);
}

TEST(SampleCodecTest, PeekReadsTheHeaderOnly) {
  SampleCodec enc;
  std::string payload;
  std::vector<RefSample> in{{1, 1000, 1}, {2, 5000, 2}, {3, 800, 3}};
  enc.Encode(in, false, 1234567, &payload);
  auto h = PeekSamplesHeader(RecordType::kSamplesDelta, payload);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->count, 3u);
  EXPECT_EQ(h->base_t, 1000);
  EXPECT_EQ(h->max_t, 5000);
  EXPECT_EQ(h->seq, 1234567u);
}

// The records after a key depend on nothing before it: a reader that never saw what came
// before decodes them exactly.
TEST(SampleCodecTest, AKeyRecordAndThoseAfterItDecodeWithoutWhatCameBefore) {
  SampleCodec enc, dec_all;
  std::vector<RefSample> in;
  for (SeriesRef ref = 1; ref <= 20; ++ref) in.push_back({ref, 1000, ref * 3.25});
  ExpectSameBits(RoundTrip(enc, dec_all, in), in);
  for (auto& s : in) s.value += 0.5;
  ExpectSameBits(RoundTrip(enc, dec_all, in), in);

  SampleCodec dec_late;  // opened at the key: no state at all
  std::string key, delta;
  for (auto& s : in) s.value *= 2;
  enc.Encode(in, true, 40, &key);
  std::vector<RefSample> out_all, out_late;
  ASSERT_TRUE(dec_all.Decode(RecordType::kSamplesKey, key, &out_all).ok());
  ASSERT_TRUE(dec_late.Decode(RecordType::kSamplesKey, key, &out_late).ok());
  ExpectSameBits(out_all, in);
  ExpectSameBits(out_late, in);
  for (auto& s : in) s.value -= 7;
  enc.Encode(in, false, 60, &delta);
  out_all.clear();
  out_late.clear();
  ASSERT_TRUE(dec_all.Decode(RecordType::kSamplesDelta, delta, &out_all).ok());
  ASSERT_TRUE(dec_late.Decode(RecordType::kSamplesDelta, delta, &out_late).ok());
  ExpectSameBits(out_all, in);
  ExpectSameBits(out_late, in);
}

// A decode that fails commits nothing: the record after it decodes as if the failed attempt
// had never happened, and nothing of it was appended.
TEST(SampleCodecTest, AFailedDecodeLeavesStateAndOutputUnchanged) {
  for (RecordType type : {RecordType::kSamplesDelta, RecordType::kSamplesKey}) {
    SampleCodec enc, dec;
    std::vector<RefSample> one, two;
    for (SeriesRef ref = 1; ref <= 30; ++ref) {
      one.push_back({ref, 1000, ref * 1.125});
      two.push_back({ref, 2000, ref * 1.125 + static_cast<double>(ref % 3)});
    }
    ExpectSameBits(RoundTrip(enc, dec, one), one);
    std::string payload;
    enc.Encode(two, type == RecordType::kSamplesKey, 30, &payload);
    std::vector<RefSample> out{{99, 1, 1}};
    for (size_t cut = payload.size() / 2; cut < payload.size(); ++cut) {
      ASSERT_FALSE(dec.Decode(type, payload.substr(0, cut), &out).ok()) << cut;
      ASSERT_EQ(out.size(), 1u) << cut;
    }
    out.clear();
    ASSERT_TRUE(dec.Decode(type, payload, &out).ok());
    ExpectSameBits(out, two);
  }
}

TEST(SampleCodecTest, EndRecordsRoundTripAndRefuseDamage) {
  std::string payload;
  EncodeEnd(987654321, &payload);
  auto got = DecodeEnd(payload);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 987654321u);
  EXPECT_FALSE(DecodeEnd(payload + "x").ok());
  EXPECT_FALSE(DecodeEnd("").ok());
}

TEST(SampleCodecTest, DamagedPayloadsAreDataLossNotCrashes) {
  SampleCodec enc;
  std::string payload;
  std::vector<RefSample> in;
  for (SeriesRef ref = 1; ref <= 50; ++ref)
    in.push_back({ref, 1000 + static_cast<int64_t>(ref), ref * 1.5});
  enc.Encode(in, true, 0, &payload);
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    SampleCodec dec;
    std::vector<RefSample> out;
    core::Status s = dec.Decode(RecordType::kSamplesKey, payload.substr(0, cut), &out);
    EXPECT_EQ(s.code(), core::StatusCode::kDataLoss) << cut;
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    SampleCodec dec;
    std::vector<RefSample> out;
    const RecordType types[] = {RecordType::kSamplesV1, RecordType::kSamplesKey,
                                RecordType::kSamplesDelta};
    (void)dec.Decode(types[i % 3], junk, &out);  // any status, no crash, no huge allocation
  }
}

TEST(SeriesCodecTest, RoundTripsAndRefusesDamage) {
  core::Labels a = core::Labels::FromLiteral({{"__name__", "up"}, {"job", "node"}});
  core::Labels b = core::Labels::FromLiteral({{"__name__", "node_load1"}, {"instance", "edge-01"}});
  std::vector<std::pair<SeriesRef, const core::Labels*>> in{{1, &a}, {7, &b}};
  std::string payload;
  EncodeSeries(in, &payload);
  std::vector<std::pair<SeriesRef, core::Labels>> out;
  ASSERT_TRUE(DecodeSeries(payload, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].first, 1u);
  EXPECT_EQ(out[0].second, a);
  EXPECT_EQ(out[1].first, 7u);
  EXPECT_EQ(out[1].second, b);
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    out.clear();
    EXPECT_FALSE(DecodeSeries(payload.substr(0, cut), &out).ok()) << cut;
  }
}

}  // namespace
}  // namespace vigil::wal
