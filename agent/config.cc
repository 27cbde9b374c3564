#include "agent/config.h"

#include <re2/re2.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "collectors/collectors.h"

namespace vigil::agent {
namespace {

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

AgentConfig ReadAgentConfig(const core::IniDocument& doc, std::vector<core::ConfigError>* errors) {
  core::ConfigReader reader(doc);
  AgentConfig c;

  core::ConfigSection& agent = reader.Section("agent");
  c.node_name = agent.String("node_name", HostName());
  if (c.node_name.empty()) agent.Error("node_name", "must not be empty");
  c.job = agent.String("job", c.job);
  if (c.job.empty()) agent.Error("job", "must not be empty");
  c.interval = agent.Duration("interval", c.interval);
  if (c.interval < std::chrono::seconds(1)) agent.Error("interval", "must be at least 1s");
  c.data_dir = agent.String("data_dir", c.data_dir);
  if (c.data_dir.empty()) agent.Error("data_dir", "must not be empty");
  c.wal_max_size = agent.Size("wal_max_size", c.wal_max_size);
  if (c.wal_max_size < (1u << 20)) agent.Error("wal_max_size", "must be at least 1MB");
  c.wal_max_age = agent.Duration("wal_max_age", c.wal_max_age);
  c.wal_fsync_always = agent.Choice("wal_fsync", "interval", {"interval", "always"}) == "always";
  c.push_self_metrics = agent.Bool("push_self_metrics", c.push_self_metrics);

  core::ConfigSection& http = reader.Section("http");
  if (auto listen = http.HostPortValue("listen")) c.listen = *listen;

  core::ConfigSection& labels = reader.Section("labels");
  for (const core::IniEntry& e : labels.Entries()) {
    if (!core::IsValidLabelName(e.key) || e.key.rfind("__", 0) == 0) {
      labels.Error(e.key, "not a valid label name (names starting with __ are reserved)");
    } else if (e.key == "job" || e.key == "instance") {
      labels.Error(e.key, "set by the agent itself; use [agent] " +
                              std::string(e.key == "job" ? "job" : "node_name") + " instead");
    } else if (e.value.empty() || !core::IsValidUtf8(e.value)) {
      labels.Error(e.key, "needs a non-empty UTF-8 value");
    } else {
      c.extra_labels.push_back({e.key, e.value});
    }
  }

  core::ConfigSection& collectors = reader.Section("collectors");
  c.roots.procfs = collectors.String("procfs", c.roots.procfs);
  c.roots.sysfs = collectors.String("sysfs", c.roots.sysfs);
  c.roots.rootfs = collectors.String("rootfs", c.roots.rootfs);
  c.roots.cgroupfs = collectors.String("cgroupfs", c.roots.cgroupfs);
  c.roots.textfile_directory = collectors.String("textfile_directory");
  if (std::string exclude = collectors.String("device_exclude"); !exclude.empty()) {
    // Anchored as node_exporter's --collector.netdev.device-exclude is matched.
    auto re = std::make_shared<const re2::RE2>("^(?:" + exclude + ")$", re2::RE2::Quiet);
    if (!re->ok()) {
      collectors.Error("device_exclude", "invalid regular expression: " + re->error());
    } else {
      c.roots.exclude_device = [re](std::string_view device) {
        return re2::RE2::FullMatch(device, *re);
      };
    }
  }
  for (const auto& collector : collectors::DefaultCollectors(c.roots, core::SystemClock::Get())) {
    std::string name(collector->name());
    if (!collectors.Bool(name, true)) c.disabled_collectors.push_back(name);
  }
  c.destinations = remote::ReadDestinations(reader);
  for (const std::string& name : agent.List("delete_cursors")) {
    auto configured = [&name](const remote::DestinationConfig& d) { return d.name == name; };
    if (std::any_of(c.destinations.begin(), c.destinations.end(), configured)) {
      agent.Error("delete_cursors", "\"" + name + "\" is a [remote_write." + name +
                                        "] destination; remove it from one of the two");
    } else if (!remote::IsValidDestinationName(name)) {
      agent.Error("delete_cursors",
                  "\"" + name + "\" is not a destination name (letters, digits, '_', '-')");
    } else {
      c.delete_cursors.push_back(name);
    }
  }
  for (core::ConfigSection* section : reader.SectionsWithPrefix("scrape.")) {
    core::ConfigSection& sc = *section;
    ScrapeConfig scrape;
    scrape.name = sc.name().substr(std::string_view("scrape.").size());
    if (sc.Require("url")) {
      if (auto url = sc.UrlValue("url")) scrape.url = *url;
    }
    scrape.interval = sc.Duration("interval", c.interval);
    scrape.timeout =
        sc.Duration("timeout", std::min(scrape.interval, std::chrono::milliseconds(10'000)));
    if (scrape.interval < std::chrono::seconds(1)) sc.Error("interval", "must be at least 1s");
    if (scrape.timeout.count() <= 0 || scrape.timeout > scrape.interval) {
      sc.Error("timeout", "must be more than 0 and at most the interval");
    }
    scrape.honor_labels = sc.Bool("honor_labels", false);
    c.scrapes.push_back(std::move(scrape));
  }
  for (const core::IniSection& section : doc.sections()) {
    for (const core::IniEntry& e : section.entries)
      c.sections[section.name].emplace_back(e.key, e.value);
  }
  std::vector<core::ConfigError> found = reader.Finish();
  errors->insert(errors->end(), found.begin(), found.end());
  return c;
}

}  // namespace vigil::agent
