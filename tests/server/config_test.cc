#include "server/config.h"

#include <gtest/gtest.h>

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
  EXPECT_TRUE(c.rule_files.empty());
  EXPECT_EQ(c.evaluation_interval, std::chrono::seconds(15));
  EXPECT_FALSE(c.alertmanager_url.has_value());
  EXPECT_TRUE(c.forward_to.empty());
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
  EXPECT_EQ(c.rule_files,
            (std::vector<std::string>{"/etc/vigil/rules/*.yml", "/etc/vigil/extra/*.yaml"}));
  EXPECT_EQ(c.evaluation_interval, std::chrono::seconds(30));
  ASSERT_TRUE(c.alertmanager_url.has_value());
  EXPECT_EQ(c.alertmanager_url->port, 9093);
  ASSERT_EQ(c.forward_to.size(), 1u);
  EXPECT_EQ(c.forward_to[0].url.host, "prometheus");
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

}  // namespace
}  // namespace vigil::server
