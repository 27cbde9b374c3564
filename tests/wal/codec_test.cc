#include "wal/codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace vigil::wal {
namespace {

std::vector<RefSample> RoundTrip(SampleCodec& enc, SampleCodec& dec,
                                 const std::vector<RefSample>& in) {
  std::string payload;
  enc.Encode(in, &payload);
  std::vector<RefSample> out;
  core::Status s = dec.Decode(payload, &out);
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
  enc.Encode(in, &first);
  for (auto& s : in) s.timestamp_ms += 15000;
  enc.Encode(in, &second);
  // 1 bit ref, 1 bit timestamp, 1 bit unchanged value.
  EXPECT_LE(second.size(), 1000 * 3 / 8 + 16);
}

TEST(SampleCodecTest, PeekReadsTheHeaderOnly) {
  SampleCodec enc;
  std::string payload;
  std::vector<RefSample> in{{1, 1000, 1}, {2, 5000, 2}, {3, 800, 3}};
  enc.Encode(in, &payload);
  auto h = PeekSamplesHeader(payload);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->count, 3u);
  EXPECT_EQ(h->base_t, 1000);
  EXPECT_EQ(h->max_t, 5000);
}

TEST(SampleCodecTest, DamagedPayloadsAreDataLossNotCrashes) {
  SampleCodec enc;
  std::string payload;
  std::vector<RefSample> in;
  for (SeriesRef ref = 1; ref <= 50; ++ref)
    in.push_back({ref, 1000 + static_cast<int64_t>(ref), ref * 1.5});
  enc.Encode(in, &payload);
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    SampleCodec dec;
    std::vector<RefSample> out;
    core::Status s = dec.Decode(payload.substr(0, cut), &out);
    EXPECT_EQ(s.code(), core::StatusCode::kDataLoss) << cut;
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    SampleCodec dec;
    std::vector<RefSample> out;
    (void)dec.Decode(junk, &out);  // any status, no crash, no huge allocation
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
