#include "agent/config_diff.h"

#include <map>

namespace vigil::agent {
namespace {

using Entries = remote::SectionEntries;

const Entries& SectionOf(const AgentConfig& c, const std::string& name) {
  static const Entries kNone;
  auto it = c.sections.find(name);
  return it == c.sections.end() ? kNone : it->second;
}

bool SameScrape(const ScrapeConfig& a, const ScrapeConfig& b) {
  return a.url.ToString() == b.url.ToString() && a.interval == b.interval &&
         a.timeout == b.timeout && a.honor_labels == b.honor_labels;
}

// Added, changed and removed names between two lists of named things.
template <typename T, typename Same>
void DiffByName(const std::vector<T>& before, const std::vector<T>& after, Same same,
                std::vector<std::string>* added, std::vector<std::string>* changed,
                std::vector<std::string>* removed) {
  std::map<std::string, const T*> old;
  for (const T& t : before) old[t.name] = &t;
  for (const T& t : after) {
    auto it = old.find(t.name);
    if (it == old.end()) {
      added->push_back(t.name);
    } else {
      if (!same(*it->second, t)) changed->push_back(t.name);
      old.erase(it);
    }
  }
  for (const T& t : before) {
    if (old.count(t.name)) removed->push_back(t.name);
  }
}

void AppendNames(std::string* out, const char* sign, const std::vector<std::string>& names) {
  for (const std::string& n : names) *out += " " + std::string(sign) + n;
}

}  // namespace

bool AgentConfigChange::empty() const {
  return needs_restart.empty() && !node_labels && !node_interval && !node_collectors &&
         !push_self_metrics && destinations_added.empty() && destinations_changed.empty() &&
         destinations_removed.empty() && scrapes_added.empty() && scrapes_changed.empty() &&
         scrapes_removed.empty() && !delete_cursors;
}

std::string AgentConfigChange::Summary() const {
  std::string out;
  if (!destinations_added.empty() || !destinations_changed.empty() ||
      !destinations_removed.empty()) {
    out += "destinations:";
    AppendNames(&out, "+", destinations_added);
    AppendNames(&out, "~", destinations_changed);
    AppendNames(&out, "-", destinations_removed);
  }
  if (!scrapes_added.empty() || !scrapes_changed.empty() || !scrapes_removed.empty()) {
    if (!out.empty()) out += "; ";
    out += "scrapes:";
    AppendNames(&out, "+", scrapes_added);
    AppendNames(&out, "~", scrapes_changed);
    AppendNames(&out, "-", scrapes_removed);
  }
  std::vector<std::string> node;
  if (node_labels) node.push_back("labels");
  if (node_interval) node.push_back("interval");
  if (node_collectors) node.push_back("collectors");
  if (push_self_metrics) node.push_back("push_self_metrics");
  if (!node.empty()) {
    if (!out.empty()) out += "; ";
    out += "node:";
    for (const std::string& n : node) out += " " + n;
  }
  if (delete_cursors) out += std::string(out.empty() ? "" : "; ") + "delete_cursors";
  return out.empty() ? "nothing" : out;
}

AgentConfigChange DiffAgentConfig(const AgentConfig& running, const AgentConfig& next) {
  AgentConfigChange c;
  // The listener, the log's place and its options belong to objects made once at start:
  // changing them while running would mean a second log or a gap in /metrics.
  auto restart = [&c](bool changed, const char* key) {
    if (changed) c.needs_restart.push_back(key);
  };
  restart(running.listen.ToString() != next.listen.ToString(), "[http] listen");
  restart(running.data_dir != next.data_dir, "[agent] data_dir");
  restart(running.wal_max_size != next.wal_max_size, "[agent] wal_max_size");
  restart(running.wal_max_age != next.wal_max_age, "[agent] wal_max_age");
  restart(running.wal_fsync_always != next.wal_fsync_always, "[agent] wal_fsync");

  const bool labels_changed = running.extra_labels != next.extra_labels;
  c.node_labels = labels_changed || running.node_name != next.node_name || running.job != next.job;
  c.node_interval = running.interval != next.interval;
  c.node_collectors = SectionOf(running, "collectors") != SectionOf(next, "collectors");
  c.push_self_metrics = running.push_self_metrics != next.push_self_metrics;
  c.delete_cursors = running.delete_cursors != next.delete_cursors;

  DiffByName(
      running.destinations, next.destinations,
      [&](const remote::DestinationConfig& a, const remote::DestinationConfig& b) {
        const std::string section = "remote_write." + a.name;
        return !remote::DestinationChanged(a, b, SectionOf(running, section),
                                           SectionOf(next, section));
      },
      &c.destinations_added, &c.destinations_changed, &c.destinations_removed);
  // [labels] go on every scraped series too: each target changes with them.
  DiffByName(
      running.scrapes, next.scrapes,
      [&](const ScrapeConfig& a, const ScrapeConfig& b) {
        return !labels_changed && SameScrape(a, b);
      },
      &c.scrapes_added, &c.scrapes_changed, &c.scrapes_removed);
  return c;
}

}  // namespace vigil::agent
