// The series notation of promtool's rule unit tests: the expansions its documentation gives,
// the corners where promtool 2.42 was asked what it does (octal, cumulative sums, stale
// arithmetic), and bad notation refused with the column of the problem.
#include "server/rules/series_notation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::rules {
namespace {

// Steps as promtool's documentation writes them: numbers, _ and stale.
std::string Spell(const SeriesSteps& steps) {
  std::string out;
  for (const std::optional<double>& s : steps) {
    if (!out.empty()) out += ' ';
    if (!s) {
      out += '_';
    } else if (core::IsStaleNaN(*s)) {
      out += "stale";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", *s);
      out += buf;
    }
  }
  return out;
}

std::string Expand(std::string_view values) {
  auto steps = ParseSeriesValues(values);
  if (!steps.ok()) return "error: " + steps.status().message();
  return Spell(*steps);
}

TEST(SeriesNotationTest, ExpandsTheDocumentedForms) {
  // promtool's docs: a+bxn is a, a+b, ..., a+n*b; axn is n+1 times a; _xn is n missing steps.
  EXPECT_EQ(Expand("1+1x3"), "1 2 3 4");
  EXPECT_EQ(Expand("1-1x3"), "1 0 -1 -2");
  EXPECT_EQ(Expand("2-2x4"), "2 0 -2 -4 -6");
  EXPECT_EQ(Expand("1x3"), "1 1 1 1");
  EXPECT_EQ(Expand("_x3"), "_ _ _");
  EXPECT_EQ(Expand("1 _x3 stale"), "1 _ _ _ stale");
  EXPECT_EQ(Expand("-2+4x3"), "-2 2 6 10");
  EXPECT_EQ(Expand("0+10x2 100+30x2"), "0 10 20 100 130 160");
  EXPECT_EQ(Expand("1 2 3 _ 5"), "1 2 3 _ 5");
}

TEST(SeriesNotationTest, EdgeCasesAsPromtoolReadsThem) {
  EXPECT_EQ(Expand(""), "");
  EXPECT_EQ(Expand("   1   2  "), "1 2");  // spaces around and between
  EXPECT_EQ(Expand("1\t2"), "1 2");
  EXPECT_EQ(Expand("2x0"), "2");
  EXPECT_EQ(Expand("_x0 1"), "1");
  EXPECT_EQ(Expand("_"), "_");
  EXPECT_EQ(Expand("+5 -5"), "5 -5");
  EXPECT_EQ(Expand(".5 1. 1e3 1E-2 1.5e-3x1"), "0.5 1 1000 0.01 0.0015 0.0015");
  EXPECT_EQ(Expand("010 08 -010"), "8 8 -8");           // a leading 0 is octal, when it can be
  EXPECT_EQ(Expand("5x010"), "5 5 5 5 5 5 5 5 5 5 5");  // a repetition is always decimal
  EXPECT_EQ(Expand("1+010x1"), "1 9");
  EXPECT_EQ(Expand("0x3"), "0 0 0 0");  // not hexadecimal: a repetition
  EXPECT_EQ(Expand("1e-400"), "0");     // too small rounds to zero
  EXPECT_EQ(Expand("Inf -Inf +inf NaN nan INF"), "inf -inf inf nan nan inf");
}

TEST(SeriesNotationTest, SequencesAddStepByStep) {
  // 1+0.1x3 is three additions, as promtool does them: the last is 1.3000000000000003.
  auto steps = ParseSeriesValues("1+0.1x3");
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 4u);
  EXPECT_EQ(*(*steps)[3], ((1 + 0.1) + 0.1) + 0.1);
  EXPECT_EQ(*(*steps)[3], 1.3000000000000003);
}

TEST(SeriesNotationTest, StaleIsAStaleMarkerAndArithmeticOnItIsNot) {
  auto steps = ParseSeriesValues("stale+1x1 stale");
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_TRUE(core::IsStaleNaN(*(*steps)[0]));
  // stale + 1 is a NaN, but no longer the marker's: promtool counts it as a sample.
  EXPECT_TRUE(std::isnan(*(*steps)[1]));
  EXPECT_FALSE(core::IsStaleNaN(*(*steps)[1]));
  EXPECT_TRUE(core::IsStaleNaN(*(*steps)[2]));
}

TEST(SeriesNotationTest, BadNotationNamesTheColumn) {
  EXPECT_EQ(Expand("1x"), "error: col 3: unexpected end of input, expected a repetition count");
  EXPECT_EQ(Expand("1+1"),
            "error: col 4: unexpected end of input, expected \"x\" and a repetition count");
  EXPECT_EQ(Expand("1 +"), "error: col 4: unexpected end of input, expected a number");
  EXPECT_EQ(Expand("- 1"), "error: col 2: unexpected space, expected a number");
  EXPECT_EQ(Expand("foo"),
            "error: col 1: unexpected identifier \"foo\", expected a number or \"stale\"");
  EXPECT_EQ(Expand("1 stalex2"),
            "error: col 3: unexpected identifier \"stalex2\", expected a number or \"stale\"");
  EXPECT_EQ(Expand("Stale"),
            "error: col 1: unexpected identifier \"Stale\", expected a number or \"stale\"");
  EXPECT_EQ(Expand("Infx3"),
            "error: col 1: unexpected identifier \"Infx3\", expected a number or \"stale\"");
  EXPECT_EQ(Expand("1e3 0x1F"), "error: col 7: bad number syntax \"1F\"");
  EXPECT_EQ(Expand("1_000"), "error: col 1: bad number syntax \"1_\"");
  EXPECT_EQ(Expand("1e"), "error: col 1: bad number \"1e\"");
  EXPECT_EQ(Expand("1e400"), "error: col 1: number \"1e400\" is out of range");
  EXPECT_EQ(Expand("."), "error: col 1: unexpected character \".\"");
  EXPECT_EQ(Expand("1;2"), "error: col 2: unexpected character \";\"");
  EXPECT_EQ(Expand("1x0x"), "error: col 4: unexpected \"x\"");
  EXPECT_EQ(Expand("1 x3"), "error: col 3: unexpected \"x\", expected a number or \"stale\"");
  EXPECT_EQ(Expand("1+-1x2"), "error: col 3: unexpected \"-\", expected a number");
  EXPECT_EQ(Expand("1+1x-2"), "error: col 5: unexpected \"-\", expected a repetition count");
  EXPECT_EQ(Expand("_+1x2"), "error: col 2: unexpected \"+\"");
  EXPECT_EQ(Expand("1+1x1.5"),
            "error: col 5: invalid repetition \"1.5\": not a whole number of steps");
  EXPECT_EQ(Expand("1 2\n3"), "error: col 4: the values must be on one line");
}

TEST(SeriesNotationTest, HugeRepetitionsAreRefusedNotAllocated) {
  // promtool tries to allocate these and is killed.
  EXPECT_EQ(Expand("1x18446744073709551615"),
            "error: col 1: more than 1000000 values in one series");
  EXPECT_EQ(
      Expand("1x18446744073709551616"),
      "error: col 3: invalid repetition \"18446744073709551616\": not a whole number of steps");
  EXPECT_EQ(Expand("_x1000001"), "error: col 1: more than 1000000 values in one series");
  EXPECT_EQ(Expand("1x999999 2"), "error: col 10: more than 1000000 values in one series");
  EXPECT_TRUE(ParseSeriesValues("1x999999").ok());
}

std::string Labels(std::string_view text) {
  auto l = ParseSeriesLabels(text);
  return l.ok() ? l->ToString() : "error: " + l.status().message();
}

TEST(SeriesNotationTest, SeriesLabels) {
  EXPECT_EQ(Labels(R"(up{job="node", instance="a:9100"})"),
            R"({__name__="up", instance="a:9100", job="node"})");
  EXPECT_EQ(Labels(R"({job="node"})"), R"({job="node"})");
  EXPECT_EQ(Labels("instance:node_cpu:rate5m"), R"({__name__="instance:node_cpu:rate5m"})");
  EXPECT_EQ(Labels(R"(a{x="1",})"), R"({__name__="a", x="1"})");
  EXPECT_EQ(Labels(R"(a{x='1', y=`2`})"), R"({__name__="a", x="1", y="2"})");
  EXPECT_EQ(Labels(R"(a{x="q\"uote"})"), R"({__name__="a", x="q\"uote"})");
  EXPECT_EQ(Labels(R"(sum{by="x"})"), R"({__name__="sum", by="x"})");  // keywords are names here
  EXPECT_EQ(Labels("{}"), "{}");  // the labels of a scalar's sample
}

TEST(SeriesNotationTest, BadSeriesLabels) {
  EXPECT_EQ(Labels(""), "error: col 1: unexpected end of input, expected a metric name or \"{\"");
  EXPECT_EQ(Labels("a{x=1}"),
            "error: col 5: unexpected number \"1\", expected a quoted label value");
  EXPECT_EQ(Labels(R"(a{x="1")"), "error: col 8: unexpected end of input, expected \",\" or \"}\"");
  EXPECT_EQ(Labels(R"(a{x})"), "error: col 4: unexpected \"}\", expected \"=\"");
  EXPECT_EQ(Labels("a b"), "error: col 3: unexpected identifier \"b\", expected end of input");
  EXPECT_EQ(Labels(R"(a{x="1", x="2"})").substr(0, 7), "error: ");
}

}  // namespace
}  // namespace vigil::rules
