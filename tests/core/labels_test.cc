#include "core/labels.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::core {
namespace {

TEST(LabelsTest, NameRules) {
  EXPECT_TRUE(IsValidLabelName("job"));
  EXPECT_TRUE(IsValidLabelName("_a1"));
  EXPECT_TRUE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("1a"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("a-b"));
  EXPECT_TRUE(IsValidMetricName("node:cpu:rate5m"));
  EXPECT_TRUE(IsValidMetricName(":x"));
  EXPECT_FALSE(IsValidMetricName("9x"));
  EXPECT_FALSE(IsValidMetricName("a b"));
}

TEST(LabelsTest, Utf8Rules) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("Zürich 東京 🙂"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST(LabelsTest, CreateSortsAndDropsEmptyValues) {
  auto r = Labels::Create({{"job", "node"}, {"__name__", "up"}, {"empty", ""}, {"a", "1"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].name, "__name__");
  EXPECT_EQ((*r)[1].name, "a");
  EXPECT_EQ((*r)[2].name, "job");
  EXPECT_EQ(r->Get("job"), "node");
  EXPECT_EQ(r->Get("missing"), "");
  EXPECT_FALSE(r->Has("empty"));
  EXPECT_EQ(r->MetricName(), "up");
}

TEST(LabelsTest, CreateRefusesBadInput) {
  EXPECT_EQ(Labels::Create({{"a", "1"}, {"a", "2"}}).status().message(),
            "duplicate label name \"a\"");
  EXPECT_EQ(Labels::Create({{"0a", "1"}}).status().message(), "invalid label name \"0a\"");
  EXPECT_EQ(Labels::Create({{"a", "\xff"}}).status().code(), StatusCode::kInvalidArgument);
}

TEST(LabelsTest, StringForms) {
  Labels l = Labels::FromLiteral({{"__name__", "up"}, {"job", "a\"b\\c\nd"}, {"i", "x"}});
  EXPECT_EQ(l.ToString(), "{__name__=\"up\", i=\"x\", job=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(l.ToSeriesString(), "up{i=\"x\", job=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(Labels::FromLiteral({{"__name__", "up"}}).ToSeriesString(), "up");
  EXPECT_EQ(Labels::FromLiteral({{"a", "b"}}).ToSeriesString(), "{a=\"b\"}");
  EXPECT_EQ(Labels().ToSeriesString(), "{}");
}

TEST(LabelsTest, HashSeparatesNamesFromValues) {
  Labels a = Labels::FromLiteral({{"a", "bc"}});
  Labels b = Labels::FromLiteral({{"ab", "c"}});
  EXPECT_NE(a.Hash(), b.Hash());
  EXPECT_EQ(a.Hash(), Labels::FromLiteral({{"a", "bc"}}).Hash());
  // Pinned: the hash must not change between builds or platforms.
  EXPECT_EQ(Labels().Hash(), 0xcbf29ce484222325ULL);
}

TEST(LabelsTest, OrderIsPairwise) {
  Labels a = Labels::FromLiteral({{"a", "1"}});
  Labels a2 = Labels::FromLiteral({{"a", "2"}});
  Labels ab = Labels::FromLiteral({{"a", "1"}, {"b", "1"}});
  EXPECT_TRUE(a < a2);
  EXPECT_TRUE(a < ab);
  EXPECT_FALSE(ab < a);
  EXPECT_FALSE(a < a);
}

TEST(LabelsBuilderTest, SetEmptyDeletes) {
  Labels base = Labels::FromLiteral({{"__name__", "up"}, {"job", "node"}});
  auto r = LabelsBuilder(base).Set("instance", "edge-01").Set("job", "").Build();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ToString(), "{__name__=\"up\", instance=\"edge-01\"}");
  EXPECT_FALSE(LabelsBuilder().Set("bad name", "x").Build().ok());
}

TEST(SampleTest, StaleMarkerIsOneParticularNaN) {
  EXPECT_TRUE(std::isnan(StaleNaN()));
  EXPECT_TRUE(IsStaleNaN(StaleNaN()));
  EXPECT_FALSE(IsStaleNaN(std::nan("")));
  EXPECT_FALSE(IsStaleNaN(0.0));
}

}  // namespace
}  // namespace vigil::core
