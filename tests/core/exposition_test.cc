#include "core/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace vigil::core {
namespace {

TEST(ExpositionWriterTest, WritesFamiliesAsClientGolang) {
  MetricFamily f;
  f.name = "node_filesystem_avail_bytes";
  f.help = "Filesystem space available.\nSecond line with \\ backslash and \"quotes\".";
  f.type = MetricType::kGauge;
  f.samples.push_back({"node_filesystem_avail_bytes",
                       {{"device", "/dev/vda"}, {"mountpoint", "/a \"quoted\"\\path\n"}},
                       1.6624893952e10,
                       std::nullopt});
  f.samples.push_back({"node_filesystem_avail_bytes", {}, std::nan(""), 1700000000000});
  std::string out;
  AppendFamily(&out, f);
  EXPECT_EQ(out,
            "# HELP node_filesystem_avail_bytes Filesystem space available.\\nSecond line with "
            "\\\\ backslash and \"quotes\".\n"
            "# TYPE node_filesystem_avail_bytes gauge\n"
            "node_filesystem_avail_bytes{device=\"/dev/vda\",mountpoint=\"/a \\\"quoted\\\"\\\\"
            "path\\n\"} 1.6624893952e+10\n"
            "node_filesystem_avail_bytes NaN 1700000000000\n");
}

TEST(ExpositionWriterTest, NoHelpLineWithoutHelpAndInfinities) {
  MetricFamily f{"x_bucket_demo", "", MetricType::kHistogram, {}};
  f.samples.push_back({"x_bucket_demo_bucket", {{"le", "+Inf"}}, HUGE_VAL, std::nullopt});
  f.samples.push_back({"x_bucket_demo_sum", {}, -HUGE_VAL, std::nullopt});
  std::string out;
  AppendFamily(&out, f);
  EXPECT_EQ(out,
            "# TYPE x_bucket_demo histogram\n"
            "x_bucket_demo_bucket{le=\"+Inf\"} +Inf\n"
            "x_bucket_demo_sum -Inf\n");
}

TEST(ExpositionParserTest, ParsesAPage) {
  auto r = ParseExposition(
      "# HELP http_requests_total Requests.\\nBy code; back\\\\slash\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{ method = \"post\" , code=\"400\", } 3\n"
      "\n"
      "# a plain comment\n"
      "  # TYPE rpc_duration_seconds summary\n"
      "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
      "rpc_duration_seconds_sum 1.7560473e+07\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
      "nan_value NaN\r\n"
      "no_trailing_newline 1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& s = r->samples;
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[0].labels.ToString(),
            "{__name__=\"http_requests_total\", code=\"200\", method=\"post\"}");
  EXPECT_EQ(s[0].value, 1027);
  EXPECT_EQ(s[0].timestamp_ms, 1395066363000);
  EXPECT_EQ(s[1].labels.Get("code"), "400");
  EXPECT_FALSE(s[1].timestamp_ms.has_value());
  EXPECT_EQ(s[2].labels.Get("quantile"), "0.5");
  EXPECT_EQ(s[3].value, 1.7560473e+07);
  EXPECT_EQ(s[4].labels.Get("path"), "C:\\DIR\\FILE.TXT");
  EXPECT_EQ(s[4].labels.Get("error"), "Cannot find file:\n\"FILE.TXT\"");
  EXPECT_EQ(s[5].value, HUGE_VAL);
  EXPECT_EQ(s[5].timestamp_ms, -3982045);
  EXPECT_TRUE(std::isnan(s[6].value));
  EXPECT_EQ(s[7].labels.MetricName(), "no_trailing_newline");

  ASSERT_EQ(r->metadata.size(), 2u);
  EXPECT_EQ(r->metadata[0].name, "http_requests_total");
  EXPECT_EQ(r->metadata[0].type, MetricType::kCounter);
  EXPECT_EQ(r->metadata[0].help, "Requests.\nBy code; back\\slash");
  EXPECT_EQ(r->metadata[1].type, MetricType::kSummary);
}

TEST(ExpositionParserTest, RoundTripsWhatTheWriterWrites) {
  MetricFamily f{"rt", "help", MetricType::kGauge, {}};
  f.samples.push_back({"rt", {{"a", "x\"y\\z\nw"}, {"b", "Zürich"}}, 0.1, 42});
  f.samples.push_back({"rt", {{"a", "2"}}, -HUGE_VAL, std::nullopt});
  std::string page;
  AppendFamily(&page, f);
  auto r = ParseExposition(page);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->samples.size(), 2u);
  EXPECT_EQ(r->samples[0].labels.Get("a"), "x\"y\\z\nw");
  EXPECT_EQ(r->samples[0].labels.Get("b"), "Zürich");
  EXPECT_EQ(r->samples[0].value, 0.1);
  EXPECT_EQ(r->samples[0].timestamp_ms, 42);
  EXPECT_EQ(r->samples[1].value, -HUGE_VAL);
}

struct BadPage {
  const char* text;
  const char* error;
};

TEST(ExpositionParserTest, GarbageIsAnErrorNamingTheLine) {
  const BadPage cases[] = {
      {"ok 1\n{a=\"b\"} 1\n", "line 2: expected a metric name"},
      {"a{b=\"c\" 1\n", "line 1: expected ',' or '}' after label \"b\""},
      {"a{b=c} 1\n", "line 1: expected a quoted value for label \"b\""},
      {"a{b=\"c} 1\n", "line 1: unterminated value for label \"b\""},
      {"a{b} 1\n", "line 1: expected '=' after label name \"b\""},
      {"a{1b=\"x\"} 1\n", "line 1: expected a label name or '}'"},
      {"a{b=\"1\",b=\"2\"} 1\n", "line 1: duplicate label name \"b\""},
      {"a{__name__=\"x\"} 1\n", "line 1: label name \"__name__\" is reserved"},
      {"a\n", "line 1: expected a value after the series"},
      {"a one\n", "line 1: invalid value \"one\""},
      {"a 1 12.5\n", "line 1: invalid timestamp \"12.5\""},
      {"a 1 2 3\n", "line 1: unexpected text after the timestamp"},
      {"\n\n# TYPE a countr\n", "line 3: invalid metric type \"countr\""},
      {"# TYPE a counter extra\n", "line 1: invalid metric type"},
      {"# HELP\n", "line 1: expected a metric name after # HELP"},
      {"a{b=\"\xff\"} 1\n", "line 1: label \"b\" has a value that is not UTF-8"},
      {"a-b 1\n", "line 1: invalid value \"-b\""},
  };
  for (const BadPage& c : cases) {
    auto r = ParseExposition(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind(c.error, 0), 0u)
        << "input: " << c.text << "\ngot: " << r.status().message();
  }
}

TEST(ExpositionParserTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab_:{}=\",\\\n #0123456789.eE+-\tInfNa\xff";
  size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string page(rng() % 64, '\0');
    for (char& c : page) c = alphabet[rng() % alphabet.size()];
    auto r = ParseExposition(page);
    if (r.ok())
      ++parsed;
    else
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_GT(parsed, 0u);  // the alphabet does make valid pages sometimes
}

}  // namespace
}  // namespace vigil::core
