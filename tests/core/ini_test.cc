#include "core/ini.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/core/temp_dir.h"

namespace vigil::core {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> Strings(const std::vector<ConfigError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.ToString());
  return out;
}

constexpr char kGood[] = R"(# An agent
[agent]
node_name = edge-01          ; the instance label
interval = 1m30s
  wal_max_size = 512MB
[http]
listen = 127.0.0.1:9101
[labels]
region = eu-west
rack = r7
[remote_write.central]
url = https://central:9090/api/v1/write
[remote_write.backup]
url = http://127.0.0.1:8428/api/v1/write
)";

TEST(IniTest, ReadsTypedValuesWithDefaults) {
  IniDocument doc = IniDocument::Parse(kGood, "agent.ini");
  EXPECT_TRUE(doc.errors().empty());
  ConfigReader r(doc);
  ConfigSection& agent = r.Section("agent");
  EXPECT_EQ(agent.String("node_name"), "edge-01");  // the inline comment is gone
  EXPECT_EQ(agent.Duration("interval", milliseconds(15000)), milliseconds(90000));
  EXPECT_EQ(agent.Size("wal_max_size", 1), 512ULL << 20);  // indented lines are entries
  EXPECT_EQ(agent.String("data_dir", "/var/lib/vigil-agent"), "/var/lib/vigil-agent");
  EXPECT_EQ(r.Section("http").HostPortValue("listen")->port, 9101);
  const auto& labels = r.Section("labels").Entries();
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[1].key, "rack");
  EXPECT_EQ(labels[1].value, "r7");
  auto remotes = r.SectionsWithPrefix("remote_write.");
  ASSERT_EQ(remotes.size(), 2u);
  EXPECT_EQ(remotes[0]->name(), "remote_write.central");
  EXPECT_EQ(remotes[1]->UrlValue("url")->port, 8428);
  remotes[0]->UrlValue("url");
  EXPECT_TRUE(r.Finish().empty());
}

TEST(IniTest, ReportsEveryProblemWithFileAndLine) {
  IniDocument doc = IniDocument::Parse(
      "[agent]\n"           // 1
      "interval = 15x\n"    // 2
      "node_nmae = typo\n"  // 3
      "just words\n"        // 4
      "[agnet]\n"           // 5
      "[http]\n"            // 6
      "listen = nowhere\n"  // 7
      "listen = twice:1\n"  // 8
      "= value\n"           // 9
      "[broken\n"           // 10
      "[remote_write.x]\n"  // 11
      "timeout = 5s\n",     // 12
      "agent.ini");
  ConfigReader r(doc);
  ConfigSection& agent = r.Section("agent");
  EXPECT_EQ(agent.Duration("interval", milliseconds(15000)), milliseconds(15000));
  agent.String("node_name");
  r.Section("http").HostPortValue("listen");
  for (ConfigSection* rw : r.SectionsWithPrefix("remote_write.")) rw->Require("url");
  EXPECT_EQ(Strings(r.Finish()),
            (std::vector<std::string>{
                "agent.ini:2: [agent] interval: invalid duration \"15x\" (use e.g. 15s, 1m30s, 2h)",
                "agent.ini:3: [agent] node_nmae: unknown key",
                "agent.ini:4: expected key = value",
                "agent.ini:5: unknown section [agnet]",
                "agent.ini:7: [http] listen: expected host:port, got \"nowhere\"",
                "agent.ini:8: [http] listen: set twice (first at line 7)",
                "agent.ini:9: empty key before '='",
                "agent.ini:10: missing ']' in section header",
                "agent.ini:11: [remote_write.x] url: missing required key",
                "agent.ini:12: [remote_write.x] timeout: unknown key",
            }));
}

TEST(IniTest, DuplicateSectionsAndLongLines) {
  std::string text = "[a]\nx = 1\n[a]\ny = 2\nz = " + std::string(300, 'v') + "\n";
  IniDocument doc = IniDocument::Parse(text, "f.ini");
  ConfigReader r(doc);
  ConfigSection& a = r.Section("a");
  EXPECT_EQ(a.Int("x", 0, 0, 10), 1);
  EXPECT_EQ(a.Int("y", 0, 0, 10), 2);  // merged, and the repeat reported
  auto errors = Strings(r.Finish());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "f.ini:3: section [a] appears twice (first at line 1)");
  EXPECT_EQ(errors[1].rfind("f.ini:5: line longer than ", 0), 0u) << errors[1];
}

TEST(IniTest, KeysOutsideSectionsAndBadTypedValues) {
  IniDocument doc = IniDocument::Parse(
      "stray = 1\n[s]\nflag = perhaps\nn = 11\nmode = fast\nurl = ftp://x\nsize = big\n"
      "items = a,,b\n",
      "s.ini");
  ConfigReader r(doc);
  ConfigSection& s = r.Section("s");
  EXPECT_TRUE(s.Bool("flag", true));
  EXPECT_EQ(s.Int("n", 3, 0, 10), 3);
  EXPECT_EQ(s.Choice("mode", "interval", {"interval", "always"}), "interval");
  EXPECT_FALSE(s.UrlValue("url").has_value());
  EXPECT_EQ(s.Size("size", 7), 7u);
  EXPECT_TRUE(s.List("items").empty());
  EXPECT_EQ(Strings(r.Finish()),
            (std::vector<std::string>{
                "s.ini:1: key \"stray\" outside any [section]",
                "s.ini:3: [s] flag: invalid boolean \"perhaps\" (use true or false)",
                "s.ini:4: [s] n: expected a whole number from 0 to 10, got \"11\"",
                "s.ini:5: [s] mode: expected one of interval, always, got \"fast\"",
                "s.ini:6: [s] url: URL \"ftp://x\" must be http or https",
                "s.ini:7: [s] size: invalid size \"big\" (use e.g. 512MB, 1GB)",
                "s.ini:8: [s] items: empty item in list \"a,,b\"",
            }));
}

TEST(IniTest, LoadNamesTheFileThatCannotBeRead) {
  auto r = IniDocument::Load("/nonexistent/vigil.ini");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/vigil.ini"), std::string::npos);

  std::string path = testing::FreshTempDir() + "/ini_test.ini";
  std::ofstream(path) << "[a]\nb = c\n";
  auto doc = IniDocument::Load(path);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->file(), path);
  EXPECT_EQ(doc->sections().at(0).entries.at(0).value, "c");
  std::remove(path.c_str());
}

TEST(IniTest, BinaryGarbageIsReportedNotCrashed) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) % 256));
  IniDocument doc = IniDocument::Parse(junk, "junk.ini");
  ConfigReader r(doc);
  EXPECT_FALSE(r.Finish().empty());
}

}  // namespace
}  // namespace vigil::core
