#include "core/process_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>

#include "core/exposition.h"

namespace vigil::core {
namespace {

double ValueOf(const std::vector<MetricFamily>& families, const std::string& name) {
  for (const MetricFamily& f : families) {
    if (f.name == name) return f.samples.at(0).value;
  }
  ADD_FAILURE() << name << " missing";
  return -1;
}

TEST(ProcessMetricsTest, ParsesStatPastACommandNameWithSpacesAndParentheses) {
  // Fields 14/15 utime/stime, 22 starttime, 23 vsize, 24 rss.
  const std::string stat =
      "4242 (vigil (a) b) S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 50 0 0 20 0 3 0 "
      "12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
  auto s = ParseProcessStat(stat);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->start_ticks, 12345u);
  EXPECT_EQ(s->virtual_bytes, 104857600u);
  EXPECT_EQ(s->resident_pages, 2560u);

  ProcessFacts f;
  f.stat = *s;
  f.boot_time_seconds = 1'700'000'000;
  f.ticks_per_second = 100;
  f.page_size = 4096;
  f.open_fds = 7;
  f.max_fds = 1024;
  f.max_virtual_bytes = 18446744073709551615.0;
  const auto families = ProcessFamilies(f);
  EXPECT_DOUBLE_EQ(ValueOf(families, "process_cpu_seconds_total"), 3.0);
  EXPECT_DOUBLE_EQ(ValueOf(families, "process_resident_memory_bytes"), 2560.0 * 4096);
  EXPECT_DOUBLE_EQ(ValueOf(families, "process_virtual_memory_bytes"), 104857600);
  EXPECT_DOUBLE_EQ(ValueOf(families, "process_start_time_seconds"), 1'700'000'123.45);
  EXPECT_DOUBLE_EQ(ValueOf(families, "process_open_fds"), 7);
  EXPECT_DOUBLE_EQ(ValueOf(families, "process_max_fds"), 1024);
  EXPECT_DOUBLE_EQ(ValueOf(families, "process_virtual_memory_max_bytes"), 18446744073709551615.0);
}

TEST(ProcessMetricsTest, RefusesWhatIsNotAStatLine) {
  EXPECT_FALSE(ParseProcessStat("").ok());
  EXPECT_FALSE(ParseProcessStat("4242 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcessStat("no parenthesis at all 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15").ok());
  EXPECT_FALSE(ParseProcessStat("1 (x) S 1 1 1 0 -1 4 1 0 3 0 ab 50 0 0 20 0 3 0 1 2 3 4").ok());
}

double ValueOf(const ParsedExposition& page, const std::string& name) {
  for (const ParsedSample& s : page.samples) {
    if (s.labels.Get("__name__") == name) return s.value;
  }
  ADD_FAILURE() << name << " missing";
  return -1;
}

// This test's own process, through the registry, as /metrics serves it. The memory figures
// are only checked to be there: qemu-user, which runs the ARM builds' tests, answers 0 for
// them in the /proc/self/stat it makes up (the parsing is checked above, the figures against
// the live agent by tests/e2e/server_test.sh).
TEST(ProcessMetricsTest, ThisProcessReportsItself) {
  MetricsRegistry metrics;
  RegisterProcessMetrics(metrics);
  auto page = ParseExposition(metrics.Render());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_GE(ValueOf(*page, "process_resident_memory_bytes"), 0);
  EXPECT_GE(ValueOf(*page, "process_virtual_memory_bytes"), 0);
  EXPECT_GE(ValueOf(*page, "process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GT(ValueOf(*page, "process_max_fds"), 0);
  const double start = ValueOf(*page, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600);  // this test process began less than an hour ago
  EXPECT_GE(ValueOf(*page, "process_cpu_seconds_total"), 0);
}

}  // namespace
}  // namespace vigil::core
