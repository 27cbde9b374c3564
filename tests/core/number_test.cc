#include "core/number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::core {
namespace {

// Expected strings are what Go's strconv.FormatFloat prints for the same doubles.
TEST(NumberTest, FormatGLikeGo) {
  EXPECT_EQ(FormatFloatG(0), "0");
  EXPECT_EQ(FormatFloatG(-0.0), "-0");
  EXPECT_EQ(FormatFloatG(1), "1");
  EXPECT_EQ(FormatFloatG(-2.5), "-2.5");
  EXPECT_EQ(FormatFloatG(0.1), "0.1");
  EXPECT_EQ(FormatFloatG(123456), "123456");
  EXPECT_EQ(FormatFloatG(999999), "999999");
  EXPECT_EQ(FormatFloatG(1e6), "1e+06");
  EXPECT_EQ(FormatFloatG(1234567), "1.234567e+06");
  EXPECT_EQ(FormatFloatG(1.6624893952e10), "1.6624893952e+10");
  EXPECT_EQ(FormatFloatG(0.0001), "0.0001");
  EXPECT_EQ(FormatFloatG(0.00001), "1e-05");
  EXPECT_EQ(FormatFloatG(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatFloatG(1e100), "1e+100");
  EXPECT_EQ(FormatFloatG(5e-324), "5e-324");
  EXPECT_EQ(FormatFloatG(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(FormatFloatG(std::nan("")), "NaN");
  EXPECT_EQ(FormatFloatG(HUGE_VAL), "+Inf");
  EXPECT_EQ(FormatFloatG(-HUGE_VAL), "-Inf");
}

TEST(NumberTest, FormatFLikeGo) {
  EXPECT_EQ(FormatFloatF(0), "0");
  EXPECT_EQ(FormatFloatF(1e6), "1000000");
  EXPECT_EQ(FormatFloatF(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatF(1.5e-7), "0.00000015");
  EXPECT_EQ(FormatFloatF(123.456), "123.456");
  EXPECT_EQ(FormatFloatF(-0.5), "-0.5");
  EXPECT_EQ(FormatFloatF(1700000000.123), "1700000000.123");
  EXPECT_EQ(FormatFloatF(HUGE_VAL), "+Inf");
  EXPECT_EQ(FormatFloatF(std::nan("")), "NaN");
}

TEST(NumberTest, FormatRoundTrips) {
  for (double v : {1.0 / 3, 2.0 / 3 * 1e300, 6.02214076e23, -1e-310, 42.0,
                   std::numeric_limits<double>::max(), std::numeric_limits<double>::min()}) {
    EXPECT_EQ(*ParseFloat(FormatFloatG(v)), v) << FormatFloatG(v);
    EXPECT_EQ(*ParseFloat(FormatFloatF(v)), v) << FormatFloatF(v);
  }
}

TEST(NumberTest, ParseFloatLikeGo) {
  EXPECT_EQ(*ParseFloat("1"), 1);
  EXPECT_EQ(*ParseFloat("-1.5"), -1.5);
  EXPECT_EQ(*ParseFloat("+2"), 2);
  EXPECT_EQ(*ParseFloat(".5"), 0.5);
  EXPECT_EQ(*ParseFloat("5."), 5);
  EXPECT_EQ(*ParseFloat("1e3"), 1000);
  EXPECT_EQ(*ParseFloat("1E-2"), 0.01);
  EXPECT_EQ(*ParseFloat("+Inf"), HUGE_VAL);
  EXPECT_EQ(*ParseFloat("-inf"), -HUGE_VAL);
  EXPECT_EQ(*ParseFloat("Infinity"), HUGE_VAL);
  EXPECT_TRUE(std::isnan(*ParseFloat("NaN")));
  EXPECT_TRUE(std::isnan(*ParseFloat("nan")));
  EXPECT_EQ(*ParseFloat("1e400"), HUGE_VAL);
  EXPECT_EQ(*ParseFloat("-1e400"), -HUGE_VAL);
  EXPECT_EQ(*ParseFloat("1e-400"), 0);
  for (const char* bad :
       {"", "+", "-", "abc", "1.2.3", " 1", "1 ", "1e", "--1", "+-1", "0x", "inff", "1,5"}) {
    EXPECT_FALSE(ParseFloat(bad).has_value()) << bad;
  }
}

TEST(NumberTest, ParseIntegers) {
  EXPECT_EQ(*ParseInt64("1700000000000"), 1700000000000);
  EXPECT_EQ(*ParseInt64("-5"), -5);
  EXPECT_EQ(*ParseInt64("+5"), 5);
  EXPECT_EQ(*ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(ParseInt64("9223372036854775808"));
  EXPECT_FALSE(ParseInt64("1.5"));
  EXPECT_FALSE(ParseInt64("++1"));
  EXPECT_FALSE(ParseInt64(""));
  EXPECT_EQ(*ParseUint64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseUint64("-1"));
}

}  // namespace
}  // namespace vigil::core
