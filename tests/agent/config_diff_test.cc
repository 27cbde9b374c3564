// What a reload sees as changed between two agent.ini files.
#include "agent/config_diff.h"

#include <gtest/gtest.h>

namespace vigil::agent {
namespace {

using Names = std::vector<std::string>;

AgentConfig Read(const std::string& text) {
  std::vector<core::ConfigError> errors;
  AgentConfig c = ReadAgentConfig(core::IniDocument::Parse(text, "agent.ini"), &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  return c;
}

const char kBase[] = R"([agent]
node_name = edge-01
interval = 5s
data_dir = /tmp/vigil
[labels]
region = eu
[remote_write.central]
url = http://127.0.0.1:9090/api/v1/write
[remote_write.backup]
url = http://127.0.0.1:9091/api/v1/write
[scrape.app]
url = http://127.0.0.1:8080/metrics
[scrape.db]
url = http://127.0.0.1:8081/metrics
)";

TEST(AgentConfigDiffTest, TheSameFileChangesNothing) {
  AgentConfigChange c = DiffAgentConfig(Read(kBase), Read(kBase));
  EXPECT_TRUE(c.empty()) << c.Summary();
  EXPECT_EQ(c.Summary(), "nothing");
}

TEST(AgentConfigDiffTest, DestinationsAddedChangedAndRemovedByName) {
  std::string next = kBase;
  next.replace(next.find("[remote_write.backup]\nurl = http://127.0.0.1:9091"),
               std::string("[remote_write.backup]\nurl = http://127.0.0.1:9091").size(),
               "[remote_write.backup]\nurl = http://127.0.0.1:9092");
  next.replace(next.find("[remote_write.central]"), std::string("[remote_write.central]").size(),
               "[remote_write.other]");
  AgentConfigChange c = DiffAgentConfig(Read(kBase), Read(next));
  EXPECT_EQ(c.destinations_added, Names{"other"});
  EXPECT_EQ(c.destinations_changed, Names{"backup"});
  EXPECT_EQ(c.destinations_removed, Names{"central"});
  EXPECT_TRUE(c.scrapes_added.empty() && c.scrapes_changed.empty() && c.scrapes_removed.empty());
  EXPECT_FALSE(c.node_labels || c.node_interval || c.node_collectors);
  EXPECT_TRUE(c.needs_restart.empty());
  EXPECT_EQ(c.Summary(), "destinations: +other ~backup -central");
}

TEST(AgentConfigDiffTest, AnyKeyOfADestinationIsAChange) {
  std::string next = kBase;
  next.insert(next.find("[remote_write.backup]"), "shards = 2\n");
  AgentConfigChange c = DiffAgentConfig(Read(kBase), Read(next));
  EXPECT_EQ(c.destinations_changed, Names{"central"});
  EXPECT_TRUE(c.destinations_added.empty() && c.destinations_removed.empty());
}

TEST(AgentConfigDiffTest, ScrapesByNameAndLabelsChangeEveryScrapeAndTheNode) {
  std::string next = kBase;
  next.replace(next.find("[scrape.db]"), std::string("[scrape.db]").size(), "[scrape.cache]");
  AgentConfigChange c = DiffAgentConfig(Read(kBase), Read(next));
  EXPECT_EQ(c.scrapes_added, Names{"cache"});
  EXPECT_EQ(c.scrapes_removed, Names{"db"});
  EXPECT_TRUE(c.scrapes_changed.empty());
  EXPECT_FALSE(c.node_labels);

  next = kBase;
  next.replace(next.find("region = eu"), std::string("region = eu").size(), "region = us");
  c = DiffAgentConfig(Read(kBase), Read(next));
  EXPECT_TRUE(c.node_labels);
  EXPECT_EQ(c.scrapes_changed, (Names{"app", "db"}));
  EXPECT_TRUE(c.destinations_changed.empty());
}

TEST(AgentConfigDiffTest, TheAgentIntervalChangesScrapesThatTakeIt) {
  std::string next = kBase;
  next.replace(next.find("interval = 5s"), std::string("interval = 5s").size(), "interval = 10s");
  next.insert(next.find("[scrape.db]") + std::string("[scrape.db]\n").size(), "interval = 5s\n");
  AgentConfigChange c = DiffAgentConfig(Read(kBase), Read(next));
  EXPECT_TRUE(c.node_interval);
  EXPECT_FALSE(c.node_labels);
  EXPECT_EQ(c.scrapes_changed, Names{"app"});  // db keeps 5s, now written out
}

TEST(AgentConfigDiffTest, NodeNameJobCollectorsAndSelfMetrics) {
  AgentConfigChange c =
      DiffAgentConfig(Read(kBase), Read(std::string(kBase) + "[collectors]\nhwmon = false\n"));
  EXPECT_TRUE(c.node_collectors);
  EXPECT_FALSE(c.node_labels);
  std::string next = kBase;
  next.insert(next.find("interval"), "job = edge\npush_self_metrics = false\n");
  c = DiffAgentConfig(Read(kBase), Read(next));
  EXPECT_TRUE(c.node_labels);
  EXPECT_TRUE(c.push_self_metrics);
  EXPECT_FALSE(c.node_collectors);
}

TEST(AgentConfigDiffTest, SettingsReadAtStartAreNamed) {
  std::string next = kBase;
  next.replace(next.find("data_dir = /tmp/vigil"), std::string("data_dir = /tmp/vigil").size(),
               "data_dir = /tmp/other\nwal_max_size = 64MB\nwal_fsync = always");
  next += "[http]\nlisten = 127.0.0.1:9999\n";
  AgentConfigChange c = DiffAgentConfig(Read(kBase), Read(next));
  EXPECT_EQ(c.needs_restart, (Names{"[http] listen", "[agent] data_dir", "[agent] wal_max_size",
                                    "[agent] wal_fsync"}));
  // The same value written another way is no change.
  next = kBase;
  next.insert(next.find("interval"), "wal_max_size = 1024MB\n");
  EXPECT_TRUE(DiffAgentConfig(Read(kBase), Read(next)).needs_restart.empty());
}

TEST(AgentConfigDiffTest, DeleteCursorsIsAChangeAndMayNotNameADestination) {
  AgentConfigChange c = DiffAgentConfig(
      Read(kBase), Read(std::string(kBase).insert(std::string(kBase).find("interval"),
                                                  "delete_cursors = old, older\n")));
  EXPECT_TRUE(c.delete_cursors);
  std::vector<core::ConfigError> errors;
  std::string bad = kBase;
  bad.insert(bad.find("interval"), "delete_cursors = central, a.b\n");
  AgentConfig read = ReadAgentConfig(core::IniDocument::Parse(bad, "agent.ini"), &errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].message.find("\"central\" is a [remote_write.central] destination"),
            std::string::npos)
      << errors[0].message;
  EXPECT_NE(errors[1].message.find("\"a.b\" is not a destination name"), std::string::npos)
      << errors[1].message;
  EXPECT_TRUE(read.delete_cursors.empty());
}

}  // namespace
}  // namespace vigil::agent
