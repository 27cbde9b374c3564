#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace vigil::server {
namespace {

std::vector<std::string> Problems(const std::string& text, ServerConfig* out = nullptr) {
  std::vector<core::ConfigError> errors;
  ServerConfig c = ReadServerConfig(core::IniDocument::Parse(text, "server.ini"), &errors);
  if (out) *out = c;
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.ToString());
  return lines;
}

TEST(ServerConfigTest, AnEmptyFileGivesTheDefaults) {
  ServerConfig c;
  EXPECT_TRUE(Problems("", &c).empty());
  EXPECT_EQ(c.listen.ToString(), "127.0.0.1:9090");
  EXPECT_EQ(c.data_dir, "/var/lib/vigil-server");
  EXPECT_TRUE(c.rules.files.empty());
  EXPECT_EQ(c.rules.evaluation_interval, std::chrono::seconds(15));
  EXPECT_TRUE(c.alertmanager.urls.empty());
  EXPECT_TRUE(c.forward_to.empty());
  EXPECT_EQ(c.fleet.stale_after, std::chrono::minutes(2));
  EXPECT_TRUE(c.fleet.write_stale_up);
}

TEST(ServerConfigTest, ReadsTheFleetKeysAndRefusesBadOnes) {
  ServerConfig c;
  EXPECT_TRUE(Problems("[fleet]\nstale_after = 30s\nwrite_stale_up = false\n", &c).empty());
  EXPECT_EQ(c.fleet.stale_after, std::chrono::seconds(30));
  EXPECT_FALSE(c.fleet.write_stale_up);
  EXPECT_EQ(Problems("[fleet]\nstale_after = 500ms\n"),
            (std::vector<std::string>{"server.ini:2: [fleet] stale_after: must be at least 1s"}));
  EXPECT_EQ(Problems("[fleet]\nwrite_stale_up = maybe\nforget_after = 1h\n").size(), 2u);
}

TEST(ServerConfigTest, ReadsTheDesignExample) {
  ServerConfig c;
  EXPECT_TRUE(Problems(R"([server]
listen = 0.0.0.0:9090      ; Prometheus HTTP API, /api/v1/write receiver, console
data_dir = /srv/vigil
[rules]
files = /etc/vigil/rules/*.yml, /etc/vigil/extra/*.yaml
evaluation_interval = 30s
[alertmanager]
url = http://127.0.0.1:9093
[remote_write.prometheus]
url = http://prometheus:9090/api/v1/write
)",
                       &c)
                  .empty());
  EXPECT_EQ(c.listen.host, "0.0.0.0");
  EXPECT_EQ(c.data_dir, "/srv/vigil");
  EXPECT_EQ(c.rules.files,
            (std::vector<std::string>{"/etc/vigil/rules/*.yml", "/etc/vigil/extra/*.yaml"}));
  EXPECT_EQ(c.rules.evaluation_interval, std::chrono::seconds(30));
  ASSERT_EQ(c.alertmanager.urls.size(), 1u);
  EXPECT_EQ(c.alertmanager.urls[0].port, 9093);
  ASSERT_EQ(c.forward_to.size(), 1u);
  EXPECT_EQ(c.forward_to[0].url.host, "prometheus");
}

// A destination that is down must not fill the disk: every forwarding destination is
// bounded, by default as the agent bounds its log.
TEST(ServerConfigTest, ForwardingDestinationsAreBoundedByDefaultAndReadTheirBounds) {
  ServerConfig c;
  EXPECT_TRUE(Problems(R"([remote_write.prometheus]
url = http://prometheus:9090/api/v1/write
[remote_write.mimir]
url = http://mimir:9009/api/v1/push
wal_max_size = 10GB
wal_max_age = 6h
)",
                       &c)
                  .empty());
  ASSERT_EQ(c.forward_bounds.size(), 2u);
  EXPECT_EQ(c.forward_bounds["prometheus"].wal_max_size, 1ull << 30);
  EXPECT_EQ(c.forward_bounds["prometheus"].wal_max_age.count(), 0);
  EXPECT_EQ(c.forward_bounds["mimir"].wal_max_size, 10ull << 30);
  EXPECT_EQ(c.forward_bounds["mimir"].wal_max_age, std::chrono::hours(6));
  EXPECT_EQ(Problems("[remote_write.p]\nurl = http://p:9090/api/v1/write\nwal_max_size = 1KB\n"),
            (std::vector<std::string>{
                "server.ini:3: [remote_write.p] wal_max_size: must be at least 1MB"}));
}

TEST(ServerConfigTest, RefusesBadValuesWithTheirLines) {
  EXPECT_EQ(Problems("[server]\nlisten = 9090\n[rules]\nevaluation_interval = 0s\n"
                     "[alertmanager]\nurl = alertmanager:9093\nretries = 3\n"),
            (std::vector<std::string>{
                "server.ini:2: [server] listen: expected host:port, got \"9090\"",
                "server.ini:4: [rules] evaluation_interval: must be at least 1s",
                "server.ini:6: [alertmanager] url: URL \"alertmanager:9093\" has no scheme "
                "(http:// or https://)",
                "server.ini:7: [alertmanager] retries: unknown key",
            }));
}

TEST(ServerConfigTest, EveryLimitIsAKeyWithTodaysDefault) {
  ServerConfig c;
  EXPECT_TRUE(Problems("", &c).empty());
  EXPECT_EQ(c.limits.max_request_size, 32u << 20);
  EXPECT_EQ(c.limits.DecompressedRequestSize(), 128u << 20);
  EXPECT_EQ(c.limits.max_header_size, 64u << 10);
  EXPECT_EQ(c.limits.max_header_count, 100);
  EXPECT_EQ(c.limits.max_connections, 1024);
  EXPECT_EQ(c.limits.read_timeout, std::chrono::seconds(30));
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(c.limits.max_concurrent_writes, 16);
  EXPECT_EQ(c.query.timeout, std::chrono::minutes(2));
  EXPECT_EQ(c.query.max_samples, 50'000'000);
  EXPECT_EQ(c.query.max_points_per_series, 11'000);
  EXPECT_EQ(c.query.lookback_delta, std::chrono::minutes(5));
  EXPECT_EQ(c.query.max_length, 256u << 10);

  // The decompressed bound follows max_request_size unless it is set itself.
  EXPECT_TRUE(Problems("[server]\nmax_request_size = 2MB\n", &c).empty());
  EXPECT_EQ(c.limits.DecompressedRequestSize(), 8u << 20);

  EXPECT_TRUE(Problems(R"([server]
max_request_size = 1MB
max_decompressed_request_size = 3MB
max_header_size = 8KB
max_header_count = 20
max_connections = 50
read_timeout = 5s
idle_timeout = 10s
max_concurrent_writes = 4
[query]
timeout = 20s
max_samples = 1000
max_points_per_series = 500
lookback_delta = 1m
)",
                       &c)
                  .empty());
  EXPECT_EQ(c.limits.max_request_size, 1u << 20);
  EXPECT_EQ(c.limits.DecompressedRequestSize(), 3u << 20);
  EXPECT_EQ(c.limits.max_header_size, 8u << 10);
  EXPECT_EQ(c.limits.max_header_count, 20);
  EXPECT_EQ(c.limits.max_connections, 50);
  EXPECT_EQ(c.limits.read_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.limits.max_concurrent_writes, 4);
  EXPECT_EQ(c.query.timeout, std::chrono::seconds(20));
  EXPECT_EQ(c.query.max_samples, 1000);
  EXPECT_EQ(c.query.max_points_per_series, 500);
  EXPECT_EQ(c.query.lookback_delta, std::chrono::minutes(1));

  const std::vector<std::string> problems = Problems(
      "[server]\nmax_header_count = 0\nmax_connections = -1\nread_timeout = 0s\n"
      "max_decompressed_request_size = 10\n[query]\ntimeout = 0s\nmax_samples = 0\n");
  ASSERT_EQ(problems.size(), 6u);
  EXPECT_NE(problems[0].find("server.ini:2: [server] max_header_count"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("server.ini:3: [server] max_connections"), std::string::npos)
      << problems[1];
  EXPECT_NE(problems[2].find("server.ini:4: [server] read_timeout: must be positive"),
            std::string::npos)
      << problems[2];
  EXPECT_NE(problems[3].find("server.ini:5: [server] max_decompressed_request_size"),
            std::string::npos)
      << problems[3];
  EXPECT_NE(problems[4].find("server.ini:7: [query] timeout: must be positive"), std::string::npos)
      << problems[4];
  EXPECT_NE(problems[5].find("server.ini:8: [query] max_samples"), std::string::npos)
      << problems[5];
}

TEST(ServerConfigTest, RemoteReadLimitsAreKeysWithPrometheussDefaults) {
  ServerConfig c;
  EXPECT_TRUE(Problems("", &c).empty());
  EXPECT_EQ(c.limits.remote_read_sample_limit, 50'000'000);
  EXPECT_EQ(c.limits.remote_read_concurrent_limit, 10);
  EXPECT_EQ(c.limits.remote_read_max_bytes_in_frame, 1u << 20);
  EXPECT_TRUE(Problems("[server]\nremote_read_sample_limit = 0\nremote_read_concurrent_limit = 0\n"
                       "remote_read_max_bytes_in_frame = 64KB\n",
                       &c)
                  .empty());
  EXPECT_EQ(c.limits.remote_read_sample_limit, 0);  // no limit, as Prometheus's 0
  EXPECT_EQ(c.limits.remote_read_concurrent_limit, 0);
  EXPECT_EQ(c.limits.remote_read_max_bytes_in_frame, 64u << 10);
  const std::vector<std::string> problems = Problems(
      "[server]\nremote_read_sample_limit = -1\nremote_read_concurrent_limit = 5000\n"
      "remote_read_max_bytes_in_frame = 100\n");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("[server] remote_read_sample_limit"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("[server] remote_read_concurrent_limit"), std::string::npos)
      << problems[1];
  EXPECT_NE(problems[2].find("[server] remote_read_max_bytes_in_frame: must be from 1KB to 64MB"),
            std::string::npos)
      << problems[2];
}

TEST(ServerConfigTest, QueryConcurrencyAndItsQueueAreKeysWithBounds) {
  ServerConfig c;
  EXPECT_TRUE(Problems("", &c).empty());
  EXPECT_EQ(c.query.max_concurrency, 20);  // Prometheus's --query.max-concurrency default
  EXPECT_EQ(c.query.max_queued, 200);
  EXPECT_TRUE(Problems("[query]\nmax_concurrency = 4\nmax_queued = 0\n", &c).empty());
  EXPECT_EQ(c.query.max_concurrency, 4);
  EXPECT_EQ(c.query.max_queued, 0);

  const std::vector<std::string> problems =
      Problems("[query]\nmax_concurrency = 0\nmax_queued = -1\n");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("server.ini:2: [query] max_concurrency"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("server.ini:3: [query] max_queued"), std::string::npos) << problems[1];
  const std::vector<std::string> too_many =
      Problems("[query]\nmax_concurrency = 129\nmax_queued = many\n");
  ASSERT_EQ(too_many.size(), 2u);
  EXPECT_NE(too_many[0].find("server.ini:2: [query] max_concurrency"), std::string::npos)
      << too_many[0];
  EXPECT_NE(too_many[1].find("server.ini:3: [query] max_queued"), std::string::npos) << too_many[1];
}

TEST(ServerConfigTest, ReadsTheRuleAndAlertingKeys) {
  ServerConfig c;
  EXPECT_EQ(Problems(R"([server]
listen = 127.0.0.1:9191
external_url = https://vigil.example.com/
[global]
external_labels = region=eu, cluster = edge
[rules]
query_offset = 1m
resend_delay = 30s
outage_tolerance = 2h
for_grace_period = 5m
[alertmanager]
url = http://am1:9093, https://am2:9093/prefix
timeout = 5s
bearer_token_file = /dev/null
)",
                     &c),
            (std::vector<std::string>{"server.ini:14: [alertmanager] bearer_token_file: the token "
                                      "file is empty or unreadable"}));
  EXPECT_EQ(c.external_url, "https://vigil.example.com");
  EXPECT_EQ(c.external_labels, core::Labels::FromLiteral({{"cluster", "edge"}, {"region", "eu"}}));
  EXPECT_EQ(c.rules.query_offset, std::chrono::minutes(1));
  EXPECT_EQ(c.rules.resend_delay, std::chrono::seconds(30));
  EXPECT_EQ(c.rules.outage_tolerance, std::chrono::hours(2));
  EXPECT_EQ(c.rules.for_grace_period, std::chrono::minutes(5));
  ASSERT_EQ(c.alertmanager.urls.size(), 2u);
  EXPECT_EQ(c.alertmanager.urls[1].host, "am2");
  EXPECT_EQ(c.alertmanager.timeout, std::chrono::seconds(5));
}

TEST(ServerConfigTest, TheExternalUrlDefaultsToThisHostAndPort) {
  ServerConfig c;
  EXPECT_TRUE(Problems("[server]\nlisten = 127.0.0.1:9191\n", &c).empty());
  EXPECT_EQ(c.external_url.rfind("http://", 0), 0u);
  EXPECT_EQ(c.external_url.substr(c.external_url.size() - 5), ":9191");
}

TEST(ServerConfigTest, RefusesBadRuleAndAlertingValues) {
  EXPECT_EQ(
      Problems("[server]\nexternal_url = vigil:9090\n[global]\nexternal_labels = region\n"
               "[rules]\nquery_offset = -1m\nresend_delay = 0s\n"
               "[alertmanager]\nurl = am:9093\nbasic_auth_username = u\n"),
      (std::vector<std::string>{
          "server.ini:2: [server] external_url: must be an http:// or https:// URL",
          "server.ini:4: [global] external_labels: expected name=value items, got \"region\"",
          "server.ini:6: [rules] query_offset: invalid duration \"-1m\" (use e.g. 15s, 1m30s, 2h)",
          "server.ini:7: [rules] resend_delay: must be positive",
          "server.ini:9: [alertmanager] url: URL \"am:9093\" has no scheme (http:// or https://)",
          "server.ini:10: [alertmanager] basic_auth_username: basic_auth_username and "
          "basic_auth_password_file go together",
      }));
}

// [alertmanager] and [remote_write.NAME] read their credentials and TLS keys with one reader
// (core/client_auth.h), so they refuse the same things (and [alertmanager] a little more: see
// RefusesBadRuleAndAlertingValues and ReadsTheRuleAndAlertingKeys).
TEST(ServerConfigTest, AlertmanagerAndForwardingReadAuthAndTlsAlike) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/am.password") << "s3cret\n";
  std::ofstream(dir + "/ca.crt") << "not checked here\n";
  ServerConfig c;
  EXPECT_EQ(Problems("[alertmanager]\nurl = https://am:9093/prefix, http://am2:9093\ntimeout = 3s\n"
                     "basic_auth_username = vigil\nbasic_auth_password_file = " +
                         dir + "/am.password\ntls_ca_file = " + dir +
                         "/ca.crt\ntls_server_name = am.example\n",
                     &c),
            std::vector<std::string>{});
  ASSERT_EQ(c.alertmanager.urls.size(), 2u);
  EXPECT_EQ(c.alertmanager.urls[0].target, "/prefix");
  EXPECT_EQ(c.alertmanager.timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.alertmanager.basic_auth_username, "vigil");
  EXPECT_EQ(c.alertmanager.basic_auth_password, "s3cret");
  EXPECT_EQ(c.alertmanager.tls.ca_file, dir + "/ca.crt");
  EXPECT_EQ(c.alertmanager.tls.server_name, "am.example");

  for (const std::string section : {"alertmanager", "remote_write.central"}) {
    EXPECT_EQ(
        Problems("[" + section + "]\nurl = http://x:1/\nbasic_auth_username = vigil\n" +
                 "basic_auth_password_file = " + dir + "/am.password\n" +
                 "bearer_token_file = " + dir + "/am.password\n" + "tls_cert_file = " + dir +
                 "/ca.crt\ntls_ca_file = /nonexistent/ca.crt\n"),
        (std::vector<std::string>{
            "server.ini:5: [" + section +
                "] bearer_token_file: cannot be used with basic_auth_username",
            "server.ini:6: [" + section +
                "] tls_cert_file: tls_cert_file and tls_key_file go together",
            "server.ini:7: [" + section + "] tls_ca_file: cannot read \"/nonexistent/ca.crt\"",
        }));
    EXPECT_EQ(Problems("[" + section + "]\nurl = http://x:1/\nbasic_auth_password_file = " + dir +
                       "/am.password\n"),
              (std::vector<std::string>{"server.ini:3: [" + section +
                                        "] basic_auth_password_file: needs basic_auth_username"}));
  }
}

// A reload applies [rules], [auth], [remote_write.NAME] and [server] external_url; any other
// key set, removed or changed is named, so that the reload can be refused.
TEST(ServerConfigTest, ChangedReadAtStartNamesWhatAReloadCannotApply) {
  const std::string base =
      "[server]\nlisten = 127.0.0.1:9090\nexternal_url = http://a:9090\n[storage]\nretention = "
      "15d\n"
      "[rules]\nevaluation_interval = 15s\n[remote_write.p]\nurl = http://p:9090/api/v1/write\n";
  ServerConfig running, next;
  ASSERT_TRUE(Problems(base, &running).empty());
  ASSERT_TRUE(Problems(base, &next).empty());
  EXPECT_TRUE(ChangedReadAtStart(running, next).empty());
  std::string applied = base;
  applied.replace(applied.find("http://a:9090"), 13, "http://b:9090");
  applied.replace(applied.find("15s"), 3, "30s");
  applied.replace(applied.find("http://p:9090"), 13, "http://q:9090");
  applied += "wal_max_size = 64MB\n";
  ASSERT_TRUE(Problems(applied, &next).empty());
  EXPECT_TRUE(ChangedReadAtStart(running, next).empty());
  std::string restart = base;
  restart.replace(restart.find("retention = 15d"), 15, "retention = 30d");
  restart.replace(restart.find("127.0.0.1:9090"), 14, "127.0.0.1:9091");
  restart += "[query]\ntimeout = 1m\n";
  ASSERT_TRUE(Problems(restart, &next).empty());
  EXPECT_EQ(
      ChangedReadAtStart(running, next),
      (std::vector<std::string>{"[query] timeout", "[server] listen", "[storage] retention"}));
}

}  // namespace
}  // namespace vigil::server
