#include "core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::core {
namespace {

TEST(LogTest, FormatsLogfmt) {
  std::string line = FormatLogLine(1'700'000'000'123, LogLevel::kWarn, "disk full",
                                   {{"path", "/var/lib/vigil"}, {"free_bytes", 0}, {"ok", false}});
  EXPECT_EQ(line,
            "ts=2023-11-14T22:13:20.123Z level=warn msg=\"disk full\" path=/var/lib/vigil "
            "free_bytes=0 ok=false");
}

TEST(LogTest, QuotesAndEscapesValues) {
  std::string line = FormatLogLine(0, LogLevel::kInfo, "x", {{"body", "a \"b\"\nc=d"}, {"e", ""}});
  EXPECT_EQ(line, "ts=1970-01-01T00:00:00.000Z level=info msg=x body=\"a \\\"b\\\"\\nc=d\" e=\"\"");
}

TEST(LogTest, LevelFiltersAndSinkReceives) {
  std::vector<std::string> lines;
  SetLogSink([&lines](std::string_view l) { lines.emplace_back(l); });
  SetLogLevel(LogLevel::kWarn);
  LogInfo("hidden");
  LogError("shown", {{"code", 500}});
  SetLogLevel(LogLevel::kInfo);
  SetLogSink(nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("level=error msg=shown code=500"), std::string::npos);
}

TEST(LogTest, ParsesLevels) {
  LogLevel l = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("verbose", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
}

}  // namespace
}  // namespace vigil::core
