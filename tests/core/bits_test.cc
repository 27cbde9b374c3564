#include "core/bits.h"

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

TEST(BitsTest, RoundTripsBitsAndVarbits) {
  BitWriter w;
  w.WriteBit(true);
  w.WriteBits(0x5, 3);
  w.WriteBits(0xdeadbeefcafef00dULL, 64);
  w.WriteVarbits(0);
  w.WriteVarbits(300);
  w.WriteVarbits(UINT64_MAX);
  const std::string buf(w.bytes());
  BitReader r(buf);
  EXPECT_TRUE(r.ReadBit());
  EXPECT_EQ(r.ReadBits(3), 0x5u);
  EXPECT_EQ(r.ReadBits(64), 0xdeadbeefcafef00dULL);
  EXPECT_EQ(r.ReadVarbits(), 0u);
  EXPECT_EQ(r.ReadVarbits(), 300u);
  EXPECT_EQ(r.ReadVarbits(), UINT64_MAX);
  EXPECT_TRUE(r.ok());
  r.ReadBits(16);
  EXPECT_FALSE(r.ok());  // past the end
}

// The bytes are whole after every write: the head reads the chunk it is appending to.
TEST(BitsTest, BytesArePaddedAfterEveryWriteAndFollowThePrefix) {
  BitWriter w(std::string("\x01\x02", 2));
  w.WriteBits(0b101, 3);
  EXPECT_EQ(w.bytes(), std::string("\x01\x02\xa0", 3));
  w.WriteBits(0, 0);
  w.WriteBits(0b11111, 5);
  EXPECT_EQ(w.bytes(), std::string("\x01\x02\xbf", 3));
  w.WriteBits(0x3ff, 10);
  EXPECT_EQ(w.bytes(), std::string("\x01\x02\xbf\xff\xc0", 5));
  w.SetByte(0, '\x07');
  EXPECT_EQ(std::move(w).Release(), std::string("\x07\x02\xbf\xff\xc0", 5));
}

}  // namespace
}  // namespace vigil::core
