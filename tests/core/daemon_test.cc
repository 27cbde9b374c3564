#include "core/daemon.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/http_client.h"
#include "core/http_endpoint.h"
#include "tests/core/loop_helpers.h"
#include "tests/core/temp_dir.h"

namespace vigil::core {
namespace {

Result<CommandLine> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "vigil-test");
  return ParseCommandLine(static_cast<int>(args.size()), args.data(), "/etc/vigil/x.ini");
}

TEST(CommandLineTest, FlagsAndDefaults) {
  auto none = Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->config_path, "/etc/vigil/x.ini");
  EXPECT_FALSE(none->check_config);
  auto all = Parse({"--config", "a.ini", "--check-config", "--log-level=debug"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->config_path, "a.ini");
  EXPECT_TRUE(all->check_config);
  EXPECT_EQ(all->log_level, LogLevel::kDebug);
  EXPECT_EQ(Parse({"--config=b.ini"})->config_path, "b.ini");
  EXPECT_TRUE(Parse({"--version"})->version);
}

TEST(CommandLineTest, RefusesWhatItDoesNotKnow) {
  EXPECT_EQ(Parse({"--config"}).status().message(), "--config needs a value");
  EXPECT_EQ(Parse({"--verbose"}).status().message(), "unknown argument \"--verbose\"");
  EXPECT_FALSE(Parse({"--log-level", "loud"}).ok());
  EXPECT_FALSE(Parse({"--version=1"}).ok());
  EXPECT_FALSE(Parse({"stray"}).ok());
}

TEST(EnsureWritableDirTest, MakesParentsAndRefusesFiles) {
  std::string base = testing::FreshTempDir();
  EXPECT_TRUE(EnsureWritableDir(base + "/a/b").ok());
  EXPECT_TRUE(std::filesystem::is_directory(base + "/a/b"));
  std::filesystem::create_directories(base);
  { std::ofstream(base + "/file") << "x"; }
  Status s = EnsureWritableDir(base + "/file");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(base + "/file"), std::string::npos);
  std::filesystem::remove_all(base);
}

TEST(MetricsRegistryTest, RendersSortedFamiliesWithLabels) {
  MetricsRegistry m;
  MetricFamilyDef& sent = m.Counter("vigil_b_sent_total", "Samples sent.", {"destination"});
  sent.With({"central"})->Inc(5);
  sent.With({"backup"})->Inc();
  sent.With({"central"})->Inc(2);
  m.Gauge("vigil_a_pending", "Pending.").Get()->Set(3.5);
  m.Counter("vigil_c_unused_total", "Never touched.");  // no children: not rendered
  m.AddCollector([](std::vector<MetricFamily>* out) {
    out->push_back(
        {"vigil_0_first", "", MetricType::kGauge, {{"vigil_0_first", {}, 1, std::nullopt}}});
  });
  EXPECT_EQ(m.Render(),
            "# TYPE vigil_0_first gauge\n"
            "vigil_0_first 1\n"
            "# HELP vigil_a_pending Pending.\n"
            "# TYPE vigil_a_pending gauge\n"
            "vigil_a_pending 3.5\n"
            "# HELP vigil_b_sent_total Samples sent.\n"
            "# TYPE vigil_b_sent_total counter\n"
            "vigil_b_sent_total{destination=\"backup\"} 1\n"
            "vigil_b_sent_total{destination=\"central\"} 7\n");
  EXPECT_TRUE(ParseExposition(m.Render()).ok());
}

TEST(HttpEndpointTest, RoutesAnswers404And405AndCountsByRoute) {
  Loop loop;
  {
    MetricsRegistry m;
    auto endpoint = HttpEndpoint::Create(loop, {.listen = {"127.0.0.1", 0}}, m);
    ASSERT_TRUE(endpoint.ok()) << endpoint.status().ToString();
    HttpRouter& router = (*endpoint)->router();
    router.Handle("/a", {"GET", "POST"}, [](const HttpRequest&, HttpResponder w) {
      w.Send(HttpResponse::Text(200, "a"));
    });
    router.HandlePrefix("/api/v1/label/", {"GET"}, [](const HttpRequest& r, HttpResponder w) {
      w.Send(HttpResponse::Text(200, std::string(r.Path())));
    });
    HttpClientOptions client_options;
    HttpClient client(loop, client_options);
    const std::string base =
        "http://127.0.0.1:" + std::to_string((*endpoint)->server().address().port);
    auto call = [&](const std::string& method, const std::string& target) {
      std::optional<Result<HttpResponse>> got;
      HttpRequest r;
      r.method = method;
      client.Send(*ParseUrl(base + target), r,
                  [&got](Result<HttpResponse> x) { got = std::move(x); });
      EXPECT_TRUE(testing::RunUntil(loop, [&] { return got.has_value(); }));
      EXPECT_TRUE(got->ok());
      return std::move(**got);
    };
    EXPECT_EQ(call("GET", "/a?x=1").body, "a");
    EXPECT_EQ(call("POST", "/a").status, 200);
    HttpResponse head = call("HEAD", "/a");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    HttpResponse wrong = call("DELETE", "/a");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.headers.Get("Allow"), "GET, POST");
    EXPECT_EQ(call("GET", "/api/v1/label/job/values").body, "/api/v1/label/job/values");
    EXPECT_EQ(call("GET", "/random/scan/1").status, 404);
    EXPECT_EQ(call("GET", "/random/scan/2").status, 404);

    // Counted by route, so scanning random paths adds one series, not one per path.
    std::string page = m.Render();
    EXPECT_NE(page.find("vigil_http_requests_total{handler=\"/a\",code=\"200\"} 3"),
              std::string::npos)
        << page;
    EXPECT_NE(page.find("vigil_http_requests_total{handler=\"/a\",code=\"405\"} 1"),
              std::string::npos);
    EXPECT_NE(page.find("vigil_http_requests_total{handler=\"/api/v1/label/\",code=\"200\"} 1"),
              std::string::npos);
    EXPECT_NE(page.find("vigil_http_requests_total{handler=\"other\",code=\"404\"} 2"),
              std::string::npos);
  }
  EXPECT_EQ(loop.Close(), 0);
}

}  // namespace
}  // namespace vigil::core
