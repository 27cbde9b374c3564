#include "core/config_values.h"

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

using std::chrono::milliseconds;

TEST(ConfigValuesTest, Durations) {
  EXPECT_EQ(*ParseDuration("15s"), milliseconds(15000));
  EXPECT_EQ(*ParseDuration("1m30s"), milliseconds(90000));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("1h1m1s1ms"), milliseconds(3661001));
  EXPECT_EQ(*ParseDuration("2d"), milliseconds(2 * 86400000LL));
  EXPECT_EQ(*ParseDuration("1y1w"), milliseconds((365 + 7) * 86400000LL));
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
  for (const char* bad : {"", "15", "s", "1.5s", "15x", "1s1m", "1m1m", "-1s", "1 s", "15S",
                          "99999999999999999999s", "300000000y"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseDuration("15x").status().message(),
            "invalid duration \"15x\" (use e.g. 15s, 1m30s, 2h)");
}

TEST(ConfigValuesTest, FormatDurationRoundTrips) {
  EXPECT_EQ(FormatDuration(milliseconds(90000)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(86400000LL + 1)), "1d1ms");
  for (int64_t ms : {1LL, 999LL, 61000LL, 3600000LL * 49, 365LL * 86400000 + 5}) {
    EXPECT_EQ(ParseDuration(FormatDuration(milliseconds(ms)))->count(), ms);
  }
}

TEST(ConfigValuesTest, Sizes) {
  EXPECT_EQ(*ParseSize("512MB"), 512ULL << 20);
  EXPECT_EQ(*ParseSize("1GB"), 1ULL << 30);
  EXPECT_EQ(*ParseSize("1gib"), 1ULL << 30);
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("10B"), 10u);
  EXPECT_EQ(*ParseSize("2TB"), 2ULL << 40);
  for (const char* bad : {"", "MB", "1.5GB", "1XB", "-1MB", "99999999999999PB"}) {
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
  }
}

TEST(ConfigValuesTest, BoolsAndLists) {
  EXPECT_TRUE(*ParseBool("true"));
  EXPECT_TRUE(*ParseBool("Yes"));
  EXPECT_FALSE(*ParseBool("off"));
  EXPECT_FALSE(*ParseBool("0"));
  EXPECT_FALSE(ParseBool("maybe").ok());
  EXPECT_EQ(*ParseList(" a , b,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(ParseList("  ")->empty());
  EXPECT_FALSE(ParseList("a,,b").ok());
  EXPECT_FALSE(ParseList("a,").ok());
}

TEST(ConfigValuesTest, HostPorts) {
  auto hp = ParseHostPort("127.0.0.1:9090");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 9090);
  EXPECT_EQ(hp->ToString(), "127.0.0.1:9090");
  hp = ParseHostPort("[::1]:0");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 0);
  EXPECT_EQ(hp->ToString(), "[::1]:0");
  EXPECT_EQ(ParseHostPort(":9101")->host, "");
  EXPECT_EQ(ParseHostPort("localhost:80")->host, "localhost");
  for (const char* bad : {"", "127.0.0.1", "host:", "host:65536", "host:-1", "host:8a", "::1:80",
                          "[::1", "[::1]80", "bad host:80"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

TEST(ConfigValuesTest, Urls) {
  auto u = ParseUrl("https://central:9090/api/v1/write");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "central");
  EXPECT_EQ(u->port, 9090);
  EXPECT_EQ(u->target, "/api/v1/write");
  EXPECT_EQ(u->ToString(), "https://central:9090/api/v1/write");
  u = ParseUrl("http://[::1]/metrics?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/metrics?x=1");
  EXPECT_EQ(u->HostHeader(), "[::1]");
  EXPECT_EQ(ParseUrl("HTTP://example.org")->target, "/");
  EXPECT_EQ(ParseUrl("https://example.org?q")->target, "/?q");
  EXPECT_EQ(ParseUrl("https://example.org")->port, 443);
  for (const char* bad :
       {"", "central:9090", "ftp://x/", "http://", "http://:80/", "http://user:pw@host/",
        "http://host:99999/", "http://a b/", "http://h\x01/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseUrl("http://user:pw@host/").status().message(),
            "URL \"http://user:pw@host/\" holds credentials; use basic_auth_* or "
            "bearer_token_file");
}

}  // namespace
}  // namespace vigil::core
