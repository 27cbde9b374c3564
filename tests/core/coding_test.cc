#include "core/coding.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace vigil::core {
namespace {

TEST(CodingTest, VarintsAndZigZag) {
  std::string buf;
  for (uint64_t v : std::initializer_list<uint64_t>{0, 1, 127, 128, uint64_t{1} << 35, UINT64_MAX})
    PutVarint(&buf, v);
  std::string_view in = buf;
  for (uint64_t v :
       std::initializer_list<uint64_t>{0, 1, 127, 128, uint64_t{1} << 35, UINT64_MAX}) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint(&in, &got));
    EXPECT_EQ(got, v);
  }
  uint64_t x;
  std::string_view truncated("\x80\x80", 2);
  EXPECT_FALSE(GetVarint(&truncated, &x));
  for (int64_t v : std::initializer_list<int64_t>{0, -1, 1, INT64_MIN, INT64_MAX})
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
}

TEST(CodingTest, FixedWidthIsLittleEndian) {
  std::string buf;
  PutFixed32(&buf, 0x04030201u);
  PutFixed64(&buf, 0x0c0b0a0908070605ull);
  EXPECT_EQ(buf, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12));
  EXPECT_EQ(DecodeFixed32(buf.data()), 0x04030201u);
  EXPECT_EQ(DecodeFixed64(buf.data() + 4), 0x0c0b0a0908070605ull);
  char b[4];
  EncodeFixed32(b, 0xdeadbeefu);
  EXPECT_EQ(DecodeFixed32(b), 0xdeadbeefu);
}

}  // namespace
}  // namespace vigil::core
