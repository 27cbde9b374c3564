#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace vigil::core::crc32c {
namespace {

// Test vectors from RFC 3720, section B.4.
TEST(Crc32cTest, StandardVectors) {
  std::string buf(32, '\0');
  EXPECT_EQ(Value(buf), 0x8a9136aaU);
  buf.assign(32, '\xff');
  EXPECT_EQ(Value(buf), 0x62a8ab43U);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(Value(buf), 0x46dd794eU);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Value(buf), 0x113fdb5cU);
  EXPECT_EQ(Value("123456789"), 0xe3069283U);
  EXPECT_EQ(Value(""), 0U);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "hello world, this is the write-ahead log";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t part = Value(s.data(), cut);
    EXPECT_EQ(Extend(part, s.data() + cut, s.size() - cut), Value(s)) << cut;
  }
}

TEST(Crc32cTest, PortableAgreesWithDispatchAtEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string data(300, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t off = 0; off < 9; ++off) {
    for (size_t len = 0; len + off <= data.size(); len += 7) {
      EXPECT_EQ(ExtendPortable(0, data.data() + off, len), Value(data.data() + off, len));
    }
  }
}

TEST(Crc32cTest, DetectsSingleBitFlips) {
  std::string s = "series 42: up{job=\"node\"}";
  uint32_t good = Value(s);
  for (size_t i = 0; i < s.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t = s;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      EXPECT_NE(Value(t), good);
    }
  }
}

}  // namespace
}  // namespace vigil::core::crc32c
