#include "agent/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/core/temp_dir.h"

namespace vigil::agent {
namespace {

std::vector<std::string> Problems(const std::string& text, AgentConfig* out = nullptr) {
  std::vector<core::ConfigError> errors;
  AgentConfig c = ReadAgentConfig(core::IniDocument::Parse(text, "agent.ini"), &errors);
  if (out) *out = c;
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.ToString());
  return lines;
}

TEST(AgentConfigTest, AnEmptyFileGivesTheDefaults) {
  AgentConfig c;
  EXPECT_TRUE(Problems("", &c).empty());
  EXPECT_FALSE(c.node_name.empty());  // the host name
  EXPECT_EQ(c.job, "node");
  EXPECT_EQ(c.interval, std::chrono::seconds(15));
  EXPECT_EQ(c.data_dir, "/var/lib/vigil-agent");
  EXPECT_EQ(c.listen.ToString(), "127.0.0.1:9101");
  EXPECT_TRUE(c.extra_labels.empty());
  EXPECT_TRUE(c.destinations.empty());
  EXPECT_TRUE(c.push_self_metrics);
}

TEST(AgentConfigTest, PushSelfMetricsCanBeTurnedOffAndTakesOnlyABool) {
  AgentConfig c;
  EXPECT_TRUE(Problems("[agent]\npush_self_metrics = false\n", &c).empty());
  EXPECT_FALSE(c.push_self_metrics);
  EXPECT_EQ(Problems("[agent]\npush_self_metrics = sometimes\n").size(), 1u);
}

TEST(AgentConfigTest, ReadsTheDesignExample) {
  AgentConfig c;
  EXPECT_TRUE(Problems(R"([agent]
node_name = edge-01          ; the `instance` label of every pushed series
interval = 15s
data_dir = /var/lib/vigil-agent
job = edge
[http]
listen = 127.0.0.1:9101
[labels]
region = eu-west
[remote_write.central]
url = https://central:9090/api/v1/write
[remote_write.vm-backup]
url = http://10.0.0.9:8428/api/v1/write
)",
                       &c)
                  .empty());
  EXPECT_EQ(c.node_name, "edge-01");
  EXPECT_EQ(c.job, "edge");
  ASSERT_EQ(c.extra_labels.size(), 1u);
  EXPECT_EQ(c.extra_labels[0], (core::Label{"region", "eu-west"}));
  ASSERT_EQ(c.destinations.size(), 2u);
  EXPECT_EQ(c.destinations[0].name, "central");
  EXPECT_TRUE(c.destinations[0].url.https());
  EXPECT_EQ(c.destinations[1].name, "vm-backup");
  EXPECT_EQ(c.destinations[1].url.port, 8428);
}

TEST(AgentConfigTest, RefusesBadValuesWithTheirLines) {
  EXPECT_EQ(
      Problems("[agent]\nnode_name =\ninterval = 500ms\n[labels]\ninstance = x\njob = y\n"
               "__meta = z\nok = fine\n[remote_write.a.b]\nurl = http://x/\n"),
      (std::vector<std::string>{
          "agent.ini:2: [agent] node_name: must not be empty",
          "agent.ini:3: [agent] interval: must be at least 1s",
          "agent.ini:5: [labels] instance: set by the agent itself; use [agent] node_name instead",
          "agent.ini:6: [labels] job: set by the agent itself; use [agent] job instead",
          "agent.ini:7: [labels] __meta: not a valid label name (names starting with __ are "
          "reserved)",
          "agent.ini:9: [remote_write.a.b] destination name \"a.b\" may hold only letters, digits, "
          "'_' and '-'",
      }));
}

TEST(AgentConfigTest, LoadReportsEveryProblemInOneError) {
  std::string path = testing::FreshTempDir() + "/agent.ini";
  std::ofstream(path) << "[agent]\ninterval = x\n[remote_write.c]\n";
  auto r = core::LoadConfig(path, ReadAgentConfig);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            path + ":2: [agent] interval: invalid duration \"x\" (use e.g. 15s, 1m30s, 2h)\n" +
                path + ":3: [remote_write.c] url: missing required key");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace vigil::agent
